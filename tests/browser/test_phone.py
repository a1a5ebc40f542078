"""Every role's pages on a 360 px phone: nothing scrolls sideways, touch targets are large,
type is readable; screenshots of each role's home and main pages."""

from __future__ import annotations

import pytest

from tests.browser.steps import fits_phone, reset_mode, set_mode, sign_in

PAGES = {
    None: ["/", "/login", "/register", "/activities/types", "/benefits", "/board", "/board/1"],
    "13900000004": [
        "/",
        "/me",
        "/me/statement",
        "/me/claims",
        "/claims/new",
        "/me/vouchers",
        "/inbox",
        "/me/notifications",
    ],
    "13900000003": [
        "/",
        "/activities",
        "/me",
        "/spaces",
        "/spaces/1",
        "/spaces/1/book",
        "/me/bookings",
        "/calendar",
    ],
    "13900000002": ["/", "/merchant", "/merchant/statement"],
    "13900000008": ["/", "/grid/tickets", "/report", "/order", "/tickets"],
    "13900000009": ["/", "/unit/tickets"],
    "13900000005": ["/", "/me", "/training"],
    "13900000001": [
        "/",
        "/staff/claims",
        "/staff/members",
        "/staff/applications",
        "/staff/assessments",
        "/staff/courses",
        "/staff/courses/sessions/1",
        "/bookings/queue",
        "/spaces/utilisation",
        "/spaces/1/door",
        "/outbox",
        "/street/tickets",
    ],
}
# Whose pages are also shot at desktop width (the social worker's queues are worked at a
# desk too); everyone else's are phone pages, shot on the phone only.
AT_A_DESK = {"13900000001"}
SMALLEST_TARGET = 44  # px, WCAG's target size for touch
SMALLEST_TYPE = 16  # px
SMALLEST_BOX = 24  # px, a tick box (WCAG 2.5.8)


def _too_small_targets(page) -> list[str]:
    """Buttons, bar links, menu and form fields smaller than a fingertip (tick boxes: 24 px,
    their label being the larger target)."""
    return page.evaluate(
        """([least, box]) => [...document.querySelectorAll(
              'button, .button, input:not([type=hidden]), select, textarea, nav a, header a,'
              + ' summary')]
            .filter(e => e.offsetParent !== null)
            .filter(e => { const r = e.getBoundingClientRect();
                           const need = ['checkbox', 'radio'].includes(e.type) ? box : least;
                           return r.height < need || r.width < need; })
            .map(e => e.outerHTML.slice(0, 80))""",
        [SMALLEST_TARGET, SMALLEST_BOX],
    )


def _smallest_type(page) -> float:
    return page.evaluate(
        """() => Math.min(...[...document.querySelectorAll(
              'main p, main li, main td, main small, main label, nav a')]
            .filter(e => e.offsetParent !== null && e.textContent.trim())
            .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )


@pytest.mark.parametrize("phone", list(PAGES), ids=lambda p: p or "visitor")
def test_each_roles_pages_fit_a_phone(person, snap, phone):
    page = person()
    if phone:
        sign_in(page, phone)
    problems = []
    for path in PAGES[phone]:
        page.goto(path)
        assert page.locator("main").is_visible()
        snap(page, path.strip("/").replace("/", "-") or "home", desktop=phone in AT_A_DESK)
        try:
            fits_phone(page)
        except AssertionError as error:
            problems.append(str(error))
        if small := _too_small_targets(page):
            problems.append(f"{path}: targets under {SMALLEST_TARGET} px: {small}")
        if (size := _smallest_type(page)) < SMALLEST_TYPE:
            problems.append(f"{path}: type as small as {size} px")
    assert not problems, "\n".join(problems)


# In English (longer words) and in 长辈版 (larger type and targets), the pages of the
# journeys a 68-year-old makes, and the merchant's statement, fit the phone too; in 长辈版
# fits_phone also measures 20 px type and 60 px main actions.
MODE_PAGES = {
    "13900000004": ["/", "/me/statement", "/me/vouchers", "/benefits", "/activities", "/me"],
    "13900000002": ["/", "/merchant/statement"],
}


@pytest.mark.parametrize("mode", ["en", "elder"])
@pytest.mark.parametrize("phone", list(MODE_PAGES))
def test_the_journeys_pages_fit_a_phone_in_english_and_elder_mode(person, snap, phone, mode):
    page = person()
    sign_in(page, phone)
    set_mode(page, mode)
    problems = []
    try:
        for path in MODE_PAGES[phone]:
            page.goto(path)
            snap(page, path.strip("/").replace("/", "-") or "home", desktop=False)
            try:
                fits_phone(page)
            except AssertionError as error:
                problems.append(str(error))
    finally:
        reset_mode(page, mode)
    assert not problems, "\n".join(problems)
