"""What every API operation refuses before its view reads the request: text with a NUL
character (U+0000). No field of the platform needs one, and PostgreSQL cannot store or even
compare one, so it would otherwise end as a server error there (SQLite would take it)."""

from __future__ import annotations

from flask import request

from points.errors import InvalidInput, NotFound

NUL = "\x00"
NUL_MESSAGE = "must not contain a NUL character"
# Request headers whose values the API stores.
STORED_HEADERS = ("Idempotency-Key",)


def _first_nul(value, name: str) -> str | None:
    """The name of the first field (dotted for nested ones) whose key or text holds NUL."""
    if isinstance(value, str):
        return name if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                return name or "_schema"
            found = _first_nul(item, f"{name}.{key}" if name else str(key))
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _first_nul(item, name)
            if found:
                return found
    return None


def refuse_nul_characters() -> None:
    """404 for a NUL in the path (no object is named so); 422 naming the field for one in the
    query, the body or a stored header."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and NUL in value:
            raise NotFound("no such object")
    sources = [
        request.args.to_dict(flat=False),
        request.form.to_dict(flat=False),
        {h: request.headers[h] for h in STORED_HEADERS if h in request.headers},
    ]
    if request.is_json:
        sources.append(request.get_json(silent=True))
    for source in sources:
        field = _first_nul(source, "")
        if field:
            raise InvalidInput(NUL_MESSAGE, field=field.split(".")[0] or "_schema")
