"""Programmes pages: residents find programmes and sign up (a session or the term) and rate
sessions they attended; hosts create and edit programmes, hold sessions in their bookings
and read ratings and comments; social workers decide complaints."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from points.programmes import services as programmes
from points.programmes.fees import parse_yuan, yuan, yuan_field
from points.spaces import services as spaces
from points.spaces.models import TIERS
from points.web.forms import attempt, refused
from points.web.labels import SERVICE_TIER_NAMES, locale
from points.web.staff import staff_required

bp = Blueprint("programmes", __name__)


@bp.app_template_filter("yuan")
def _yuan(fen) -> str:
    return yuan(fen)


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Programme name"))
    description = TextAreaField(_l("What residents do and learn"))
    tier = SelectField(_l("Tier"), choices=[], validate_choice=False)
    fee_fen = StringField(_l("Fee per session (yuan; 0 for 公益)"), default="0")
    capacity = StringField(_l("Places per session"), default="20")
    space_id = SelectField(_l("Usual space"), choices=[], validate_choice=False)


class RatingForm(FlaskForm):
    stars = RadioField(
        _l("Stars"),
        choices=[SelectChoice(str(n), str(n)) for n in range(5, 0, -1)],
        validate_choice=False,
    )
    comment = TextAreaField(_l("Comment (optional)"))
    complaint = BooleanField(_l("This is a complaint: tell the social worker"))


def _choices(form: ProgrammeForm) -> None:
    form.tier.choices = [SelectChoice(t, str(SERVICE_TIER_NAMES[t])) for t in TIERS]
    form.space_id.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(str(s.id), s.name(locale())) for s in spaces.spaces(current_user.community_id)
    ]


def _whole(value):
    """A whole number typed into a field; anything else goes on for the service to refuse."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else value


def _fields(form: ProgrammeForm) -> dict:
    return dict(
        name=form.name.data,
        description=form.description.data or "",
        tier=form.tier.data,
        fee_fen=parse_yuan(form.fee_fen.data, "fee_fen"),
        capacity=_whole(form.capacity.data),
        space_id=int(form.space_id.data) if (form.space_id.data or "").isdigit() else None,
    )


@bp.get("/programmes")
@login_required
def index():
    tier = request.args.get("tier") or None
    with refused(show=False) as refusal:
        found = programmes.programmes_for(current_user, tier=tier)
    if refusal.error:
        flash(_("Choose a tier from the list."), "error")
        tier, found = None, programmes.programmes_for(current_user)
    return render_template(
        "programmes/index.html",
        programmes=found,
        tier=tier,
        tiers=TIERS,
        averages=programmes.public_averages(found),
        next_sessions=programmes.next_sessions(found),
        mine=programmes.hosted_by(current_user) if current_user.level == "host" else [],
        may_create=programmes.may_run_programmes(current_user) and current_user.level == "host",
        places_left=programmes.places_left,
    )


@bp.get("/programmes/<int:programme_id>")
@login_required
def detail(programme_id: int):
    programme = programmes.visible_programme(programme_id, current_user)
    upcoming = programmes.upcoming_sessions(programme)
    return render_template(
        "programmes/detail.html",
        programme=programme,
        upcoming=upcoming,
        places_left=programmes.places_left,
        signed_up=programmes.is_signed_up,
        may_sign_up=programmes.may_sign_up,
        in_term=programmes.in_term(programme, current_user),
        average=programmes.public_averages([programme]).get(programme.id),
        may_edit=programmes.may_edit(programme, current_user),
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def new():
    if not (programmes.may_run_programmes(current_user) and current_user.level == "host"):
        abort(403)
    form = ProgrammeForm()
    _choices(form)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refused(form):
                programme = programmes.create_programme(current_user, **_fields(form))
                flash(_("Programme saved. Now hold its sessions in your bookings."), "success")
                return redirect(url_for("programmes.schedule", programme_id=programme.id))
        status = 422
    return render_template("programmes/form.html", form=form, programme=None), status


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required
def edit(programme_id: int):
    programme = programmes.visible_programme(programme_id, current_user)
    if not programmes.may_edit(programme, current_user):
        abort(403)
    form = ProgrammeForm(obj=programme if request.method == "GET" else None)
    _choices(form)
    if request.method == "GET":
        form.fee_fen.data = yuan_field(programme.fee_fen)
        form.capacity.data = str(programme.capacity)
        form.space_id.data = str(programme.space_id or "")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refused(form):
                changes = _fields(form)
                if request.form.get("ended"):
                    changes["status"] = "ended"
                programmes.update_programme(programme, actor=current_user, changes=changes)
                flash(_("Programme saved."), "success")
                return redirect(url_for("programmes.detail", programme_id=programme.id))
        status = 422
    return render_template("programmes/form.html", form=form, programme=programme), status


@bp.route("/programmes/<int:programme_id>/schedule", methods=["GET", "POST"])
@login_required
def schedule(programme_id: int):
    programme = programmes.visible_programme(programme_id, current_user)
    if not programmes.may_edit(programme, current_user):
        abort(403)
    if request.method == "POST":
        booking_id = _whole(request.form.get("booking_id"))
        if attempt(
            lambda: programmes.schedule_session(
                programme, booking_id=booking_id, actor=current_user
            ),
            _("Session scheduled: residents can sign up now."),
        ):
            return redirect(url_for("programmes.detail", programme_id=programme.id))
        return redirect(url_for("programmes.schedule", programme_id=programme.id))
    return render_template(
        "programmes/schedule.html",
        programme=programme,
        bookings=programmes.bookings_to_schedule(programme),
    )


@bp.get("/programmes/<int:programme_id>/ratings")
@login_required
def ratings(programme_id: int):
    programme = programmes.visible_programme(programme_id, current_user)
    if not programmes.may_edit(programme, current_user):
        abort(403)
    past = programmes.past_sessions(programme)
    return render_template(
        "programmes/ratings.html",
        programme=programme,
        summary=programmes.programme_summary(programme),
        sessions=[(s, programmes.session_summary(s), programmes.attendees(s)) for s in past],
    )


def _back(programme_id: int):
    return redirect(url_for("programmes.detail", programme_id=programme_id))


@bp.get("/programmes/sessions/<int:session_id>/fees")
@login_required
def fees(session_id: int):
    """The host's list at the door: who is signed up, who has paid the fee, and how."""
    session = programmes.visible_session(session_id, current_user)
    if not programmes.may_edit(session.programme, current_user):
        abort(403)
    return render_template(
        "programmes/fees.html",
        session=session,
        programme=session.programme,
        participants=programmes.participants_of(session),
        paid=programmes.fees_paid(session),
    )


@bp.post("/programmes/sessions/<int:session_id>/fees")
@login_required
def record_fee(session_id: int):
    session = programmes.visible_session(session_id, current_user)
    member_id = request.form.get("member_id", type=int)
    attempt(
        lambda: programmes.record_fee(
            session,
            member_id,
            actor=current_user,
            method=request.form.get("method", ""),
            reference=request.form.get("reference", ""),
        ),
        _("The fee is recorded, and the fund's share with it."),
    )
    return redirect(url_for("programmes.fees", session_id=session.id))


@bp.post("/programmes/sessions/<int:session_id>/signup")
@login_required
def sign_up(session_id: int):
    session = programmes.visible_session(session_id, current_user)
    attempt(
        lambda: programmes.sign_up_session(session, current_user),
        _("You are signed up. Check in at the door when you arrive."),
    )
    return _back(session.programme_id)


@bp.post("/programmes/sessions/<int:session_id>/leave")
@login_required
def leave(session_id: int):
    session = programmes.visible_session(session_id, current_user)
    attempt(lambda: programmes.leave_session(session, current_user), _("Your place is freed."))
    return _back(session.programme_id)


@bp.post("/programmes/<int:programme_id>/term")
@login_required
def join_term(programme_id: int):
    programme = programmes.visible_programme(programme_id, current_user)
    attempt(
        lambda: programmes.sign_up_term(programme, current_user),
        _("You are signed up for the whole term, and for sessions added later while places last."),
    )
    return _back(programme.id)


@bp.post("/programmes/<int:programme_id>/term/leave")
@login_required
def leave_term(programme_id: int):
    programme = programmes.visible_programme(programme_id, current_user)
    attempt(
        lambda: programmes.leave_term(programme, current_user),
        _("You have left the term; your upcoming places are freed."),
    )
    return _back(programme.id)


@bp.route("/programmes/sessions/<int:session_id>/rate", methods=["GET", "POST"])
@login_required
def rate(session_id: int):
    session = programmes.visible_session(session_id, current_user)
    form = RatingForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        stars = form.stars.data
        with refused(form):
            programmes.rate_session(
                session,
                current_user,
                stars=int(stars) if stars and stars.isdigit() else stars,
                comment=form.comment.data or "",
                complaint=bool(form.complaint.data),
            )
            flash(_("Thank you: the host sees your rating."), "success")
            return redirect(url_for("home.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "programmes/rate.html",
        session=session,
        form=form,
        may_rate=programmes.may_rate(session, current_user),
        mine=programmes.rating_of(session, current_user),
    ), status


@bp.get("/staff/complaints")
@staff_required
def complaints():
    status = request.args.get("status", "open")
    if status not in ("open", "upheld", "dismissed"):
        status = "open"
    return render_template(
        "programmes/complaints.html",
        complaints=programmes.complaints_for(current_user, status=status),
        status=status,
        may_decide=programmes.may_decide,
    )


@bp.post("/staff/complaints/<int:rating_id>")
@staff_required
def decide(rating_id: int):
    rating = programmes.get_complaint(rating_id, current_user)
    attempt(
        lambda: programmes.decide_complaint(
            rating,
            actor=current_user,
            decision=request.form.get("decision", ""),
            reason=request.form.get("reason", ""),
        ),
        _("Complaint decided; the resident is told."),
    )
    return redirect(url_for("programmes.complaints"))
