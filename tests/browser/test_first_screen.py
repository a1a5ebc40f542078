"""What a 68-year-old sees on the first screen of a 360 × 740 phone, without scrolling: the
benefits list starts with results, a voucher shows its QR code and its code on one line; and
once the shop confirms the voucher, the open page says 已核销 by itself (JavaScript on), and
shows the code again when the shop undoes it."""

from __future__ import annotations

import re

import pytest

from tests.browser.steps import MODES, PHONE, fits_phone, reset_mode, set_mode, sign_in
from tests.browser.test_scan import unused_voucher_at_the_barbers

VOLUNTEER = "13900000004"  # 王阿姨
MERCHANT = "13900000002"  # 张店长, 云溪老街理发店
CODE_SHAPE = r"[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}"


def on_first_screen(page, selector: str) -> None:
    """The element is wholly inside the phone's first screen, the page not scrolled."""
    assert page.evaluate("window.scrollY") == 0
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (
        f"{selector} runs from {box['y']:.0f} to {box['y'] + box['height']:.0f} px "
        f"on a {PHONE['height']} px screen"
    )


def one_line(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        """el => el.getBoundingClientRect().height
                 < 1.5 * parseFloat(getComputedStyle(el).lineHeight)"""
    )


@pytest.mark.parametrize("phone", [None, VOLUNTEER], ids=["visitor", "volunteer"])
def test_the_benefits_first_screen_shows_results(person, snap, phone):
    page = person()
    if phone:
        sign_in(page, phone)
    page.goto("/benefits")
    fits_phone(page)
    on_first_screen(page, "nav.chips")
    on_first_screen(page, "a.card.offer")  # the first result, whole
    assert page.locator("a.card.offer").count() == 20
    assert not page.locator("form.filters").is_visible(), "the other filters are folded away"
    if phone:
        state = page.locator("a.card.offer .state").first.inner_text()
        assert state == "可兑换" or re.fullmatch(r"还差 \d+ 分", state), state
    snap(page, "benefits")

    # A chip is a link: the category's first page, still results first.
    page.locator("nav.chips a", has_text="理发").click()
    fits_phone(page)
    assert "category=haircut" in page.url
    on_first_screen(page, "a.card.offer")
    snap(page, "benefits-haircut")


@pytest.mark.parametrize("mode", MODES)
def test_a_vouchers_qr_and_code_are_on_the_first_screen(person, snap, mode):
    """Redeemed → the QR code and the code on the first screen, in Chinese, in English and
    in 长辈版 (larger type and targets: the QR code still fits above the fold)."""
    volunteer = person()
    sign_in(volunteer, VOLUNTEER)
    code, url = unused_voucher_at_the_barbers(volunteer, person)
    set_mode(volunteer, mode)
    try:
        _voucher_first_screen(volunteer, url, snap, mode)
    finally:
        reset_mode(volunteer, mode)


def _voucher_first_screen(volunteer, url, snap, mode) -> None:
    volunteer.goto(url)
    fits_phone(volunteer)
    on_first_screen(volunteer, ".voucher .qr svg")
    on_first_screen(volunteer, ".voucher-code.big")
    assert re.fullmatch(CODE_SHAPE, volunteer.inner_text(".voucher-code.big").strip())
    assert one_line(volunteer, ".voucher-code.big"), "the code reads on one line"
    main = volunteer.inner_text("main")
    if mode == "en":
        assert "Yunxi Old Street Barber" in main and "Opening hours" in main
    else:
        assert "云溪老街理发店" in main and "营业时间" in main and "周二至周日" in main
    # Cancelling is away from the code, behind a second button.
    cancel = volunteer.locator("details.cancel-voucher")
    assert cancel.bounding_box()["y"] > volunteer.locator(".voucher-code.big").bounding_box()["y"]
    really = cancel.locator("form button[type=submit]")
    assert not really.is_visible()
    snap(volunteer, "voucher")
    volunteer.locator("details.cancel-voucher summary").click()
    assert really.is_visible()
    fits_phone(volunteer)
    snap(volunteer, "voucher-cancel-asks")


def test_the_open_voucher_says_used_once_the_shop_confirms(person, snap):
    volunteer = person()
    sign_in(volunteer, VOLUNTEER)
    code, url = unused_voucher_at_the_barbers(volunteer, person)

    watching = person(javascript=True)
    sign_in(watching, VOLUNTEER)
    watching.goto(url)
    watching.wait_for_load_state("load")  # voucher.js is deferred
    assert watching.locator(".voucher .qr svg").is_visible()

    merchant = person()
    sign_in(merchant, MERCHANT)
    merchant.goto("/merchant")
    merchant.fill("input[name=code]", code)
    merchant.get_by_role("button", name="查询券码").click()
    merchant.get_by_role("button", name="确认核销").click()  # after a look at what it is
    assert "核销成功" in merchant.inner_text(".counter-done h1")

    # No reload: the page asks every few seconds and shows the new status in place.
    done = watching.locator("[data-voucher-done]")
    done.wait_for(state="visible", timeout=20_000)
    assert done.inner_text().strip() == "已核销"
    assert not watching.locator(".voucher .qr svg").is_visible()
    assert not watching.locator("details.cancel-voucher").is_visible()
    snap(watching, "voucher-used-live")

    # The shop undoes it (撤销) within its five minutes: the open page shows the code again.
    merchant.get_by_role("button", name="撤销").click()
    watching.locator(".voucher .qr svg").wait_for(state="visible", timeout=20_000)
    assert watching.locator("[data-voucher-done]").is_hidden()
