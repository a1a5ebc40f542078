"""Flask extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

import unicodedata

from flask import current_app, g, request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Typed declarative base for every model."""


db = SQLAlchemy(model_class=Base)


class ErrorSchema(Schema):
    """The body of every API error (points.api answers it): `code` is a word, not a number."""

    code = fields.String(required=True, metadata={"example": "insufficient_points"})
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "What is wrong with each field, by field name"},
    )


class PointsApi(Api):
    """flask-smorest's Api, documenting errors as the API really answers them (its own
    default Error schema has an integer `code` and a `status`)."""

    ERROR_SCHEMA = ErrorSchema


api = PointsApi()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Security headers; points/headers.py holds the policies and binds it.
talisman = Talisman()
# Compressed responses; points/assets.py binds it with the static files' caching.
compress = Compress()


def caller_key() -> str:
    """Rate-limit key: the signed-in member, else the client's address."""
    if current_user and current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"addr:{request.remote_addr}"


def address_key() -> str:
    return f"addr:{request.remote_addr}"


# Limits apply only where a view asks for one (no default limits).
limiter = Limiter(key_func=caller_key)


def _wrong_code(response) -> bool:
    """Only failed look-ups (not found, malformed) count towards the wrong-code limit."""
    return response.status_code in (404, 422)


def _signing_in_phone() -> str:
    """Rate-limit key: the mobile number being signed in to (form or JSON), folded as the
    services fold it, so "１３８…" and "138…" share one budget."""
    sent = request.form.get("phone")
    if sent is None and request.is_json:
        body = request.get_json(silent=True)
        sent = body.get("phone") if isinstance(body, dict) else None
    folded = unicodedata.normalize("NFKC", sent) if isinstance(sent, str) else ""
    digits = "".join(c for c in folded if c.isascii() and c.isdigit())[:20]
    # No phone sent: nothing to sign in to (the call fails validation, which is not counted).
    return f"phone:{digits}" if digits else "phone:none"


def _wrong_password(response) -> bool:
    return response.status_code == 401


def limit_sign_in(view):
    """Wrong passwords are slowed down per mobile number (SIGN_IN_PHONE_LIMIT) and per client
    address (SIGN_IN_ADDRESS_LIMIT); the sign-in page and the API token call share both
    budgets. Past a limit even the right password waits (429, Retry-After)."""
    budgets = (
        ("SIGN_IN_PHONE_LIMIT", _signing_in_phone, "sign-in-phone"),
        ("SIGN_IN_ADDRESS_LIMIT", address_key, "sign-in-addr"),
    )
    for setting, key_func, scope in budgets:
        view = limiter.shared_limit(
            lambda setting=setting: current_app.config[setting],
            scope=scope,
            key_func=key_func,
            deduct_when=_wrong_password,
            methods=["POST"],
        )(view)
    return view


def _code_budgets(view, deduct_when=None):
    budgets = (
        ("CODE_PHONE_LIMIT", _signing_in_phone, "code-phone"),
        ("CODE_ADDRESS_LIMIT", address_key, "code-addr"),
    )
    for setting, key_func, scope in budgets:
        view = limiter.shared_limit(
            lambda setting=setting: current_app.config[setting],
            scope=scope,
            key_func=key_func,
            deduct_when=deduct_when,
            methods=["POST"],
        )(view)
    return view


def limit_code_requests(view):
    """SMS codes asked for are limited per mobile number (CODE_PHONE_LIMIT) and per client
    address (CODE_ADDRESS_LIMIT), pages and API together. Every request counts, for a number
    with an account or without, so the limits say nothing about which numbers exist."""
    return _code_budgets(view)


def limit_codes_sent(view):
    """The same budgets for a view that sends a code only sometimes (sign-up without a
    password): a request counts when the view set `g.code_sent`."""
    return _code_budgets(view, deduct_when=lambda _response: bool(g.get("code_sent")))


def limit_wrong_codes(view):
    """Repeated wrong voucher codes from one staff member, or from one address, are slowed
    down (CONFIRM_WRONG_CODE_LIMIT). The budget is shared by the counter page and the API."""
    for key_func, scope in ((caller_key, "wrong-code-staff"), (address_key, "wrong-code-addr")):
        view = limiter.shared_limit(
            lambda: current_app.config["CONFIRM_WRONG_CODE_LIMIT"],
            scope=scope,
            key_func=key_func,
            deduct_when=_wrong_code,
        )(view)
    return view
