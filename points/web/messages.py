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
    (re.compile(r"^must be after the start$"), lambda m: _("The end must be after the start.")),
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
