"""Pages show an error in the member's language: each message is a `Said` (a Text of a
domain's `messages.py` with its parameters), rendered here from its page message. Times are
shown in the community's time, codes (levels, booking states, periods) by their names.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _

from points.errors import PointsError, Said


def _booking_status(code: str) -> str:
    from points.web.labels import BOOKING_STATUS_NAMES

    return str(BOOKING_STATUS_NAMES.get(code, code))


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


def _colour(code: str) -> str:
    from points.web.labels import COLOUR_NAMES

    return str(COLOUR_NAMES.get(code, code))


def _objection_status(code: str) -> str:
    from points.web.labels import OBJECTION_STATUS_NAMES

    return str(OBJECTION_STATUS_NAMES.get(code, code))


def _board_period(code: str) -> str:
    from points.web.tickets import PERIODS

    return str(PERIODS.get(code, code))


def _ticket(names: str):
    def name(code: str) -> str:
        from points.web import labels

        return str(getattr(labels, names).get(code, code))

    return name


# Parameters a Text (or a notification's Kind) names in `labels` are codes; the page shows
# them by these names.
LABELS = {
    "board_period": _board_period,
    "booking_status": _booking_status,
    "colour": _colour,
    "level": _level,
    "objection_status": _objection_status,
    "period": _period,
    "ticket_outcome": _ticket("TICKET_OUTCOME_NAMES"),
    "ticket_stage": _ticket("TICKET_STAGE_NAMES"),
    "ticket_state": _ticket("TICKET_STATE_NAMES"),
}


def translate_error(message) -> str:
    """The page's text, in the member's language, for an error or one of its messages."""
    if isinstance(message, PointsError):
        message = message.message
    if isinstance(message, Said):
        return page_text(message)
    return message


def page_text(said: Said) -> str:
    labels = said.text.labels
    values = {name: _page_value(value, labels.get(name)) for name, value in said.params.items()}
    return _(said.text.page, **values) if values else _(said.text.page)


def _page_value(value, label: str | None):
    if label is not None and isinstance(value, list | tuple | set | frozenset):
        comma = "、" if str(get_locale()).startswith("zh") else ", "
        return comma.join(str(LABELS[label](v)) for v in value)
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
