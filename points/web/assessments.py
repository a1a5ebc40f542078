"""The host assessment board (三色预警) for social workers: preview a running quarter, rate
an ended one as a draft, publish it after a confirmation, add improvement notes."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from points.database import utcnow
from points.errors import PointsError
from points.members import quarterly
from points.members import services as members
from points.spaces import standing
from points.web.forms import attempt, refused, show_error
from points.web.staff import flash_cancelled, staff_required

bp = Blueprint("assessments", __name__, url_prefix="/staff/assessments")


def _card(hq: quarterly.HostQuarter, quarter: str):
    """What the scorecard macro shows: the recorded scorecard, or the preview's."""
    if hq.assessment is not None:
        return hq.assessment
    if hq.preview is None:
        return None
    return SimpleNamespace(
        colour=hq.preview.colour,
        rated_findings=hq.preview.findings,
        quarter=quarter,
        status="preview",
        days_rated=hq.days_held,
        days_in_quarter=hq.days_in_quarter,
        improvement_note="",
    )


@bp.get("")
@staff_required
def board():
    quarter = request.args.get("quarter") or quarterly.last_ended_quarter()
    try:
        rows = quarterly.board(current_user, quarter)
        ended = quarterly.has_ended(quarter)
        drafts = quarterly.summary(current_user, quarter) if ended else None
    except PointsError as error:
        show_error(None, error)
        return redirect(url_for("assessments.board"))
    return render_template(
        "staff/assessments.html",
        rows=[(hq, _card(hq, quarter)) for hq in rows],
        participants={
            hq.member.id: quarterly.inputs_for(hq.member.id, hq.segments).participants
            for hq in rows
        },
        quarter=quarter,
        ended=ended,
        drafts=drafts,
        current=quarterly.current_quarter(),
    )


@bp.post("/run")
@staff_required
def run():
    quarter = request.form.get("quarter", "")
    with refused():
        made = quarterly.run_draft(current_user, quarter)
        flash(
            _(
                "Draft: %(n)s hosts rated for %(quarter)s. Nothing is published yet.",
                n=len(made),
                quarter=quarter,
            ),
            "success",
        )
    return redirect(url_for("assessments.board", quarter=quarter))


@bp.get("/publish")
@staff_required
def confirm():
    quarter = request.args.get("quarter", "")
    try:
        shown = quarterly.summary(current_user, quarter)
    except PointsError as error:
        show_error(None, error)
        return redirect(url_for("assessments.board"))
    if not shown.hosts:
        flash(_("There is no draft for %(quarter)s to publish: rate it first.", quarter=quarter))
        return redirect(url_for("assessments.board", quarter=quarter))
    now = utcnow()
    return render_template(
        "staff/assessments_publish.html",
        summary=shown,
        reversal_days=members.reversal_days(),
        # What each demotion will cancel, as the loss of level will (points.spaces.standing).
        losing={
            member.id: standing.bookings_lost(
                member, level=quarterly.DEMOTED_TO, status=member.status, now=now
            )
            for member, _other in shown.demotions
        },
    )


@bp.post("/publish")
@staff_required
def publish():
    quarter = request.form.get("quarter", "")
    with refused():
        published, demoted = quarterly.publish(
            current_user, quarter, confirmed=request.form.get("confirmed")
        )
        flash(
            _(
                "Published: %(n)s hosts' colours for %(quarter)s; %(d)s returned to community "
                "talent.",
                n=len(published),
                quarter=quarter,
                d=len(demoted),
            ),
            "success",
        )
        for change in demoted:
            flash_cancelled(change, name=members.get_member(change.member_id).name)
    return redirect(url_for("assessments.board", quarter=quarter))


@bp.post("/<int:assessment_id>/note")
@staff_required
def note(assessment_id: int):
    assessment = quarterly.get_assessment(assessment_id)
    attempt(
        lambda: quarterly.add_note(
            assessment, note=request.form.get("note", ""), actor=current_user
        ),
        _("Improvement note saved."),
    )
    return redirect(url_for("assessments.board", quarter=assessment.quarter))
