"""The host assessment board (三色预警) for social workers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from points.errors import PointsError
from points.extensions import db
from points.members import quarterly
from points.web.forms import show_error
from points.web.staff import staff_required

bp = Blueprint("assessments", __name__, url_prefix="/staff/assessments")


@bp.get("")
@staff_required
def board():
    quarter = request.args.get("quarter") or quarterly.current_quarter()
    try:
        rows = quarterly.board(current_user, quarter)
    except PointsError as error:
        show_error(None, error)
        return redirect(url_for("assessments.board"))
    return render_template("staff/assessments.html", rows=rows, quarter=quarter)


@bp.post("/run")
@staff_required
def run():
    quarter = request.form.get("quarter", "")
    try:
        made = quarterly.assess_quarter(current_user, quarter)
        db.session.commit()
    except PointsError as error:
        db.session.rollback()
        show_error(None, error)
    else:
        flash(_("%(n)s hosts rated for %(quarter)s.", n=len(made), quarter=quarter), "success")
    return redirect(url_for("assessments.board", quarter=quarter))


@bp.post("/<int:assessment_id>/note")
@staff_required
def note(assessment_id: int):
    try:
        assessment = quarterly.get_assessment(assessment_id)
    except PointsError:
        abort(404)
    try:
        quarterly.add_note(assessment, note=request.form.get("note", ""), actor=current_user)
        db.session.commit()
    except PointsError as error:
        db.session.rollback()
        show_error(None, error)
    else:
        flash(_("Improvement note saved."), "success")
    return redirect(url_for("assessments.board", quarter=assessment.quarter))
