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


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


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
        if isinstance(source, dict):
            for field, value in source.items():
                if _holds_nul(field) or _holds_nul(value):
                    raise InvalidInput(NUL_MESSAGE, field=field.replace(NUL, ""))
        elif _holds_nul(source):
            raise InvalidInput(NUL_MESSAGE, field="_schema")
