"""The community's clock: instants are kept in UTC; dates and wall-clock times are the
community's, in one zone (COMMUNITY_TIMEZONE). Everything that turns one into the other
asks here. Functions that depend on the moment take `now`, so tests (and the sweep) can
pass their own instead of the real clock.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from points.database import utcnow


def zone() -> ZoneInfo:
    """The community's time zone."""
    return ZoneInfo(current_app.config["COMMUNITY_TIMEZONE"])


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return utcnow()


def local(moment: datetime) -> datetime:
    """An instant as the community's wall clock shows it (aware)."""
    return moment.astimezone(zone())


def today(now: datetime | None = None) -> date:
    """The community's date at `now` (default: this moment)."""
    return local(now or utcnow()).date()


def at(day: date, wall: time = time(0)) -> datetime:
    """The instant the community's clock reads `wall` on `day` (default: its midnight)."""
    return datetime.combine(day, wall, tzinfo=zone())


def from_wall_clock(naive: datetime | None) -> datetime | None:
    """A naive date and time typed by a person (a datetime-local field), read in the
    community's zone."""
    return naive.replace(tzinfo=zone()) if naive is not None else None


def wall_clock(moment: datetime | None) -> datetime | None:
    """An instant as a naive local date and time (spreadsheets have no time zones)."""
    return local(moment).replace(tzinfo=None) if moment is not None else None
