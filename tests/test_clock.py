"""The community's clock: one zone for dates and wall-clock times, UTC for instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask import Flask

from points import clock


@pytest.fixture
def shanghai():
    app = Flask(__name__)
    app.config["COMMUNITY_TIMEZONE"] = "Asia/Shanghai"
    with app.app_context():
        yield


def test_the_community_date_turns_at_its_own_midnight_not_at_utcs(shanghai):
    late_evening_utc = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)  # 00:30 on the 7th there
    assert clock.today(late_evening_utc) == date(2026, 12, 7)
    assert clock.today(datetime(2026, 12, 6, 15, 59, tzinfo=UTC)) == date(2026, 12, 6)


def test_a_wall_clock_time_on_a_day_is_the_instant_eight_hours_earlier_in_utc(shanghai):
    assert clock.at(date(2026, 12, 7), time(9, 0)) == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    assert clock.at(date(2026, 12, 7)) == datetime(2026, 12, 6, 16, 0, tzinfo=UTC)


def test_a_typed_date_and_time_is_read_in_the_community_zone_and_shown_back_the_same(shanghai):
    typed = datetime(2026, 12, 7, 19, 30)
    instant = clock.from_wall_clock(typed)
    assert instant == datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    assert clock.wall_clock(instant) == typed
    assert clock.local(instant).hour == 19
    assert clock.from_wall_clock(None) is None and clock.wall_clock(None) is None


def test_now_is_aware_utc(shanghai):
    assert clock.now().utcoffset().total_seconds() == 0
