"""Field checks shared by every domain's services: each failure is an InvalidInput naming
the field, in the fixed English phrases `points.web.messages` translates."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from points.errors import InvalidInput

# Mainland mobile numbers, in ASCII digits only (Python's \d would take any script's digits).
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# Line breaks and tabs are text; every other control character (NUL first) is not.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def control_character(value: str) -> str | None:
    """The first control character in `value` other than tab and line breaks, if any."""
    for char in value:
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) == "Cc":
            return char
    return None


def refuse_controls(value: str, field: str) -> str:
    if control_character(value) is not None:
        raise InvalidInput("must not contain control characters", field=field)
    return value


def folded(value: str) -> str:
    """Full-width and other compatibility forms folded to their plain ones (NFKC): "１３９"
    becomes "139", so typed searches and look-alike digits meet the stored ASCII."""
    return unicodedata.normalize("NFKC", value)


def mobile(value, field: str = "phone") -> str:
    """A mainland mobile number: full-width digits folded to ASCII, then ASCII digits only,
    so no two accounts differ by a look-alike digit."""
    phone = folded(value).strip() if isinstance(value, str) else ""
    if not MOBILE.match(phone):
        raise InvalidInput("must be an 11-digit mainland mobile number", field=field)
    return phone


def text(value, field: str, limit: int, *, required: bool = True) -> str:
    """Stripped text of at most `limit` characters without control characters; optional
    text may be None or empty."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput("is required", field=field)
    if len(value.strip()) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field)
    return refuse_controls(value.strip(), field)


def whole(value, field: str, low: int, high: int, *, optional: bool = False) -> int | None:
    """A whole number (never a bool or float) in [low, high]; optional ones may be None."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"must be a whole number from {low} to {high}", field=field)
    return value


def aware_time(value, field: str) -> datetime:
    """An ISO 8601 time (or datetime) that carries its UTC offset."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("must be a time like 2026-12-01T19:00+08:00", field=field) from None
    if not isinstance(value, datetime):
        raise InvalidInput("must be a time like 2026-12-01T19:00+08:00", field=field)
    if value.tzinfo is None:
        raise InvalidInput("must include the time zone offset, e.g. +08:00", field=field)
    return value
