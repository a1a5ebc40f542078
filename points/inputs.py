"""One check at the door for every request: no submitted text holds NUL.

NUL is never typed by a person and PostgreSQL cannot store it in text at all, so anywhere it
reached a column it would be a server error. Query parameters, form fields and every string
(and key) of a JSON body are checked before any view runs; the first offender is a 422 naming
its field (`claims[3]`, `note`). The other control characters are refused where text is free
text, by the services (`points.validate.text`, so the CLI and seed files too): a voucher code
typed by a barcode scanner legitimately arrives wrapped in STX/ETX and is cleaned instead.
"""

from __future__ import annotations

from flask import Flask, request

from points import messages as M
from points.errors import InvalidInput, NotFound

NUL = "\x00"
# Request headers whose values are stored.
STORED_HEADERS = ("Idempotency-Key",)


def _has_nul(value: str) -> bool:
    return NUL in value


def _json_offender(value, path: str) -> str | None:
    if isinstance(value, str):
        return (path or "body") if _has_nul(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key).replace(NUL, "")
            if _has_nul(str(key)):
                return name
            found = _json_offender(item, name)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_offender(item, f"{path}[{index}]")
            if found:
                return found
    return None


def offending_field() -> str | None:
    """The first submitted field (query, form, JSON, stored header) whose name or text holds
    NUL, named as the caller sent it (`claims[1]`, `note`)."""
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if _has_nul(key) or _has_nul(value):
                return key.replace(NUL, "")
    for header in STORED_HEADERS:
        if _has_nul(request.headers.get(header, "")):
            return header
    if request.is_json:
        return _json_offender(request.get_json(silent=True), "")
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        # No object is named with a NUL: not found, as any other unknown name.
        if any(isinstance(v, str) and _has_nul(v) for v in (request.view_args or {}).values()):
            raise NotFound(M.NO_SUCH_OBJECT)
        field = offending_field()
        if field is not None:
            raise InvalidInput(M.NUL, field=field)
