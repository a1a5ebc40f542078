"""Domain messages are English sentences; pages show them in the member's language.

Services raise PointsErrors with fixed English phrases (plus numbers); this table gives each
phrase's translation key, so a message like "must be at least 8 characters" reaches a
Chinese-speaking member as "至少 8 个字符".
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _

from points.errors import PointsError, Said

_PATTERNS: list[tuple[re.Pattern[str], object]] = [
    (
        re.compile(r"^must be an 11-digit mainland mobile number$"),
        lambda m: _("Enter an 11-digit mainland mobile number, e.g. 13812345678."),
    ),
    (
        re.compile(r"^must be at most (\d+) characters$"),
        lambda m: _("Use at most %(n)s characters.", n=m.group(1)),
    ),
    (re.compile(r"^is required$"), lambda m: _("This is required.")),
    (re.compile(r"^is not a community here$"), lambda m: _("Choose your community.")),
    (
        re.compile(r"^this member is not in your community$"),
        lambda m: _("This member is not in your community."),
    ),
    (
        re.compile(r"^is required \(at most 80 characters\)$"),
        lambda m: _("This is required (at most 80 characters)."),
    ),
    # earning
    (
        re.compile(r"^must be a whole number from 1 to (\d+)$"),
        lambda m: _("Enter a whole number from 1 to %(n)s.", n=m.group(1)),
    ),
    (
        re.compile(r"^all (\d+) places are taken$"),
        lambda m: _("All %(n)s places are taken.", n=m.group(1)),
    ),
    (re.compile(r"^this account is not active$"), lambda m: _("This account is closed for now.")),
    # spending
    (
        re.compile(r"^only (\d+) points? available, (\d+) needed$"),
        lambda m: _(
            "Not enough points: %(have)s available, %(need)s needed.",
            have=m.group(1),
            need=m.group(2),
        ),
    ),
]


# Shared space: booking, changes, check-in and the waiting list.
_PATTERNS += [
    (
        re.compile(r"^this time is already booked$"),
        lambda m: _("This time is already booked. Choose a free time, or join the waiting list."),
    ),
    (
        re.compile(r"^is too soon: book at least (\d+) minutes ahead$"),
        lambda m: _("Too soon: book at least %(n)s minutes ahead.", n=m.group(1)),
    ),
    (
        re.compile(r"^is too far ahead: at most (\d+) days$"),
        lambda m: _("Too far ahead: book at most %(n)s days ahead.", n=m.group(1)),
    ),
    (
        re.compile(r"^must be on a (\d+)-minute boundary$"),
        lambda m: _("Choose a time on the %(n)s-minute marks.", n=m.group(1)),
    ),
    (re.compile(r"^must be after the start$"), lambda m: _("The end must be after the start.")),
    (
        re.compile(r"^a booking stays within one day$"),
        lambda m: _("A booking starts and ends on the same day."),
    ),
    (
        re.compile(r"^is outside the space's opening hours$"),
        lambda m: _("The space is not open then. See the week page for its hours."),
    ),
    (
        re.compile(r"^the space is closed that day \((.+)\)$"),
        lambda m: _("The space is closed that day (%(reason)s).", reason=m.group(1)),
    ),
    (
        re.compile(
            r"^would pass your weekly quota of (\d+) hours "
            r"\(already booked that week: (\S+) hours\)$"
        ),
        lambda m: _(
            "This would pass your weekly quota of %(quota)s hours "
            "(you have %(used)s hours booked that week).",
            quota=m.group(1),
            used=m.group(2),
        ),
    ),
    (
        re.compile(r"^this space is booked by level (\w+) or above$"),
        lambda m: _("This space is for %(level)s and above.", level=_level(m.group(1))),
    ),
    (
        re.compile(r"^must be one of free, low_fee, market$"),
        lambda m: _("Choose 公益, 低偿 or 市场."),
    ),
    (
        re.compile(r"^must be from 0 to (\d+)$"),
        lambda m: _("Enter a number from 0 to %(n)s.", n=m.group(1)),
    ),
    (
        re.compile(r"^must be within the booking window$"),
        lambda m: _("Choose a time within the next few weeks."),
    ),
    (
        re.compile(r"^this (booking|offer) is (\w+)$"),
        lambda m: _(
            "This can no longer be done: the booking is now “%(status)s”.",
            status=_booking_status(m.group(2)),
        ),
    ),
    (
        re.compile(r"^this booking has begun and can no longer be (?:cancelled|changed)$"),
        lambda m: _("This booking has begun, so it can no longer be cancelled or changed."),
    ),
    (
        re.compile(r"^this booking's time has passed; it can no longer be approved$"),
        lambda m: _("This booking's time has passed; it can no longer be approved."),
    ),
    (
        re.compile(r"^check-in opens at (.+ UTC)$"),
        lambda m: _("Check-in opens at %(time)s. Come back then.", time=_local(m.group(1))),
    ),
    (
        re.compile(r"^check-in for this booking has closed$"),
        lambda m: _("Check-in for this booking has closed. Ask the social worker on duty."),
    ),
    (
        re.compile(r"^you have no booking of this space to check in to now$"),
        lambda m: _(
            "You have no booking here to check in to now. Check-in opens 15 minutes "
            "before the start; see My bookings."
        ),
    ),
    (
        re.compile(r"^is not this platform's check-in code$"),
        lambda m: _("This is not a check-in code of ours. Scan the code at the door."),
    ),
    (
        re.compile(r"^this time is free: book it instead of waiting$"),
        lambda m: _("This time is free: book it instead of waiting."),
    ),
    (
        re.compile(r"^you are already waiting for this time$"),
        lambda m: _("You are already on the waiting list for this time."),
    ),
    (re.compile(r"^this offer has lapsed$"), lambda m: _("This offer has lapsed.")),
    (re.compile(r"^no such offer$"), lambda m: _("That offer was not found.")),
    (re.compile(r"^no such booking$"), lambda m: _("That booking was not found.")),
    (re.compile(r"^no such space$"), lambda m: _("That space was not found.")),
    (
        re.compile(r"^this space is not in your community$"),
        lambda m: _("This space is not in your community."),
    ),
    (re.compile(r"^choose a time from the list$"), lambda m: _("Choose a time from the list.")),
    (
        re.compile(r"^must be a date like 2026-12-01$"),
        lambda m: _("Enter a date like 2026-12-01."),
    ),
    (
        re.compile(r"^these weeks cannot be booked: .+$"),
        lambda m: _(
            "Some weeks cannot be booked, so nothing was booked. Tick “book the "
            "others anyway” or choose another time."
        ),
    ),
    (
        re.compile(r"^(\d{4}-\d\d-\d\d): (.+)$"),
        lambda m: f"{m.group(1)}: {translate_error(m.group(2))}",
    ),
    # Last: any other list of allowed codes (filters such as ?status=).
    (
        re.compile(r"^must be one of (.+)$"),
        lambda m: _("Choose one of: %(values)s.", values=m.group(1)),
    ),
]


def _booking_status(code: str) -> str:
    from points.web.labels import BOOKING_STATUS_NAMES

    return str(BOOKING_STATUS_NAMES.get(code, code))


def _local(stamp: str) -> str:
    """'2026-11-23 08:05 UTC' → the community's local time, in the member's format."""
    from datetime import UTC, datetime

    from flask_babel import format_datetime

    moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    return format_datetime(moment, "short")


def _period(code: str) -> str:
    names = {
        "day": _("a day"),
        "week": _("a week"),
        "month": _("a month"),
        "year": _("a year"),
        "ever": _("in all"),
    }
    return names.get(code, code)


def _level(code: str) -> str:
    from points.web.labels import LEVEL_NAMES

    return str(LEVEL_NAMES.get(code, code))


# Parameters a Text names in `labels` are codes; the page shows them by these names.
LABELS = {
    "booking_status": _booking_status,
    "level": _level,
    "period": _period,
}


def translate_error(message) -> str:
    """The page's text, in the member's language, for an error or one of its messages."""
    if isinstance(message, PointsError):
        message = message.message
    if isinstance(message, Said):
        return page_text(message)
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message


def page_text(said: Said) -> str:
    labels = said.text.labels
    values = {name: _page_value(value, labels.get(name)) for name, value in said.params.items()}
    return _(said.text.page, **values) if values else _(said.text.page)


def _page_value(value, label: str | None):
    if label is not None:
        return LABELS[label](value)
    if isinstance(value, Said):
        return page_text(value)
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    if isinstance(value, date):
        return format_date(value, "medium")
    if isinstance(value, list | tuple | set | frozenset):
        comma = "、" if str(get_locale()).startswith("zh") else ", "
        return comma.join(str(_page_value(v, None)) for v in value)
    return value
