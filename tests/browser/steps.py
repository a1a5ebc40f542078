"""What a person does in the browser, in a few words: sign in, read a number, check the width."""

from __future__ import annotations

import re

PASSWORD = "demo1234"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def sign_in(page, phone: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.inner_text("main")


def number_in(text: str) -> int:
    """The first whole number in a piece of visible text."""
    match = re.search(r"-?\d+", text.replace(",", ""))
    assert match, f"no number in {text!r}"
    return int(match.group())


def fits_phone(page) -> None:
    """Nothing on the page makes a 360 px screen scroll sideways."""
    # After a click that follows a link the next page may still be loading (its document
    # has no scrollingElement yet): measure the page once it has loaded.
    page.wait_for_load_state()
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 360 px phone"
