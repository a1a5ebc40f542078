"""Who is asking: the web session (Flask-Login) or an API bearer token; and in which language.

Shared by the web pages and the JSON API, so both see the same member and locale.

A web sign-in is a row on the server (`ApiToken` of kind "web"): the session and remember
cookies carry its secret, never the member's id, so ending the row ends the cookie wherever
it is (sign-out, a password change, a suspension, "sign out everywhere"). A request that
sends `Authorization: Bearer …` is that token's member or nobody: its cookies are ignored.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user

from points.extensions import babel, login_manager
from points.members import services as members
from points.members.models import Member


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def signed_in_by_cookie() -> bool:
    """True when the caller is a member by the session or remember cookie (not a token)."""
    return bearer_token() is None and current_user.is_authenticated


def sign_in(member: Member, *, remember: bool = True) -> None:
    """Start a web session for `member`: a server-side row whose secret the cookies carry.
    The request commits it (points/boundary.py)."""
    raw, _ = members.issue_token(member, kind="web")
    member.session_token = raw
    login_user(member, remember=remember)


def sign_out() -> None:
    """End this web session on the server and in the browser (the request commits it)."""
    if current_user.is_authenticated and current_user.session_token:
        members.revoke_token(current_user.session_token)
    logout_user()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


class HttpsCookies(SecureCookieSessionInterface):
    """Every cookie of a response to an https request is Secure: the session cookie, the
    remember cookie and any other. Whether a request is https is Werkzeug's `is_secure`,
    which believes X-Forwarded-Proto only behind TRUSTED_PROXIES (ProxyFix)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)

    def save_session(self, app: Flask, session, response) -> None:
        # Runs after every after_request hook, so the remember cookie is already set.
        super().save_session(app, session, response)
        if request.is_secure:
            cookies = response.headers.getlist("Set-Cookie")
            response.headers.remove("Set-Cookie")
            for cookie in cookies:
                secure = any(p.strip().lower() == "secure" for p in cookie.split(";"))
                response.headers.add("Set-Cookie", cookie if secure else cookie + "; Secure")


def init_app(app: Flask) -> None:
    app.session_interface = HttpsCookies()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says what to do

    @login_manager.user_loader
    def _load(session_token: str) -> Member | None:
        member = members.member_for_token(session_token, kind="web")
        if member is not None:
            member.session_token = session_token
        return member

    @app.before_request
    def _bearer_only():
        # Flask-Login would take the session cookie first; a bearer header decides alone.
        # `g._login_user` is where Flask-Login 0.6 keeps the request's user (pinned <0.7).
        raw = bearer_token()
        if raw is not None:
            g._login_user = members.member_for_token(raw) or login_manager.anonymous_user()

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
