"""Sign up, sign in, sign out, change password, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
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
from points.extensions import db, limit_sign_in
from points.members import services as members
from points.members.models import Community, Grid
from points.web.forms import refused

bp = Blueprint("auth", __name__)


class RegisterForm(FlaskForm):
    phone = TelField(_l("Mobile number"), render_kw={"autocomplete": "tel", "inputmode": "tel"})
    name = StringField(_l("Name shown to others"), render_kw={"autocomplete": "nickname"})
    password = PasswordField(
        _l("Password (at least 8 characters)"), render_kw={"autocomplete": "new-password"}
    )
    community_id = SelectField(_l("Community"), coerce=int)
    grid_id = SelectField(_l("Grid (optional)"), coerce=int)


class LoginForm(FlaskForm):
    phone = TelField(_l("Mobile number"), render_kw={"autocomplete": "tel", "inputmode": "tel"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})


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
    form.community_id.choices = [(0, _("— choose —"))] + [(c.id, c.name) for c in communities]
    grids = db.session.scalars(sa.select(Grid).order_by(Grid.community_id, Grid.id)).all()
    names = {c.id: c.name for c in communities}
    form.grid_id.choices = [(0, _("— none —"))] + [
        (g.id, f"{names.get(g.community_id, '')} · {g.name}") for g in grids
    ]


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    _place_choices(form)
    if form.validate_on_submit():
        with refused(form):
            member = members.register_member(
                phone=form.phone.data,
                password=form.password.data,
                name=form.name.data,
                # 0 is "— choose —": the service names the field when no community is chosen.
                community_id=form.community_id.data or -1,
                grid_id=form.grid_id.data or None,
            )
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
    form = PasswordForm()
    if form.validate_on_submit():
        with refused(form):
            members.change_password(
                current_user,
                current=form.current_password.data,
                new=form.new_password.data,
                keep=current_user.session_token,
            )
            flash(
                _(
                    "Your password is changed. Use the new one next time you sign in; "
                    "every other phone or computer signed in as you is now signed out."
                ),
                "success",
            )
            return redirect(url_for("profile.show"))
    return render_template("auth/password.html", form=form), 200 if not form.errors else 422


@bp.post("/language/<code>")
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    return redirect(
        _safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path)
    )
