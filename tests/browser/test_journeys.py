"""Whole journeys through the pages, in a real browser, as the demo people would make them.

Each journey leaves screenshots (phone 360 px and desktop) in build/screenshots/<journey>/.
The journeys share one seeded server, so each reads the numbers it starts from rather than
assuming them, and leaves the people it uses as it found them where that matters (language).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from points.web.home import BOOKINGS_SHOWN
from tests.browser.steps import MODES, fits_phone, flashed, number_in, reset_mode, set_mode, sign_in

VOLUNTEER = "13900000004"  # 王阿姨
WORKER = "13900000001"  # 李社工, 云溪社区
MERCHANT = "13900000002"  # 张店长, 云溪老街理发店
HOST = "13900000003"  # 宋老师
RESIDENT = "13900000005"  # 陈小明
SECOND_HOST = "13900000007"  # 刘老师, 云溪社区
SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOM = {"zh": "云溪社区活动室", "en": "Yunxi activity room", "elder": "云溪社区活动室"}


def available_on_home(page) -> int:
    page.goto("/")
    return number_in(page.inner_text(".balance .big"))


def latest_balance(page) -> int:
    """What she can spend, as the statement's first line shows it (a voucher not used yet
    is a line of its own above the newest movement)."""
    page.goto("/me/statement")
    return number_in(page.inner_text("table.list tbody tr >> nth=0 >> td >> nth=2"))


def test_a_volunteer_earns_points_and_spends_them_at_a_merchant(person, snap):
    """Claim → a social worker approves → the balance grows → redeem a benefit → the merchant
    types the code → the voucher is used and the points are gone for good."""
    volunteer, worker, merchant = person(), person(), person()
    note = "浏览器旅程：陪独居的钱奶奶聊天、检查燃气"

    # 王阿姨 claims an hour and a half of visiting an older neighbour.
    sign_in(volunteer, VOLUNTEER, through_form=True)
    start = available_on_home(volunteer)
    snap(volunteer, "volunteer-home")
    volunteer.goto("/claims/new")
    volunteer.select_option("select[name=activity_type]", "elder-companionship")
    volunteer.fill("input[name=quantity]", "1.5")
    volunteer.fill("textarea[name=note]", note)
    fits_phone(volunteer)
    snap(volunteer, "claim-form")
    volunteer.get_by_role("button", name="提交申报").click()
    assert "申报已提交" in volunteer.inner_text(".flash.success")
    assert note in volunteer.inner_text("main")
    snap(volunteer, "claim-sent")

    # 李社工 finds it in the queue and approves it.
    sign_in(worker, WORKER, through_form=True)
    worker.goto("/staff/claims")
    card = worker.locator("tr", has_text=note)  # a row of the queue's table
    fits_phone(worker)
    snap(worker, "claims-to-review")
    card.get_by_role("button", name="通过", exact=True).click()
    assert "已通过，积分已到账" in worker.inner_text(".flash.success")
    snap(worker, "claim-approved")

    # 王阿姨 sees 12 more points (8 a hour × 1.5).
    assert available_on_home(volunteer) == start + 12
    snap(volunteer, "new-balance")
    balance = latest_balance(volunteer)

    # She redeems a wash and blow-dry at the barber's for 15 points.
    volunteer.goto("/benefits")
    volunteer.get_by_text("更多筛选").click()  # the other filters are folded away
    volunteer.fill("input[name=q]", "洗头吹干")
    volunteer.locator("form.filters button[type=submit]").click()
    volunteer.get_by_role("link", name="洗头吹干一次").click()
    snap(volunteer, "benefit")
    volunteer.get_by_role("button", name="兑换").click()
    assert "兑换成功" in volunteer.inner_text(".flash.success")
    code = volunteer.inner_text(".voucher-code.big").strip()
    assert re.fullmatch(r"[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}", code)
    voucher_page = volunteer.url
    fits_phone(volunteer)
    snap(volunteer, "voucher")
    assert available_on_home(volunteer) == start + 12 - 15

    # 张店长 types the code as a customer reads it out: lower case, spaces for hyphens.
    sign_in(merchant, MERCHANT, through_form=True)
    merchant.goto("/")  # the merchant's home is the counter's code box
    merchant.fill("input[name=code]", code.lower().replace("-", " "))
    snap(merchant, "counter-code-typed")
    merchant.get_by_role("button", name="查询券码").click()
    merchant.get_by_role("button", name="确认核销").click()  # after a look at what it is
    assert "核销成功" in merchant.inner_text(".counter-done h1")
    assert "洗头吹干一次" in merchant.inner_text(".counter-done")
    snap(merchant, "counter-confirmed")
    merchant.goto("/merchant")
    assert "洗头吹干一次" in merchant.inner_text("table.list")

    # Back on 王阿姨's phone: the voucher is used and the points stay spent.
    volunteer.goto(voucher_page)
    assert "已核销" in volunteer.inner_text("main .card")
    snap(volunteer, "voucher-used")
    assert available_on_home(volunteer) == start + 12 - 15
    assert latest_balance(volunteer) == balance - 15, "the held points are now spent"
    assert "洗头吹干一次" in volunteer.inner_text("table.list tbody tr.moved >> nth=0")
    snap(volunteer, "statement")


# Each mode books its own Saturday hour, so the three runs on one server do not meet.
BOOKING_HOURS = {"zh": 15, "en": 17, "elder": 13}
WAITING = {"zh": "候补中", "en": "Waiting", "elder": "候补中"}


@pytest.mark.parametrize("mode", MODES)
def test_a_host_books_a_slot_and_a_second_host_finds_it_taken(person, snap, mode):
    """宋老师 books a free afternoon in the activity room on two Saturdays (weekly, from the
    one after next); 刘老师 opens the same week, sees that time taken; its form says so and
    offers the waiting list, which he joins for the whole series. In Chinese, in English and
    in 长辈版."""
    host, other = person(), person()
    today = datetime.now(SHANGHAI).date()
    saturday = today - timedelta(days=today.weekday()) + timedelta(days=12)
    hour = BOOKING_HOURS[mode]
    slot = f'a.slot[href*="start={saturday.isoformat()}T{hour:02d}:00:00"]'
    title = f"书法兴趣小组·浏览器旅程·{mode}"

    sign_in(host, HOST, through_form=True)
    set_mode(host, mode)
    try:
        host.goto("/spaces")
        fits_phone(host)
        snap(host, "spaces")
        host.locator("section.card", has_text=ROOM[mode]).locator("a.button.primary").click()
        host.locator("main a.button").nth(1).click()  # next week →
        fits_phone(host)
        snap(host, "week")
        host.locator(slot).click()
        assert host.input_value("select[name=start]") == f"{hour:02d}:00"
        host.select_option("select[name=tier]", "free")
        host.fill("input[name=title]", title)
        host.fill("input[name=weeks]", "2")
        fits_phone(host)
        snap(host, "booking-form")
        host.locator("button[name=action][value=book]").click()
        flashed(host)
        assert title in host.inner_text("main")  # My bookings lists it
        snap(host, "booked")
        host.goto("/")
        if mode == "elder":
            host.locator("details.more summary").click()
        # Home lists the soonest few (BOOKINGS_SHOWN): the new booking, unless the demo
        # host's programme sessions and rehearsals before it fill the list.
        soonest = host.locator("section[aria-labelledby=bookings-heading] li")
        assert title in host.inner_text("main") or soonest.count() == BOOKINGS_SHOWN, (
            "the host's home shows the upcoming booking"
        )
        snap(host, "host-home")
    finally:
        reset_mode(host, mode)

    # 刘老师 looks at the same Saturday: the time is taken now.
    sign_in(other, SECOND_HOST, through_form=True)
    set_mode(other, mode)
    try:
        other.goto("/spaces")
        other.locator("section.card", has_text=ROOM[mode]).locator("a.button.primary").click()
        other.locator("main a.button").nth(1).click()  # next week →
        taken = other.locator(slot)
        assert "taken" in taken.get_attribute("class")
        snap(other, "week-taken")

        # The form says the time is taken and offers the waiting list instead of booking.
        taken.click()
        flashed(other, "error")
        assert other.locator("button[name=action][value=book]").count() == 0
        fits_phone(other)
        snap(other, "taken-offers-waiting")
        other.fill("input[name=title]", "抢同一时段")
        other.fill("input[name=weeks]", "2")
        other.locator("button[name=action][value=wait_weekly]").click()
        flashed(other)
        said = other.inner_text(".flash.success")
        assert ("2 周" in said) if mode != "en" else ("2 weeks" in said), said
        assert WAITING[mode] in other.inner_text("main")
        fits_phone(other)
        snap(other, "waiting")
    finally:
        reset_mode(other, mode)


def test_the_language_switch_turns_every_page_to_english_and_back(person, snap):
    page = person()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "注册" in page.inner_text("main")
    snap(page, "visitor-chinese")

    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Sign up" in page.inner_text("main")
    snap(page, "visitor-english")

    # The choice follows the visitor through sign-in and onto other pages.
    sign_in(page, RESIDENT, through_form=True)
    assert "Hello, 陈小明" in page.inner_text("main h1")
    page.get_by_text("Menu").click()  # a <details> menu: opens without JavaScript
    assert "My profile" in page.inner_text("nav")
    fits_phone(page)
    snap(page, "member-english-menu-open")
    page.goto("/benefits")
    assert "Benefits to redeem with points" in page.inner_text("main h1")
    fits_phone(page)
    snap(page, "benefits-english")

    # 中文 takes the member back; their choice is remembered with their account.
    page.get_by_role("button", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "积分" in page.inner_text("main h1")
    assert page.url.endswith("/benefits")
    snap(page, "benefits-chinese")
