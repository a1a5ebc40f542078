"""Who the API caller is, and the CSRF rule for cookie-authenticated writes."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from points import messages as M
from points.errors import Unauthorized
from points.extensions import csrf
from points.identity import signed_in_by_cookie
from points.members.models import Member

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def current_member() -> Member:
    """The signed-in member (bearer token or web session), or 401."""
    if not current_user.is_authenticated:
        raise Unauthorized(M.SIGN_IN_FIRST)
    return current_user._get_current_object()


def protect_cookie_writes() -> None:
    """A write by a member signed in through a cookie — the session cookie or the remember
    cookie alone — must carry the CSRF token (X-CSRFToken). A call with a bearer header is
    that token's member or nobody (points.identity), never the cookie's, so another site
    cannot borrow the cookie by adding a made-up header."""
    if request.method in UNSAFE and signed_in_by_cookie():
        csrf.protect()
