"""Quiet hours, and deadlines that count only the hours a person is awake.

No SMS is sent in quiet hours (NOTIFY_QUIET_HOURS, default 21:00–08:00, the community's
clock): it waits for their end. A deadline to answer something sent at night would then run
out before it could be read, so a member's time to answer (a waitlist offer's two hours)
counts waking hours only: an offer made at 20:30 with two hours to answer runs until 09:30
the next morning (30 minutes before quiet hours, 90 after), one made at 23:00 until 10:00.
Whoever makes the offer caps it by its own limit (a slot cannot be accepted after it began).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app

from points import clock


def parse_hours(value: str) -> tuple[time, time]:
    """'21:00-08:00' → (21:00, 08:00); equal ends mean no quiet hours."""
    start, _, end = value.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def hours() -> tuple[time, time]:
    return parse_hours(current_app.config["NOTIFY_QUIET_HOURS"])


def _is_quiet(wall: time, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def is_quiet(moment: datetime, quiet: tuple[time, time] | None = None) -> bool:
    return _is_quiet(clock.local(moment).time(), quiet or hours())


def quiet_end(moment: datetime, quiet: tuple[time, time] | None = None) -> datetime:
    """`moment` if it is outside quiet hours, else the instant they end."""
    quiet = quiet or hours()
    local = clock.local(moment)
    if not _is_quiet(local.time(), quiet):
        return moment
    end = datetime.combine(local.date(), quiet[1], tzinfo=local.tzinfo)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet[1], tzinfo=local.tzinfo)
    return end.astimezone(moment.tzinfo)


def _next_quiet_start(moment: datetime, quiet: tuple[time, time]) -> datetime:
    local = clock.local(moment)
    start = datetime.combine(local.date(), quiet[0], tzinfo=local.tzinfo)
    if start <= local:
        start = datetime.combine(local.date() + timedelta(days=1), quiet[0], tzinfo=local.tzinfo)
    return start.astimezone(moment.tzinfo)


def waking_deadline(
    start: datetime, window: timedelta, quiet: tuple[time, time] | None = None
) -> datetime:
    """`start` + `window`, counting only time outside quiet hours."""
    quiet = quiet or hours()
    if quiet[0] == quiet[1]:
        return start + window
    moment, left = quiet_end(start, quiet), window
    while True:
        awake_until = _next_quiet_start(moment, quiet)
        if moment + left <= awake_until:
            return moment + left
        left -= awake_until - moment
        moment = quiet_end(awake_until, quiet)
