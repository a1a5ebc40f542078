"""Who the API caller is, and the CSRF rule for cookie-authenticated writes."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from points.errors import Unauthorized
from points.extensions import csrf
from points.identity import bearer_token
from points.members.models import Member

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def current_member() -> Member:
    """The signed-in member (bearer token or web session), or 401."""
    if not current_user.is_authenticated:
        raise Unauthorized("sign in first: send Authorization: Bearer <token>")
    return current_user._get_current_object()


def protect_cookie_writes() -> None:
    """A write authenticated by the session cookie must carry the CSRF token (X-CSRFToken);
    bearer-token calls cannot be forged by another site and need none."""
    if request.method in UNSAFE and not bearer_token() and "session" in request.cookies:
        csrf.protect()
