"""Training sessions for social workers: schedule with seats, then tick off attendance on the
sign-in sheet — the signed-up members by a tick box, walk-ins by phone."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from points import clock
from points import messages as shared
from points.errors import InvalidInput
from points.extensions import db
from points.members import training
from points.members.models import Course
from points.web.forms import refused
from points.web.staff import staff_required

bp = Blueprint("training", __name__, url_prefix="/staff/courses")


def _local_time(value: str) -> datetime:
    """A datetime-local field, read in the community's time zone."""
    try:
        naive = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(shared.DATE_TIME, field="starts_at") from None
    return clock.from_wall_clock(naive)


def _whole(value: str):
    """A whole number typed into a field (the service says what range it needs)."""
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 6 else value


def _ids(values: list[str]) -> list:
    return [int(v) if v.isdigit() and len(v) <= 18 else v for v in values]


@bp.route("", methods=["GET", "POST"])
@staff_required
def index():
    status = 200
    if request.method == "POST":
        with refused():
            session = training.schedule(
                current_user,
                course_code=request.form.get("course"),
                starts_at=_local_time(request.form.get("starts_at", "")),
                place=request.form.get("place", ""),
                capacity=_whole(request.form.get("capacity", "") or str(training.DEFAULT_SEATS)),
            )
            flash(_("Session scheduled."), "success")
            return redirect(url_for("training.roster", session_id=session.id))
        status = 422
    return render_template(
        "staff/courses.html",
        sessions=training.sessions(current_user),
        courses=db.session.scalars(sa.select(Course).order_by(Course.tier, Course.id)).all(),
    ), status


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@staff_required
def roster(session_id: int):
    session = training.get_session(session_id, current_user)
    if request.method == "POST":
        phones = request.form.get("phones", "").replace(",", "\n").splitlines()
        with refused():
            ticked = training.record_attendance(
                session,
                phones,
                member_ids=_ids(request.form.getlist("member_ids")),
                actor=current_user,
            )
            flash(
                _("%(n)s attendees recorded; their training is updated.", n=len(ticked)), "success"
            )
            return redirect(url_for("training.roster", session_id=session.id))
    attended = {a.member_id for a in session.attendances}
    return render_template(
        "staff/roster.html",
        session=session,
        signed_up=training.roster(session, actor=current_user),
        attended=attended,
        seats_left=training.seats_left(session),
    )
