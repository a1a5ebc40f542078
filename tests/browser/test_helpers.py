"""代办 in a real browser on a 360 × 740 phone: 王阿姨's daughter redeems a benefit for her
mother and her mother's statement says so; a helper outside what was granted is refused,
and a withdrawal ends the acting at once."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.steps import fits_phone, flashed, sign_in

WANG = "13900000004"  # 王阿姨, volunteer
DAUGHTER = "13900000011"  # 王小红, her daughter and helper (the seed's grant)
XIAOMING = "13900000005"  # 陈小明, a neighbour


def community_today() -> date:
    """The day on the server's clock (the community's zone, the default configuration's),
    not this machine's: from 16:00 UTC they differ."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


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
    mother.fill("input[name=ends_on]", (community_today() + timedelta(days=30)).isoformat())
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


SONG = "13900000003"  # 宋老师, a community host


def test_the_helper_books_space_for_a_host_and_the_host_sees_who_booked(person, snap):
    """宋老师 names 王小红 her helper for booking; 王小红 books the activity room for her
    (free use, a Sunday hour); 宋老师's bookings list it and say who booked it."""
    host = person()
    sign_in(host, SONG)
    host.goto("/me/helpers")
    host.fill("input[name=helper_phone]", DAUGHTER)
    host.get_by_label("预约场地").check()
    host.fill("input[name=ends_on]", (community_today() + timedelta(days=30)).isoformat())
    host.get_by_role("button", name="设为代办人").click()
    flashed(host)
    assert "已成为您的代办人" in host.inner_text(".flash.success")

    helper = person()
    sign_in(helper, DAUGHTER)
    helper.goto("/")
    helper.get_by_role("link", name="为 宋老师 代办").click()
    helper.wait_for_load_state()
    helper.get_by_role("link", name="为其预约场地").click()
    helper.wait_for_load_state()
    assert "正在为 宋老师 代办" in helper.inner_text(".acting-banner")
    fits_phone(helper)
    snap(helper, "spaces-for-her")
    helper.locator("main ul.rows a.button", has_text="活动室").first.click()
    helper.wait_for_load_state()
    today = community_today()
    sunday = today - timedelta(days=today.weekday()) + timedelta(days=13)
    helper.fill("input[name=day]", sunday.isoformat())
    helper.select_option("select[name=start]", "10:00")
    helper.select_option("select[name=end]", "11:00")
    helper.select_option("select[name=tier]", "free")
    title = "瑜伽晨练·代办旅程"
    helper.fill("input[name=title]", title)
    fits_phone(helper)
    snap(helper, "booking-for-her")
    helper.get_by_role("button", name="预约", exact=True).click()
    flashed(helper)
    assert "已为 宋老师 预约" in helper.inner_text(".flash.success")
    assert title in helper.inner_text("main")

    host.goto("/me/bookings")
    mine = host.inner_text("main")
    assert title in mine and "由 王小红 代办" in mine
    fits_phone(host)
    snap(host, "hosts-bookings")
