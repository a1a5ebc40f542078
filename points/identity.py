"""Who is asking: the web session (Flask-Login) or an API bearer token; and in which language.

Shared by the web pages and the JSON API, so both see the same member and locale.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user

from points.extensions import babel, db, login_manager
from points.members import services as members
from points.members.models import Member


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says what to do

    @login_manager.user_loader
    def _load(member_id: str) -> Member | None:
        wellformed = member_id.isascii() and member_id.isdigit() and len(member_id) < 19
        member = db.session.get(Member, int(member_id)) if wellformed else None
        return member if member is not None and member.is_active else None

    @login_manager.request_loader
    def _from_token(_request) -> Member | None:
        token = bearer_token()
        return members.member_for_token(token) if token else None

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
