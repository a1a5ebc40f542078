"""代办 in a real browser on a 360 × 740 phone: 王阿姨's daughter redeems a benefit for her
mother and her mother's statement says so; a helper outside what was granted is refused,
and a withdrawal ends the acting at once."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.browser.steps import fits_phone, sign_in

WANG = "13900000004"  # 王阿姨, volunteer
DAUGHTER = "13900000011"  # 王小红, her daughter and helper (the seed's grant)
XIAOMING = "13900000005"  # 陈小明, a neighbour


def test_the_daughter_redeems_for_her_mother_and_the_statement_says_so(person, snap):
    daughter = person()
    sign_in(daughter, DAUGHTER)
    daughter.goto("/")
    assert "我帮助的人" in daughter.inner_text("main")
    daughter.get_by_role("link", name="为 王阿姨 代办").click()
    daughter.wait_for_load_state()
    banner = daughter.inner_text(".acting-banner")
    assert "正在为 王阿姨 代办" in banner and "结束代办" in banner
    fits_phone(daughter)
    snap(daughter, "acting-home")

    daughter.get_by_role("link", name="为其兑换权益").click()
    daughter.wait_for_load_state()
    assert "正在为 王阿姨 代办" in daughter.inner_text(".acting-banner")
    daughter.locator("main ul.rows li a").first.click()
    daughter.wait_for_load_state()
    title = daughter.inner_text("main h1")
    fits_phone(daughter)
    daughter.get_by_role("button", name="为 王阿姨 兑换").click()
    daughter.wait_for_load_state()
    assert re.search(r"/helping/\d+/vouchers/\d+$", daughter.url), daughter.url
    assert "正在为 王阿姨 代办" in daughter.inner_text(".acting-banner")
    code = daughter.inner_text(".voucher-code")
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}", code), code
    fits_phone(daughter)
    snap(daughter, "voucher-for-her")

    mother = person()
    sign_in(mother, WANG)
    mother.goto("/me/statement")
    statement = mother.inner_text("main")
    assert title in statement and "由 王小红 代办" in statement
    fits_phone(mother)
    snap(mother, "mothers-statement")


def test_a_helper_outside_what_was_granted_is_refused(person, snap):
    mother = person()
    sign_in(mother, WANG)
    mother.goto("/me/helpers")
    mother.fill("input[name=helper_phone]", XIAOMING)
    mother.get_by_label("查询积分和明细").check()
    mother.fill("input[name=ends_on]", (date.today() + timedelta(days=30)).isoformat())
    fits_phone(mother)
    snap(mother, "name-a-helper")
    mother.get_by_role("button", name="设为代办人").click()
    mother.wait_for_load_state()
    assert "已成为您的代办人" in mother.inner_text(".flash.success")

    neighbour = person()
    sign_in(neighbour, XIAOMING)
    neighbour.goto("/")
    neighbour.get_by_role("link", name="为 王阿姨 代办").click()
    neighbour.wait_for_load_state()
    acting = neighbour.url
    main = neighbour.inner_text("main")
    assert "其积分明细" in main and "为其兑换权益" not in main
    answer = neighbour.goto(acting + "/benefits")
    assert answer.status == 403
    snap(neighbour, "outside-the-grant")

    mother.goto("/me/helpers")
    mother.get_by_role("button", name="撤销 陈小明 的代办").click()
    mother.wait_for_load_state()
    assert neighbour.goto(acting + "/statement").status == 403
