"""Programmes fixtures: the catalogue, an activity room, two hosts, and a helper that makes a
session from a booking of tomorrow."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from points.activities import events
from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.programmes import services as programmes
from points.spaces import services as spaces
from tests.conftest import load_catalogue

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


@pytest.fixture
def catalogue(ctx, backend, db_url, tmp_path_factory):
    ledger.system_account("issuance")
    ledger.system_account("space")
    ledger.system_account("issuance", "space_minutes")
    ledger.system_account("space", "space_minutes")
    db.session.commit()
    load_catalogue(backend, db_url, tmp_path_factory)


@pytest.fixture
def room(catalogue, places):
    made = spaces.ensure_space(
        code="yunxi-activity-room",
        community=places[0].name,
        name_zh="活动室",
        name_en="Activity room",
        capacity=30,
        opening_hours=EVERY_DAY,
        price_low_fee=0,
        price_market=0,
    )
    db.session.commit()
    return made


@pytest.fixture
def host(make_member, room):
    return make_member("13900000003", level="host", name="宋老师")


@pytest.fixture
def other_host(make_member, room):
    return make_member("13900000007", level="host", name="刘老师")


@pytest.fixture
def resident(make_member, room):
    return make_member("13900000005", name="陈小明")


@pytest.fixture
def at():
    """at(days, "HH:MM") → that local time `days` from today, aware."""

    def make(days: int, hhmm: str) -> datetime:
        day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=days)
        hours, minutes = map(int, hhmm.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=SHANGHAI)

    return make


@pytest.fixture
def programme(host):
    made = programmes.create_programme(
        host, name="瑜伽课", tier="market", fee_fen=4000, capacity=3, description="舒展身心"
    )
    db.session.commit()
    return made


@pytest.fixture
def book(room, at):
    """book(host, days=1, start="10:00", hours=1) → a confirmed booking of the room."""

    def make(host, days=1, start="10:00", hours=1):
        begins = at(days, start)
        booking = spaces.book(
            host,
            space_id=room.id,
            start=begins,
            end=begins + timedelta(hours=hours),
            tier="free",
            title="项目活动",
        )
        db.session.commit()
        return booking

    return make


@pytest.fixture
def session_of(book):
    """session_of(programme, days=1, start="10:00") → a session in a new booking."""

    def make(programme, days=1, start="10:00"):
        booking = book(programme.host, days=days, start=start)
        made = programmes.schedule_session(programme, booking_id=booking.id, actor=programme.host)
        db.session.commit()
        return made

    return make


def attend(session, member, *, actor):
    """Sign `member` up and tick them off at the door, ten minutes into the session."""
    activity = session.activity
    events.tick_off(
        activity, member.id, actor=actor, now=activity.starts_at + timedelta(minutes=10)
    )
    db.session.commit()


def after(session, hours=1):
    return session.activity.ends_at + timedelta(hours=hours)
