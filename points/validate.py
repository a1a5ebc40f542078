"""Field checks shared by every domain's services: each failure is an InvalidInput naming
the field, in the fixed English phrases `points.web.messages` translates."""

from __future__ import annotations

from datetime import datetime

from points.errors import InvalidInput


def text(value, field: str, limit: int, *, required: bool = True) -> str:
    """Stripped text of at most `limit` characters; optional text may be None or empty."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput("is required", field=field)
    if len(value.strip()) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field)
    return value.strip()


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
