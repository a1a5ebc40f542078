"""Training for members: the sessions their next level needs, sign up, cancel."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from points.members import training
from points.web.forms import attempt

bp = Blueprint("courses", __name__, url_prefix="/training")


@bp.get("")
@login_required
def sessions():
    member = current_user
    return render_template(
        "courses/sessions.html",
        needed=training.needed_courses(member),
        offers=training.sessions_needed(member),
        mine=training.my_signups(member),
    )


def _back():
    return redirect(
        url_for("home.index") if request.form.get("next") == "home" else url_for("courses.sessions")
    )


@bp.post("/sessions/<int:session_id>/signup")
@login_required
def sign_up(session_id: int):
    def action():
        training.sign_up(training.visible_session(session_id, current_user), current_user)

    attempt(action, _("You have a seat. See you at the session!"))
    return _back()


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    def action():
        training.cancel_signup(training.visible_session(session_id, current_user), current_user)

    attempt(action, _("Your seat is freed."))
    return _back()
