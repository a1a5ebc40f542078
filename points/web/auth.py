"""Sign up, sign in (by password or SMS code), sign out, change or reset the password, and
the language switch.

Signing in by code: /login/code asks for the number and sends a code (the same answer for a
number with no account), /login/code/enter takes it and signs in exactly as a password does.
/password/forgot does the same with a reset code and a new password. A member without a
password (signed up by code) sets one on /password within FRESH_MINUTES of a code sign-in,
without an old one; so may any member right after a code sign-in."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields import TelField

from points import identity
from points.errors import InvalidInput
from points.extensions import db, limit_code_requests, limit_codes_sent, limit_sign_in
from points.members import codes
from points.members import messages as M
from points.members import services as members
from points.members.models import Community, Grid
from points.web.forms import counted, refused
from points.web.labels import locale

bp = Blueprint("auth", __name__)


class RegisterForm(FlaskForm):
    phone = TelField(_l("Mobile number"), render_kw={"autocomplete": "tel", "inputmode": "tel"})
    name = StringField(_l("Name shown to others"), render_kw={"autocomplete": "nickname"})
    password = PasswordField(
        _l("Password (optional, at least 8 characters; without one you sign in with an SMS code)"),
        render_kw={"autocomplete": "new-password"},
    )
    community_id = SelectField(_l("Community"), coerce=int)
    grid_id = SelectField(_l("Grid (optional)"), coerce=int)


class LoginForm(FlaskForm):
    phone = TelField(_l("Mobile number"), render_kw={"autocomplete": "tel", "inputmode": "tel"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})


_PHONE = {"autocomplete": "tel", "inputmode": "tel"}
_CODE = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "pattern": "[0-9]*",  # the digit keypad on iPhones; "123 456" pasted is fine too
    "class": "code",
}


class CodeRequestForm(FlaskForm):
    phone = TelField(_l("Mobile number"), render_kw=_PHONE)


class CodeForm(FlaskForm):
    phone = TelField(_l("Mobile number"), render_kw=_PHONE)
    code = StringField(_l("The 6-digit code from the SMS"), render_kw=_CODE)


class ResetForm(CodeForm):
    new_password = PasswordField(
        _l("New password (at least 8 characters)"), render_kw={"autocomplete": "new-password"}
    )
    again = PasswordField(
        _l("The new password again"), render_kw={"autocomplete": "new-password"}
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password (at least 8 characters)"), render_kw={"autocomplete": "new-password"}
    )


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("home.index")


def _place_choices(form: RegisterForm) -> None:
    communities = db.session.scalars(sa.select(Community).order_by(Community.id)).all()
    here = locale()
    form.community_id.choices = [(0, _("— choose —"))] + [
        (c.id, c.local_name(here)) for c in communities
    ]
    grids = db.session.scalars(sa.select(Grid).order_by(Grid.community_id, Grid.id)).all()
    names = {c.id: c.local_name(here) for c in communities}
    form.grid_id.choices = [(0, _("— none —"))] + [
        (g.id, f"{names.get(g.community_id, '')} · {g.local_name(here)}") for g in grids
    ]


@bp.route("/register", methods=["GET", "POST"])
@limit_codes_sent
def register():
    form = RegisterForm()
    _place_choices(form)
    if form.validate_on_submit():
        with refused(form):
            member = members.register_member(
                phone=form.phone.data,
                # Left empty: no password; the member proves the number with a code instead.
                password=form.password.data or None,
                name=form.name.data,
                # 0 is "— choose —": the service names the field when no community is chosen.
                community_id=form.community_id.data or -1,
                grid_id=form.grid_id.data or None,
            )
            if not member.has_password:
                codes.send_code(member.phone, purpose="sign_in")
                g.code_sent = True  # counts against the code limits (limit_codes_sent)
                session["code_phone"] = member.phone
                flash(_sent(), "success")
                return redirect(url_for("auth.login_code_enter", next=url_for("auth.password")))
            identity.sign_in(member)
            flash(
                _(
                    "Welcome, %(name)s! Next: give your real name and take the volunteer "
                    "pledge on your profile.",
                    name=member.name,
                ),
                "success",
            )
            return redirect(url_for("profile.show"))
    return render_template("auth/register.html", form=form), 200 if not form.errors else 422


@bp.route("/login", methods=["GET", "POST"])
@limit_sign_in
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with refused(form):
            member = members.authenticate(form.phone.data, form.password.data)
            identity.sign_in(member, remember=True)
            if member.locale:
                session["lang"] = member.locale
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


def _sent() -> str:
    return _("A code is on its way by SMS. It is valid for %(minutes)s minutes.",
             minutes=codes.CODE_MINUTES)


def _next_args() -> dict:
    target = request.args.get("next")
    return {"next": target} if target else {}


def _ask_for_code(purpose: str, then: str, template: str):
    """The number, then a code sent to it; the same answer whether it has an account."""
    form = CodeRequestForm()
    if request.method == "GET" and session.get("code_phone"):
        form.phone.data = session["code_phone"]
    if form.validate_on_submit():
        with refused(form):
            codes.send_code(form.phone.data, purpose=purpose)
            session["code_phone"] = form.phone.data.strip()[:20]
            flash(_sent(), "success")
            return redirect(url_for(then, **_next_args()))
    return render_template(template, form=form), 200 if not form.errors else 422


def _signed_in_by_code(member) -> None:
    identity.sign_in(member, remember=True)
    if member.locale:
        session["lang"] = member.locale
    session.pop("code_phone", None)
    session["code_sign_in"] = {"at": time.time(), "sid": _sid(member.session_token)}


def _sid(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


def _code_fresh() -> bool:
    """This browser's sign-in was made with an SMS code a few minutes ago."""
    mark = session.get("code_sign_in")
    if not isinstance(mark, dict) or not current_user.is_authenticated:
        return False
    age = time.time() - float(mark.get("at", 0))
    same = mark.get("sid") == _sid(current_user.session_token)
    return same and 0 <= age <= codes.FRESH_MINUTES * 60


@bp.route("/login/code", methods=["GET", "POST"])
@limit_code_requests
def login_code():
    """Sign in with an SMS code, step 1: the number."""
    return _ask_for_code("sign_in", "auth.login_code_enter", "auth/code_phone.html")


@bp.route("/login/code/enter", methods=["GET", "POST"])
@limit_sign_in
def login_code_enter():
    """Step 2: the code; then signed in as by a password, honouring `next`."""
    form = CodeForm()
    if request.method == "GET":
        form.phone.data = session.get("code_phone", "")
    if form.validate_on_submit():
        with refused(form), counted(form):
            member = codes.use_code(form.phone.data, form.code.data, purpose="sign_in")
            _signed_in_by_code(member)
            return redirect(_safe_next(request.args.get("next")))
    status = 200 if not form.errors else 401 if form.code.errors else 422
    return render_template("auth/code_enter.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_code_requests
def forgot():
    """Forgot the password, step 1: the number, to send a reset code to."""
    return _ask_for_code("reset", "auth.forgot_code", "auth/forgot.html")


@bp.route("/password/forgot/code", methods=["GET", "POST"])
@limit_sign_in
def forgot_code():
    """Step 2: the code and the new password twice; then signed in, every other sign-in
    of the member ended."""
    form = ResetForm()
    if request.method == "GET":
        form.phone.data = session.get("code_phone", "")
    if form.validate_on_submit():
        with refused(form), counted(form):
            if form.new_password.data != form.again.data:
                raise InvalidInput(M.PASSWORDS_DIFFER, field="again")
            member = codes.reset_password(
                form.phone.data, form.code.data, form.new_password.data
            )
            identity.sign_in(member, remember=True)
            session.pop("code_phone", None)
            flash(_("Your new password is set and you are signed in."), "success")
            return redirect(url_for("home.index"))
    status = 200 if not form.errors else 401 if form.code.errors else 422
    return render_template("auth/forgot_code.html", form=form), status


@bp.post("/logout")
def logout():
    identity.sign_out()
    flash(_("You have signed out."), "success")
    return redirect(url_for("home.index"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every sign-in of this member: other phones, remember cookies, API tokens, and
    this session too."""
    members.end_sign_ins(current_user)
    logout_user()
    flash(_("You have signed out on every phone and computer. Sign in again here."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    fresh = _code_fresh()
    if not fresh and not current_user.has_password:
        # Nothing to prove who is asking: a code sign-in first.
        return render_template(
            "auth/password.html", form=None, minutes=codes.FRESH_MINUTES
        ), (200 if request.method == "GET" else 422)
    form = PasswordForm()
    if form.validate_on_submit():
        with refused(form):
            members.change_password(
                current_user,
                current=form.current_password.data,
                new=form.new_password.data,
                keep=current_user.session_token,
                proven=fresh,
                fresh_minutes=codes.FRESH_MINUTES,
            )
            session.pop("code_sign_in", None)
            flash(
                _(
                    "Your password is changed. Use the new one next time you sign in; "
                    "every other phone or computer signed in as you is now signed out."
                ),
                "success",
            )
            return redirect(url_for("profile.show"))
    return render_template(
        "auth/password.html", form=form, ask_current=not fresh, minutes=codes.FRESH_MINUTES
    ), 200 if not form.errors else 422


@bp.post("/language/<code>")
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    return redirect(
        _safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path)
    )
