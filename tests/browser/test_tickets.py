"""随手拍 in a real browser on a 360 px phone: the courier photographs a hazard, picks its
kind and sends it, and lands on the ticket page that follows it."""

from __future__ import annotations

import re

from tests.activities.photos import jpeg
from tests.browser.steps import fits_phone, sign_in
from tests.browser.test_phone import SMALLEST_TARGET, _too_small_targets

COURIER = "13900000010"  # 小刘, a courier of 云溪二网格


def test_a_courier_reports_a_hazard_with_a_photo_from_the_phone(person, snap):
    phone = person()
    sign_in(phone, COURIER)
    phone.goto("/")
    phone.get_by_role("link", name="随手拍", exact=True).first.click()
    phone.wait_for_load_state()
    assert "/report" in phone.url
    fits_phone(phone)
    assert not _too_small_targets(phone), f"targets under {SMALLEST_TARGET} px"
    # The grid is guessed from his own; the map point is folded away.
    assert phone.locator("select[name=grid] option:checked").inner_text() == "云溪二网格"
    assert not phone.locator("input[name=latitude]").is_visible()

    phone.set_input_files(
        "input[name=photos]",
        files=[{"name": "wires.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}],
    )
    phone.get_by_label("飞线充电").check()
    phone.fill("textarea[name=description]", "浏览器旅程：楼道里拉线给电瓶车充电")
    phone.fill("input[name=spot]", "8幢1单元门口")
    snap(phone, "report-form")
    phone.get_by_role("button", name="提交上报").click()
    phone.wait_for_load_state()

    assert re.search(r"/tickets/\d+$", phone.url), phone.url
    assert "网格员会尽快核实" in phone.inner_text(".flash.success")
    main = phone.inner_text("main")
    assert "飞线充电" in main and "8幢1单元门口" in main and "已上报，待核实" in main
    assert phone.locator("ul.photos img").count() == 1
    fits_phone(phone)
    snap(phone, "ticket-page")
