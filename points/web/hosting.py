"""Becoming a host: the talent's application, the public notice (公示) with objections,
and the social workers' selection page with the funnel."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from points import clock
from points.extensions import db
from points.members import applications
from points.members.models import Objection
from points.web.forms import attempt, refused
from points.web.staff import staff_required

bp = Blueprint("hosting", __name__)


class ApplicationForm(FlaskForm):
    programme_title = StringField(_l("Programme name (e.g. 晨间瑜伽, 青年夜校)"))
    proposal = TextAreaField(
        _l("Your proposal: what you will run, for whom, how often, and which space you need")
    )


@bp.route("/me/host-application", methods=["GET", "POST"])
@login_required
def mine():
    form = ApplicationForm()
    status = 200
    if form.validate_on_submit():
        with refused(form):
            applications.apply(
                current_user, programme_title=form.programme_title.data, proposal=form.proposal.data
            )
            flash(_("Your application is in. Social workers will review it."), "success")
            return redirect(url_for("hosting.mine"))
        status = 422
    latest = applications.latest_application(current_user)
    return render_template(
        "hosting/mine.html",
        form=form,
        latest=latest,
        may_apply=applications.may_apply(current_user),
        now=clock.now(),
    ), status


@bp.get("/notices")
def notices():
    """Public notices of selected hosts: readable by anyone; objecting needs a sign-in."""
    reader = current_user if current_user.is_authenticated else None
    return render_template("hosting/notices.html", applications=applications.notices(reader))


@bp.post("/notices/<int:application_id>/object")
@login_required
def object_to(application_id: int):
    visible = {a.id: a for a in applications.notices(current_user)}
    application = visible.get(application_id) or abort(404)
    attempt(
        lambda: applications.object_to(
            application, member=current_user, reason=request.form.get("reason", "")
        ),
        _("Your objection is recorded. A social worker will look into it."),
    )
    return redirect(url_for("hosting.notices"))


@bp.get("/staff/applications")
@staff_required
def queue():
    now = clock.now()
    selected = applications.queue(current_user, "selected")
    return render_template(
        "hosting/queue.html",
        funnel=applications.funnel(current_user),
        submitted=applications.queue(current_user, "submitted"),
        selected=[(a, applications.blockers(a, now)) for a in selected],
    )


def _staff_act(action, success: str):
    attempt(action, success)
    return redirect(url_for("hosting.queue"))


@bp.post("/staff/applications/<int:application_id>/review")
@staff_required
def review(application_id: int):
    application = applications.get_application(application_id)
    select = request.form.get("decision") == "select"
    return _staff_act(
        lambda: applications.review(
            application, select=select, reason=request.form.get("reason", ""), actor=current_user
        ),
        _("Selected: the public notice has started.")
        if select
        else _("Declined; the applicant sees your reason."),
    )


@bp.post("/staff/applications/<int:application_id>/appoint")
@staff_required
def appoint(application_id: int):
    application = applications.get_application(application_id)
    return _staff_act(
        lambda: applications.appoint(application, actor=current_user),
        _("Appointed: the new host is on the ladder's top rung."),
    )


@bp.post("/staff/objections/<int:objection_id>")
@staff_required
def resolve(objection_id: int):
    objection = db.session.get(Objection, objection_id) or abort(404)
    uphold = request.form.get("decision") == "uphold"
    return _staff_act(
        lambda: applications.resolve_objection(
            objection, uphold=uphold, note=request.form.get("note", ""), actor=current_user
        ),
        _("Objection upheld; the application is declined.")
        if uphold
        else _("Objection dismissed."),
    )
