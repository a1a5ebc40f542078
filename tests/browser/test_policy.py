"""The security headers as Chromium reads them: no page breaks its Content-Security-Policy or
trips over the Permissions-Policy, with scripts on, and the styles moved out of the pages
still apply (the check-in button, the QR code, the utilisation chart)."""

from __future__ import annotations

import pytest

from tests.browser.steps import sign_in

WORKER = "13900000001"  # 李社工: charts, posters, an activity's code, the counter
VOLUNTEER = "13900000004"  # 王阿姨: a voucher's QR code, check-in

PAGES = {
    WORKER: ["/", "/spaces/utilisation", "/activities/1/qr", "/spaces/1/door", "/merchant"],
    VOLUNTEER: ["/", "/me/vouchers/1", "/activities/check-in?token=x", "/claims/new", "/benefits"],
}
WATCHED = ("content security policy", "content-security-policy", "permissions-policy")


@pytest.mark.parametrize("phone", list(PAGES))
def test_no_page_breaks_the_policies_in_a_real_browser(person, phone):
    page = person(javascript=True)
    complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(f"{page.url}: {message.text}")
            if any(word in message.text.lower() for word in WATCHED)
            else None
        ),
    )
    # Every page reports what its policy blocked (an init script: the policy does not apply).
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (event) =>
             console.error("Content Security Policy violation: " + event.violatedDirective))"""
    )
    sign_in(page, phone)
    for path in PAGES[phone]:
        answer = page.goto(path)
        assert answer.status == 200, path
        page.wait_for_load_state("load")
    assert complaints == []


def test_the_styles_moved_out_of_the_pages_still_apply(person):
    worker = person()
    sign_in(worker, WORKER)
    worker.goto("/spaces/utilisation")
    chart = worker.locator("svg.chart").first
    assert chart.evaluate("svg => getComputedStyle(svg).display") == "block"
    assert chart.bounding_box()["width"] > 250  # phone-wide, not the viewBox's default
    worker.goto("/activities/1/qr")
    card = worker.locator(".card.qr")
    assert card.evaluate("div => getComputedStyle(div).textAlign") == "center"

    volunteer = person()
    sign_in(volunteer, VOLUNTEER)
    volunteer.goto("/activities/check-in?token=x")
    button = volunteer.locator("main form button[type=submit]")
    assert button.evaluate(  # the card's whole width, as before it lost its style attribute
        """b => { const card = b.closest(".card"), pad = getComputedStyle(card);
                  const inner = card.clientWidth - parseFloat(pad.paddingLeft)
                                - parseFloat(pad.paddingRight);
                  return b.getBoundingClientRect().width >= inner - 1; }"""
    )
