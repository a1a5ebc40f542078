"""Quiet hours and waking-hours deadlines (pure; the app only supplies the clock's zone)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from points import create_app
from points.notifications import quiet
from tests.conftest import app_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = (time(21), time(8))
TWO_HOURS = timedelta(hours=2)


@pytest.fixture(scope="module", autouse=True)
def _clock(tmp_path_factory):
    app = create_app(app_config(f"sqlite:///{tmp_path_factory.mktemp('clock')}/unused.db"))
    with app.app_context():
        yield


def local(day: int, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2026, 12, day, hours, minutes, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("made", "deadline"),
    [
        (local(7, "10:00"), local(7, "12:00")),  # by day: two hours
        (local(7, "20:30"), local(8, "09:30")),  # 30 minutes tonight, 90 tomorrow morning
        (local(7, "23:00"), local(8, "10:00")),  # at night: counted from 08:00
        (local(8, "02:00"), local(8, "10:00")),
        (local(7, "19:00"), local(7, "21:00")),  # ends exactly as quiet hours begin
    ],
)
def test_an_offer_made_at_night_counts_only_waking_hours(made, deadline):
    assert quiet.waking_deadline(made, TWO_HOURS, NIGHT) == deadline


def test_a_window_longer_than_a_day_skips_every_night():
    assert quiet.waking_deadline(local(7, "10:00"), timedelta(hours=24), NIGHT) == local(8, "21:00")


def test_an_sms_due_at_night_waits_for_the_morning():
    assert quiet.quiet_end(local(7, "22:15"), NIGHT) == local(8, "08:00")
    assert quiet.quiet_end(local(8, "07:59"), NIGHT) == local(8, "08:00")
    assert quiet.quiet_end(local(8, "08:00"), NIGHT) == local(8, "08:00")
    assert quiet.quiet_end(local(7, "20:59"), NIGHT) == local(7, "20:59")


def test_quiet_hours_inside_one_day_and_none_at_all():
    lunch = (time(12), time(14))
    assert quiet.quiet_end(local(7, "13:00"), lunch) == local(7, "14:00")
    assert quiet.waking_deadline(local(7, "11:00"), TWO_HOURS, lunch) == local(7, "15:00")
    never = quiet.parse_hours("00:00-00:00")
    assert quiet.quiet_end(local(7, "23:00"), never) == local(7, "23:00")
    assert quiet.waking_deadline(local(7, "23:00"), TWO_HOURS, never) == local(8, "01:00")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NOTIFY_QUIET_HOURS", "9pm-8am"),
        ("NOTIFY_QUIET_HOURS", "21:00"),
        ("NOTIFY_QUIET_HOURS", "21:00-25:00"),
        ("NOTIFY_DIGEST_AT", "evening"),
    ],
)
def test_a_bad_wall_clock_setting_is_refused_at_start_naming_it(tmp_path, name, value):
    from points.config import ConfigError

    with pytest.raises(ConfigError, match=name):
        create_app(app_config(f"sqlite:///{tmp_path}/unused.db", **{name: value}))
