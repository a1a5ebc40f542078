"""One number for points: home shows what she can spend, vouchers not used yet as lines of
their own, and the statement's last column starts from that same number and adds up line by
line down to the oldest movement."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import services as members
from points.spaces import services as spaces
from tests.conftest import csrf_token, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop(ctx, places):
    provider = market.ensure_provider(
        code="yunxi-barber",
        kind="merchant",
        name_zh="云溪老街理发店",
        name_en="Yunxi Old Street Barber",
        community=places[0].name,
    )
    for title_zh, points in (("洗头吹干一次", 30), ("男士精剪一次", 90)):
        market.ensure_benefit(
            provider=provider.code,
            category="haircut",
            title_zh=title_zh,
            title_en=title_zh,
            points=points,
            min_level="resident",
        )
    db.session.commit()
    return provider


def earn(member, points: int, memo: str = "社区志愿服务") -> None:
    ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance"),
        destination=ledger.member_wallet(member.id),
        amount=points,
        memo=memo,
    )
    db.session.commit()


def redeem(member, title: str):
    benefit = next(b for b in market.benefits() if b.title_zh == title)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    return voucher


@pytest.fixture
def wang(make_member, shop):
    """王阿姨: 256 points earned, 120 of them held by two vouchers (30 + 90): 136 to spend."""
    member = make_member("13900000004", name="王阿姨", level="volunteer")
    earn(member, 200)
    first = redeem(member, "洗头吹干一次")
    earn(member, 56, "敬老助餐")
    second = redeem(member, "男士精剪一次")
    return member, first, second


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def rows(html: str) -> list[tuple[str, int, int]]:
    """The statement's lines: (their words, the points, the figure in the last column)."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [words(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        amount = int(cells[1].replace("−", "-").replace("+", ""))
        found.append((cells[0], amount, int(cells[2])))
    return found


def big_number(html: str) -> int:
    return int(re.search(r'<p class="big">(\d+)', html).group(1))


def test_home_shows_one_number_and_each_unused_voucher_as_a_line(client, wang):
    member, first, second = wang
    sign_in(client, member.phone)
    html = client.get("/").get_data(as_text=True)
    text = words(html)
    assert big_number(html) == 136 == market.spendable(member)
    assert "余额" not in text and "冻结" not in text and "256" not in text
    assert "已兑换待使用: 男士精剪一次 −90" in text and "已兑换待使用: 洗头吹干一次 −30" in text
    assert f'<a href="/me/vouchers/{second.id}">已兑换待使用: 男士精剪一次</a>' in html
    assert f'<a href="/me/vouchers/{first.id}">已兑换待使用: 洗头吹干一次</a>' in html


def test_the_statement_starts_from_homes_number_and_adds_up_line_by_line(client, wang):
    member, first, second = wang
    sign_in(client, member.phone)
    home = big_number(client.get("/").get_data(as_text=True))
    html = client.get("/me/statement").get_data(as_text=True)
    assert big_number(html) == home
    lines = rows(html)
    assert [(amount, after) for _, amount, after in lines] == [
        (-90, 136),  # 男士精剪一次, not used yet
        (-30, 226),  # 洗头吹干一次, not used yet
        (56, 256),
        (200, 200),
    ]
    assert lines[0][0].endswith("已兑换待使用 男士精剪一次")
    assert f'href="/me/vouchers/{second.id}"' in html
    for (_, amount, after), (_, _, below) in zip(lines, lines[1:], strict=False):
        assert after == below + amount, "each figure is the one under it plus the line"

    client.post("/language/en", data={"csrf_token": csrf_token(client), "next": "/"})
    english = client.get("/me/statement").get_data(as_text=True)
    assert "Can spend" in english and "Redeemed, not used yet" in english
    assert [after for _, _, after in rows(english)] == [136, 226, 256, 200]
    assert "2 vouchers to use" in words(client.get("/").get_data(as_text=True))


def test_once_the_shop_confirms_the_voucher_is_a_movement_and_the_numbers_still_agree(
    client, make_member, wang, shop
):
    member, first, second = wang
    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=shop.id)
    market.confirm(first.code, staff=staff)
    market.cancel(second, member=member)
    db.session.commit()
    sign_in(client, member.phone)
    home = client.get("/").get_data(as_text=True)
    assert big_number(home) == 226 and "已兑换待使用" not in home and "张券待使用" not in home
    lines = rows(client.get("/me/statement").get_data(as_text=True))
    assert [(amount, after) for _, amount, after in lines] == [(-30, 226), (56, 256), (200, 200)]
    assert "洗头吹干一次" in lines[0][0] and "已兑换待使用" not in lines[0][0]


def test_older_pages_of_the_statement_have_no_held_lines(client, make_member, shop):
    member = make_member("13900000004", name="王阿姨", level="volunteer")
    for _ in range(31):
        earn(member, 5)
    redeem(member, "洗头吹干一次")
    sign_in(client, member.phone)
    first = client.get("/me/statement").get_data(as_text=True)
    assert rows(first)[0][2] == big_number(first) == 155 - 30
    older = re.search(r'href="(/me/statement\?cursor=\d+)"', first).group(1)
    page = client.get(older).get_data(as_text=True)
    assert "已兑换待使用" not in page
    assert [(amount, after) for _, amount, after in rows(page)] == [(5, 5)]


def test_a_booking_awaiting_approval_is_a_held_line_too(client, make_member, places):
    host = make_member("13900000003", name="宋老师", level="host")
    earn(host, 100)
    hall = spaces.ensure_space(
        code="yunxi-hall",
        community=places[0].name,
        name_zh="云溪社区礼堂",
        name_en="Yunxi hall",
        capacity=100,
        opening_hours={day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS},
        slot_minutes=60,
        needs_approval=True,
        price_low_fee=30,
    )
    day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=2)
    spaces.book(
        host,
        space_id=hall.id,
        start=datetime.combine(day, time(10), tzinfo=SHANGHAI),
        end=datetime.combine(day, time(11), tzinfo=SHANGHAI),
        tier="low_fee",
        title="社区议事会",
    )
    db.session.commit()
    sign_in(client, host.phone)
    home = client.get("/").get_data(as_text=True)
    assert big_number(home) == 70
    held = r'<a href="/me/bookings">预约待审批: [^<]+</a>\s*<span class="minus">−30'
    assert re.search(held, home)
    assert "张券待使用" not in home
    lines = rows(client.get("/me/statement").get_data(as_text=True))
    assert [(amount, after) for _, amount, after in lines] == [(-30, 70), (100, 100)]
    assert lines[0][0].split(" · ")[1].startswith("预约待审批")
