"""Working days: the deadlines of a ticket skip weekends and the community's closed days.

The rule, one line: a deadline N working days after a moment falls at the same time of day
on the Nth working day after it; a moment on a day that is not a working day counts from the
start of the next working day. Reported Friday 15:00 with one day to triage: due Monday
15:00. Reported Saturday 10:00: due Tuesday 00:00 (that is, by the end of Monday).
Pure functions: the caller passes the closed days it knows of.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def is_working_day(day: date, closed: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in closed


def next_working_day(day: date, closed: Collection[date]) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day, closed):
        day += timedelta(days=1)
    return day


def add_working_days(
    moment: datetime, days: int, closed: Collection[date], zone: ZoneInfo
) -> datetime:
    """`days` working days after `moment` (aware), by the rule above."""
    if days < 0:
        raise ValueError("days must not be negative")
    local = moment.astimezone(zone)
    day, wall = local.date(), local.timetz().replace(tzinfo=None)
    if not is_working_day(day, closed):
        day, wall = next_working_day(day, closed), time(0)
    for _ in range(days):
        day = next_working_day(day, closed)
    return datetime.combine(day, wall, tzinfo=zone)


def span(moment: datetime, days: int, zone: ZoneInfo) -> tuple[date, date]:
    """The local days a count of `days` working days from `moment` may reach: weekends and a
    generous allowance of closed days (a Spring Festival week) on top."""
    first = moment.astimezone(zone).date()
    return first, first + timedelta(days=days * 7 // 5 + 21)
