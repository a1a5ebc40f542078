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

from points.errors import InvalidInput


def _has_nul(value: str) -> bool:
    return "\x00" in value


def _json_offender(value, path: str) -> str | None:
    if isinstance(value, str):
        return (path or "body") if _has_nul(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
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
    """The first submitted field whose name or text holds NUL."""
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if _has_nul(key) or _has_nul(value):
                return key
    if request.is_json:
        return _json_offender(request.get_json(silent=True), "")
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        field = offending_field()
        if field is not None:
            raise InvalidInput("must not contain control characters", field=field)
