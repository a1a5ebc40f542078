"""Each role's home answers its first question; the tests read the page as a member would."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from points import seeding
from points.activities import services as claims
from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import applications
from points.members import services as members
from points.members.models import Assessment
from points.spaces import services as spaces
from points.spaces.services import Slot
from points.web.home import free_ranges
from tests.conftest import csrf_token, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


def page_of(client, path: str = "/") -> str:
    answer = client.get(path)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def text_of(html: str) -> str:
    """The visible words, roughly: tags dropped, white space squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def give(member, points: int) -> None:
    ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance"),
        destination=ledger.member_wallet(member.id),
        amount=points,
        memo="社区志愿服务",
    )
    db.session.commit()


def local(days: int, hhmm: str) -> datetime:
    day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=days)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=SHANGHAI)


@pytest.fixture
def shop(ctx, places):
    provider = market.ensure_provider(
        code="yunxi-barber",
        kind="merchant",
        name_zh="云溪老街理发店",
        name_en="Yunxi Old Street Barber",
        community=places[0].name,
    )
    for title_zh, title_en, points in (
        ("洗头吹干一次", "One wash and blow-dry", 30),
        ("植物染发一次", "One plant-based dye", 500),
    ):
        market.ensure_benefit(
            provider=provider.code,
            category="haircut",
            title_zh=title_zh,
            title_en=title_en,
            points=points,
            min_level="resident",
        )
    db.session.commit()
    return provider


def benefit(title_zh: str):
    return next(b for b in market.benefits() if b.title_zh == title_zh)


@pytest.fixture
def room(ctx, places):
    made = spaces.ensure_space(
        code="yunxi-activity-room",
        community=places[0].name,
        name_zh="云溪社区活动室",
        name_en="Yunxi activity room",
        capacity=30,
        opening_hours=EVERY_DAY,
    )
    db.session.commit()
    return made


# ---------------------------------------------------------------------------- visitors


def test_a_visitor_is_welcomed_and_shown_the_way_in(client):
    html = page_of(client)
    assert "社区主理人积分平台" in html
    assert 'href="/register"' in html and 'href="/login"' in html
    assert "可用积分" not in html


# ---------------------------------------------------------------------------- volunteers


def test_a_volunteer_sees_points_what_they_buy_the_next_level_and_recent_movements(
    client, make_member, shop
):
    volunteer = make_member("13900000004", name="王阿姨", level="volunteer")
    give(volunteer, 100)
    market.redeem(volunteer, benefit_id=benefit("洗头吹干一次").id)
    db.session.commit()
    sign_in(client, "13900000004")

    words = text_of(page_of(client))
    assert "你好，王阿姨" in words
    assert "70 可用积分" in words
    assert "余额" not in words and "冻结" not in words, "one number, not three"
    assert "1 张券待使用" in words
    assert "已兑换待使用: 洗头吹干一次 −30" in words
    assert "现在就能兑换的权益" in words
    assert "洗头吹干一次 30 分 云溪老街理发店" in words
    assert "植物染发一次" not in words, "500 points is more than she has"
    assert "成为社区能人还需要" in words
    assert "+100 社区志愿服务" in words


def test_a_member_with_no_points_is_told_how_to_earn_them(client, make_member, shop):
    make_member("13900000005", name="陈小明")
    sign_in(client, "13900000005")
    words = text_of(page_of(client))
    assert "0 可用积分" in words
    assert "冻结" not in words
    assert "暂时还没有。先为您的志愿服务申报积分，再回来兑换。" in words
    assert "还没有积分。服务经审核后即可获得积分。" in words
    assert "待您处理" not in words and "券码" not in words and "本周空闲时段" not in words


# ---------------------------------------------------------------------------- merchant staff


def test_merchant_staff_see_the_counter_first_and_staff_things_only(client, make_member, shop):
    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=shop.id)
    volunteer = make_member("13900000004", name="王阿姨", level="volunteer")
    give(volunteer, 100)
    voucher = market.redeem(volunteer, benefit_id=benefit("洗头吹干一次").id)
    market.confirm(voucher.code, staff=staff)
    db.session.commit()
    sign_in(client, "13900000002")

    html = page_of(client)
    box = html.index('action="/merchant/preview"')
    assert box < html.index("今日核销"), "the counter comes first"
    assert 'name="code"' in html and "autofocus" in html
    words = text_of(html)
    assert "今日核销 (1)" in words
    assert "洗头吹干一次" in words and market.masked_name("王阿姨") in words
    # Staff things only: no resident's points card, training or benefits to afford.
    assert "可用积分" not in words and "我自己的积分" not in words
    assert "撤销" in words  # just confirmed: it can still be undone

    # A shopkeeper who also earns points as a resident keeps a small link to them.
    give(staff, 40)
    db.session.commit()
    html = page_of(client)
    assert "我自己的积分：可用 40 分" in text_of(html) and "可用积分" not in text_of(html)
    assert html.index("今日核销") < html.index("我自己的积分")


def test_the_home_code_box_opens_the_preview_which_confirms(client, make_member, shop):
    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=shop.id)
    volunteer = make_member("13900000004", name="王阿姨", level="volunteer")
    give(volunteer, 100)
    voucher = market.redeem(volunteer, benefit_id=benefit("洗头吹干一次").id)
    db.session.commit()
    sign_in(client, "13900000002")

    seen = client.post(
        "/merchant/preview",
        data={"code": voucher.code.lower(), "csrf_token": csrf_token(client, "/")},
    )
    assert "确认核销" in seen.get_data(as_text=True)
    answer = client.post(
        "/merchant/confirm",
        data={"code": voucher.code, "csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )
    assert "核销成功" in answer.get_data(as_text=True)
    assert "今日核销 (1)" in text_of(page_of(client))


# ---------------------------------------------------------------------------- social workers


@pytest.fixture
def community_work(make_member, places, room):
    """In community A: two claims, a host application, a skill, a booking to approve;
    in community B: one claim and one booking to approve."""
    ledger.system_account("issuance")
    seeding.load_activity_types()
    yesterday = claims.local_today() - timedelta(days=1)
    hall = spaces.ensure_space(
        code="yunxi-hall",
        community=places[0].name,
        name_zh="云溪社区礼堂",
        name_en="Yunxi hall",
        capacity=200,
        opening_hours=EVERY_DAY,
        needs_approval=True,
    )
    other_hall = spaces.ensure_space(
        code="binjiang-hall",
        community=places[1].name,
        name_zh="滨江社区礼堂",
        name_en="Binjiang hall",
        capacity=200,
        opening_hours=EVERY_DAY,
        needs_approval=True,
    )
    for community in (places[0], places[0], places[1]):
        volunteer = make_member(community=community, level="volunteer")
        claims.submit_claim(
            volunteer, activity_type="elder-companionship", occurred_on=yesterday, quantity=1
        )
    talent = make_member(level="talent")
    applications.apply(talent, programme_title="周末亲子书法", proposal="每周六上午带孩子写字")
    members.declare_skill(talent, category="书法", description="给孩子们上周末书法课")
    for space, community in ((hall, places[0]), (other_hall, places[1])):
        host = make_member(community=community, level="host")
        spaces.book(
            host,
            space_id=space.id,
            start=local(2, "10:00"),
            end=local(2, "12:00"),
            tier="free",
            title="社区议事会",
        )
    db.session.commit()


def count_of(words: str, label: str) -> int:
    """The count beside `label` in the home page's queues (after the menu and its badge)."""
    match = re.search(rf"(\d+) {label}", words[words.index("待您处理") :])
    assert match, f"no count for {label}"
    return int(match.group(1))


def test_a_social_worker_sees_each_queue_of_their_community_with_its_count(
    client, social_worker, community_work
):
    sign_in(client, "13900000001")
    html = page_of(client)
    words = text_of(html)
    assert "待您处理" in words and "可用积分" not in words, "staff things only"
    assert count_of(words, "积分审核") == 2
    assert count_of(words, "主理人遴选") == 1
    assert count_of(words, "待审批预约") == 1
    assert count_of(words, "特长审核") == 1
    assert 'href="/staff/claims"' in html and 'href="/staff/applications"' in html
    assert 'href="/bookings/queue"' in html


def test_a_social_worker_sees_this_weeks_utilisation_against_last_week(
    client, social_worker, room, make_member
):
    """The activity room is open 08:00–21:00 daily (91 hours a week); a two-hour booking
    this Monday is 2.2 % of it, where last week had none."""
    today = claims.local_today()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(10), tzinfo=SHANGHAI)
    host = make_member(level="host")
    spaces.book(
        host,
        space_id=room.id,
        start=monday,
        end=monday + timedelta(hours=2),
        tier="free",
        title="社区合唱团",
        now=monday - timedelta(days=1),
    )
    db.session.commit()
    sign_in(client, "13900000001")
    words = text_of(page_of(client))
    assert "本周空间使用率" in words
    assert "从 0% 到 2.2%" in words
    assert "新增使用：上一时段无人使用" in words


def test_an_admin_counts_the_queues_of_every_community(client, make_member, community_work):
    make_member("13900000006", name="周站长", role="admin", community=None)
    sign_in(client, "13900000006")
    words = text_of(page_of(client))
    assert count_of(words, "积分审核") == 3
    assert count_of(words, "待审批预约") == 2


# ---------------------------------------------------------------------------- hosts


def test_a_host_sees_upcoming_bookings_free_time_in_their_spaces_and_their_colour(
    client, make_member, room
):
    host = make_member("13900000003", name="宋老师", level="host")
    spaces.book(
        host,
        space_id=room.id,
        start=local(1, "10:00"),
        end=local(1, "12:00"),
        tier="free",
        title="晨间瑜伽",
    )
    gone = spaces.book(
        host,
        space_id=room.id,
        start=local(2, "10:00"),
        end=local(2, "12:00"),
        tier="free",
        title="取消的课",
    )
    spaces.cancel(gone, host=host)
    db.session.add(
        Assessment(
            member_id=host.id,
            quarter="2026Q3",
            colour="yellow",
            status="published",  # a draft is not shown to the host
            findings=[{"code": "service_hours", "value": 14, "colour": "yellow"}],
            improvement_note="多开展晚间活动",
        )
    )
    db.session.commit()
    sign_in(client, "13900000003")

    words = text_of(page_of(client))
    assert "我的近期预约" in words
    assert "10:00–12:00 云溪社区活动室 · 晨间瑜伽" in words
    assert "取消的课" not in words
    assert "以下为您常用的空间。" in words
    tomorrow = local(1, "00:00")
    # Each free run is a link, so the rough text has a space before the comma.
    assert f"{tomorrow.month}/{tomorrow.day} 08:00–10:00 , 12:00–21:00" in words
    day_after = local(2, "00:00")
    assert f"{day_after.month}/{day_after.day} 08:00–21:00" in words, "a cancelled slot is free"
    assert "我的考核" in words and "黄" in words and "2026Q3" in words
    assert "多开展晚间活动" in words


def test_a_hosts_free_times_open_the_booking_form_for_that_space_and_time(
    client, make_member, room
):
    host = make_member("13900000003", name="宋老师", level="host")
    spaces.book(
        host,
        space_id=room.id,
        start=local(2, "10:00"),
        end=local(2, "20:30"),
        tier="free",
        title="晨间瑜伽",
    )
    db.session.commit()
    sign_in(client, "13900000003")
    html = page_of(client).replace("%3A", ":").replace("%2B", "+")
    link = re.search(
        rf'href="(/spaces/{room.id}/book\?start={re.escape(local(2, "20:30").isoformat())}[^"]*)"',
        html,
    )
    assert link, "the free evening run is a link to the booking form"
    form = page_of(client, link.group(1).replace("&amp;", "&"))
    assert f'value="{local(2, "20:30").date().isoformat()}"' in form
    assert '<option selected value="20:30">' in form
    assert '<option selected value="21:00">' in form  # the run ends there, not at 21:30


def test_a_host_who_never_booked_sees_the_free_time_of_their_communitys_spaces(
    client, make_member, room, places
):
    spaces.ensure_space(
        code="binjiang-room",
        community=places[1].name,
        name_zh="滨江社区活动室",
        name_en="Binjiang room",
        capacity=30,
        opening_hours=EVERY_DAY,
    )
    db.session.commit()
    make_member("13900000003", name="宋老师", level="host")
    sign_in(client, "13900000003")
    words = text_of(page_of(client))
    assert "近期没有预约。下面可以查看空闲时段。" in words
    assert "以下为本社区可预约的空间。" in words
    assert "云溪社区活动室" in words and "滨江社区活动室" not in words
    assert "尚未考核" in words


def test_volunteers_see_no_host_section(client, make_member, room):
    make_member("13900000004", name="王阿姨", level="volunteer")
    sign_in(client, "13900000004")
    assert "本周空闲时段" not in page_of(client)


# ---------------------------------------------------------------------------- English


def test_the_homes_are_in_english_after_the_switch(client, social_worker, community_work):
    sign_in(client, "13900000001")
    client.post("/language/en", data={"csrf_token": csrf_token(client), "next": "/"})
    words = text_of(page_of(client))
    assert "Waiting for you" in words and "Claims to review" in words
    assert "Bookings to approve" in words
    assert "Benefits you can afford now" not in words and "points available" not in words
    assert "待您处理" not in words


# ---------------------------------------------------------------------------- free time


def test_free_slots_join_into_runs_and_the_past_is_left_out():
    at = [
        datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI) + timedelta(minutes=30 * n) for n in range(7)
    ]
    slots = [
        Slot(at[0], at[1], True),  # before `after`
        Slot(at[1], at[2], True),
        Slot(at[2], at[3], True),
        Slot(at[3], at[4], False),
        Slot(at[4], at[5], True),
        Slot(at[5], at[6], True),
    ]
    assert free_ranges(slots, after=at[1]) == [(at[1], at[3]), (at[4], at[6])]
    assert free_ranges(slots, after=at[6]) == []
