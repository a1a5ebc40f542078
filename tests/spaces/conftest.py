"""Spaces fixtures: an activity room open 08:00–21:00 every day, and hosts with balances."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.spaces import services as spaces
from tests.conftest import csrf_token, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


@pytest.fixture
def room(ctx, places):
    """活动室: 30-minute slots; 公益 free, 低偿 20 points an hour, 市场 60."""
    made = spaces.ensure_space(
        code="yunxi-activity-room",
        community=places[0].name,
        name_zh="活动室",
        name_en="Activity room",
        capacity=30,
        opening_hours=EVERY_DAY,
        price_low_fee=20,
        price_market=60,
    )
    db.session.commit()
    return made


@pytest.fixture
def hall(ctx, places):
    """A hall a social worker approves; 低偿 30 points an hour."""
    made = spaces.ensure_space(
        code="hall",
        community=places[0].name,
        name_zh="多功能厅",
        name_en="Hall",
        capacity=100,
        opening_hours=EVERY_DAY,
        slot_minutes=60,
        needs_approval=True,
        price_low_fee=30,
    )
    db.session.commit()
    return made


@pytest.fixture
def at():
    """at(days, "HH:MM") → that local time `days` from today, aware."""

    def make(days: int, hhmm: str) -> datetime:
        day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=days)
        hours, minutes = map(int, hhmm.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=SHANGHAI)

    return make


@pytest.fixture
def make_host(make_member):
    """make_host(points=0, minutes=0) → a community host with those balances."""

    def make(points: int = 0, minutes: int = 0, **kw):
        host = make_member(level="host", **kw)
        for asset, amount in (("points", points), ("space_minutes", minutes)):
            if amount:
                ledger.transfer(
                    kind="earn",
                    source=ledger.system_account("issuance", asset),
                    destination=ledger.member_wallet(host.id, asset),
                    amount=amount,
                )
        db.session.commit()
        return host

    return make


def balances(member) -> tuple[int, int]:
    """(points available, space minutes available)."""
    return (
        ledger.balance_of(ledger.member_wallet(member.id)).available,
        ledger.balance_of(ledger.member_wallet(member.id, "space_minutes")).available,
    )


@pytest.fixture
def host_client(client, make_host):
    """host_client(points=100, **kw) → a new host, signed in on `client`."""

    def make(points=100, **kw):
        host = make_host(points=points, **kw)
        sign_in(client, host.phone)
        return host

    return make


def post_booking_form(client, room, at, day=2, start="19:00", end="20:00", **extra):
    """The booking form of `room`, sent as a host would fill it (`extra` overrides)."""
    path = f"/spaces/{room.id}/book"
    data = {
        "csrf_token": csrf_token(client, path),
        "day": at(day, start).date().isoformat(),
        "start": start,
        "end": end,
        "tier": "low_fee",
        "title": "青年夜校",
        "expected_attendance": "12",
        "weeks": "1",
        "action": "book",
    }
    data.update(extra)
    return client.post(path, data=data, follow_redirects=True)
