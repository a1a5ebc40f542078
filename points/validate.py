"""Field checks shared by every domain's services: each failure is an InvalidInput naming
the field, with a Text of `points.messages`."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from points import messages as M
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
        raise InvalidInput(M.CONTROL_CHARACTERS, field=field)
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
        raise InvalidInput(M.MOBILE, field=field)
    return phone


def text(value, field: str, limit: int, *, required: bool = True) -> str:
    """Stripped text of at most `limit` characters without control characters; optional
    text may be None or empty."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(M.REQUIRED, field=field)
    if len(value.strip()) > limit:
        raise InvalidInput(M.TOO_LONG, field=field, limit=limit)
    return refuse_controls(value.strip(), field)


def reason(value, field: str = "reason") -> str:
    """A required reason, note or description: text of at most 500 characters, as every
    decision that someone must be able to read back records it."""
    return text(value, field, 500)


def whole(value, field: str, low: int, high: int, *, optional: bool = False) -> int | None:
    """A whole number (never a bool or float) in [low, high]; optional ones may be None."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(M.WHOLE_NUMBER, field=field, low=low, high=high)
    return value


def aware_time(value, field: str) -> datetime:
    """An ISO 8601 time (or datetime) that carries its UTC offset."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(M.AWARE_TIME, field=field) from None
    if not isinstance(value, datetime):
        raise InvalidInput(M.AWARE_TIME, field=field)
    if value.tzinfo is None:
        raise InvalidInput(M.TIME_ZONE, field=field)
    return value
