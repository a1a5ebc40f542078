"""Earning pages: the catalogue, the claim form, my claims, my statement, the approval queue,
and scheduled activities with sign-up, QR check-in and the roster."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from points import clock
from points.activities import catalogue, events
from points.activities import services as claims
from points.errors import InvalidInput
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members.models import LEVELS
from points.web import elder
from points.web import wallet as wallet_lines
from points.web.auth import _safe_next
from points.web.forms import attempt, refused, show_error
from points.web.labels import LEVEL_NAMES, locale
from points.web.messages import translate_error
from points.web.qr import qr_svg
from points.web.staff import staff_required

bp = Blueprint("activities", __name__)

STATEMENT_PER_PAGE = 30
ACTIVITIES_PER_PAGE = 20


def _type_choices(member) -> list[tuple[str, str]]:
    english = locale() == "en"
    choices = [("", _("Choose the work you did"))]
    for t in catalogue.catalogue():
        if member is None or catalogue.may_claim(member, t):
            category = t.category.name_en if english else t.category.name_zh
            choices.append((t.code, f"{category} · {t.name(locale())}"))
    return choices


# ---------------------------------------------------------------------------- catalogue


@bp.get("/activities/types")
def types():
    grouped: dict = {}
    for t in catalogue.catalogue():
        grouped.setdefault(t.category, []).append(t)
    return render_template(
        "activities/types.html",
        grouped=grouped,
        admin=current_user.is_authenticated and current_user.has_role("admin"),
    )


class TypeForm(FlaskForm):
    points = IntegerField(_l("Points per unit"))
    daily_cap = IntegerField(_l("Daily cap (points; empty for none)"), validators=[Optional()])
    monthly_cap = IntegerField(_l("Monthly cap (points; empty for none)"), validators=[Optional()])
    min_level = SelectField(_l("Lowest level that may claim"))
    evidence = BooleanField(_l("A photo is needed"))
    approver = SelectField(_l("Who approves"))
    active = BooleanField(_l("Open for claims"))


@bp.route("/activities/types/<code>/edit", methods=["GET", "POST"])
@login_required
def edit_type(code: str):
    """Admins change a rule; the change is a new version (earlier awards keep theirs)."""
    if not current_user.has_role("admin"):
        abort(403)
    current = catalogue.current_type(code, missing_ok=True) or abort(404)
    form = TypeForm(obj=current)
    form.min_level.choices = [(level, LEVEL_NAMES[level]) for level in LEVELS]
    form.approver.choices = [
        ("social_worker", _("A social worker of the member's community")),
        ("admin", _("The street admin")),
    ]
    status = 200
    if form.validate_on_submit():
        changes = {
            name: form[name].data
            for name in ("points", "daily_cap", "monthly_cap", "min_level", "evidence")
        }
        changes.update(approver=form.approver.data, active=form.active.data)
        with refused(form):
            version = catalogue.edit_type(code, actor=current_user, changes=changes)
            flash(_("Saved as version %(n)s.", n=version.version), "success")
            return redirect(url_for("activities.types"))
        status = 422
    elif request.method == "POST":
        flash(_("Please correct the marked fields and try again."), "error")
        status = 422
    return render_template(
        "activities/edit_type.html",
        form=form,
        current=current,
        versions=catalogue.versions(code),
    ), status


# ---------------------------------------------------------------------------- claims


class ClaimForm(FlaskForm):
    activity_type = SelectField(_l("Activity"), validate_choice=False)
    occurred_on = DateField(_l("Date of the work"))
    quantity = StringField(_l("How many hours (e.g. 1.5) or how many times"))
    note = TextAreaField(_l("What you did (optional)"))
    photo = FileField(_l("Photo (JPEG or PNG, needed for some activities)"))


@bp.route("/claims/new", methods=["GET", "POST"])
@login_required
def new_claim():
    form = ClaimForm()
    form.activity_type.choices = _type_choices(current_user)
    if request.method == "GET":
        form.activity_type.data = request.args.get("type", "")
        form.occurred_on.data = clock.today()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refused(form):
                photo = None
                if form.photo.data:
                    photo = claims.save_evidence(current_user, form.photo.data.read()).token
                claims.submit_claim(
                    current_user,
                    activity_type=form.activity_type.data or None,
                    occurred_on=form.occurred_on.data,
                    quantity=form.quantity.data,
                    note=form.note.data,
                    photo=photo,
                )
                flash(_("Claim sent. A social worker of your community will review it."), "success")
                return redirect(url_for("activities.my_claims"))
            status = 422
        else:
            if form.occurred_on.errors:
                form.occurred_on.errors = [_("Enter a date like 2026-05-01.")]
            flash(_("Please correct the marked fields and try again."), "error")
            status = 422
    return render_template("activities/claim_form.html", form=form), status


@bp.get("/me/claims")
@login_required
def my_claims():
    return render_template("activities/my_claims.html", claims=claims.claims_of(current_user))


@bp.get("/me/statement")
@login_required
def statement():
    try:
        page = ledger.wallet_statement(
            current_user.id, cursor=request.args.get("cursor"),
            limit=elder.page_size(STATEMENT_PER_PAGE),
        )
    except InvalidInput:
        abort(404)
    behind = claims.claims_for_transfers(i.transfer_id for i in page.items)
    return render_template(
        "activities/statement.html",
        page=page,
        behind=behind,
        vouchers=market.vouchers_by_transfer(i.transfer_id for i in page.items),
        spendable=market.spendable(current_user),
        # Holds read as lines above the newest movement, on the first page only.
        held=[] if request.args.get("cursor") else wallet_lines.held_lines(current_user),
    )


@bp.get("/claims/<int:claim_id>/photo")
@login_required
def photo(claim_id: int):
    claim = claims.visible_claim(claim_id, current_user)
    if claim.evidence is None:
        abort(404)
    # Read whole (photos are small) so no file handle outlives the request.
    data = claims.evidence_path(claim.evidence).read_bytes()
    return send_file(io.BytesIO(data), mimetype=claim.evidence.content_type)


def _queue_page(args, *, back: str, row_errors=None, status: int = 200):
    """The queue drawn from filter `args`; `row_errors` maps a claim id to the messages shown
    on that claim's row (a refused rejection or reversal), so the queue stays in view."""
    args = request.args if args is None else args
    status_shown = args.get("status", "submitted")
    listed = claims.queue(
        current_user,
        status=status_shown,
        category=args.get("category") or None,
        search=args.get("q") or None,
    )
    figures = claims.queue_figures(c for c in listed if c.status == "submitted")
    return render_template(
        "activities/queue.html",
        claims=listed,
        figures=figures,
        over_cap={i: translate_error(f.refusal) for i, f in figures.items() if f.refusal},
        status=status_shown,
        args=args,
        back=back,
        row_errors=row_errors or {},
        categories=catalogue.categories(),
    ), status


@bp.get("/staff/claims")
@staff_required
def queue():
    return _queue_page(None, back=request.full_path)


def _back_target() -> str:
    target = request.form.get("next")
    return _safe_next(target) if target else url_for("activities.queue")


def _back_to_queue():
    return redirect(_back_target())


def _act(action, success: str):
    attempt(action, success)
    return _back_to_queue()


@bp.post("/staff/claims/<int:claim_id>/approve")
@staff_required
def approve(claim_id: int):
    claim = claims.visible_claim(claim_id, current_user)
    return _act(
        lambda: claims.approve_claim(claim, actor=current_user),
        _("Approved: the points are in the member's account."),
    )


def _decide_with_reason(claim_id: int, decide, success: str):
    """Reject or reverse. A refusal about the reason is drawn on the claim's own row (the
    queue around it as it was); any other refusal is flashed over the queue as before."""
    claim = claims.visible_claim(claim_id, current_user)
    with refused(show=False) as refusal:
        decide(claim, actor=current_user, reason=request.form.get("reason"))
        flash(success, "success")
        return _back_to_queue()
    if "reason" not in refusal.error.errors:
        show_error(None, refusal.error)
        return _back_to_queue()
    flash(_("Please correct the marked fields and try again."), "error")
    back = _back_target()
    filters = MultiDict(parse_qsl(urlsplit(back).query))
    messages = [translate_error(m) for m in refusal.error.errors["reason"]]
    return _queue_page(filters, back=back, row_errors={claim_id: messages}, status=422)


@bp.post("/staff/claims/<int:claim_id>/reject")
@staff_required
def reject(claim_id: int):
    return _decide_with_reason(
        claim_id, claims.reject_claim, _("Rejected; the member sees your reason.")
    )


@bp.post("/staff/claims/<int:claim_id>/reverse")
@staff_required
def reverse(claim_id: int):
    return _decide_with_reason(
        claim_id,
        claims.reverse_claim,
        _("Reversed: the points were taken back and the member's statement says why."),
    )


@bp.post("/staff/claims/approve")
@staff_required
def approve_selected():
    # "Select all" without a script approves every claim the page listed (its `shown` ids).
    picked = request.form.getlist("shown" if request.form.get("all") else "claim")
    ids = [int(v) for v in picked if re.fullmatch(r"[0-9]{1,18}", v)]
    if not ids:
        flash(_("Tick the claims to approve first."), "error")
        return _back_to_queue()
    result = claims.approve_many(ids, actor=current_user)
    if result.approved:
        flash(_("%(n)s claims approved.", n=len(result.approved)), "success")
    for claim_id, error in result.refused.items():
        flash(
            _(
                "Claim #%(id)s not approved: %(why)s",
                id=claim_id,
                why=translate_error(error.message),
            ),
            "error",
        )
    return _back_to_queue()


# ---------------------------------------------------------------------------- activities


class ActivityForm(FlaskForm):
    activity_type = SelectField(_l("Kind of work (sets the points)"), validate_choice=False)
    title = StringField(_l("Title, e.g. 重阳节敬老院陪伴"))
    place = StringField(_l("Place"))
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M")
    capacity = IntegerField(_l("Places"), default=20)


@bp.get("/activities")
@login_required
def activity_list():
    upcoming = events.upcoming(current_user)
    mine = {
        s.activity_id: s
        for a in upcoming
        for s in a.signups
        if s.member_id == current_user.id and s.status == "signed_up"
    }
    shown = elder.page_of(upcoming, ACTIVITIES_PER_PAGE)
    return render_template(
        "activities/list.html",
        activities=shown.items,
        shown=shown,
        mine=mine,
        may_organise=events.may_organise(current_user),
    )


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new_activity():
    if not events.may_organise(current_user):
        abort(403)
    form = ActivityForm()
    form.activity_type.choices = _type_choices(None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refused(form):
                activity = events.create_activity(
                    current_user,
                    activity_type=form.activity_type.data or None,
                    title=form.title.data,
                    place=form.place.data,
                    starts_at=clock.from_wall_clock(form.starts_at.data),
                    ends_at=clock.from_wall_clock(form.ends_at.data),
                    capacity=form.capacity.data,
                )
                flash(_("Activity published. Members of your community can sign up."), "success")
                return redirect(url_for("activities.detail", activity_id=activity.id))
            status = 422
        else:
            for f in (form.starts_at, form.ends_at, form.capacity):
                if f.errors:
                    f.errors = [_("Fill this in.")]
            flash(_("Please correct the marked fields and try again."), "error")
            status = 422
    return render_template("activities/new.html", form=form), status


@bp.get("/activities/<int:activity_id>")
@login_required
def detail(activity_id: int):
    activity = events.visible_activity(activity_id, current_user)
    runs = events.may_run(activity, current_user)
    return render_template(
        "activities/detail.html",
        activity=activity,
        signup=events.signup_of(activity, current_user),
        may_sign_up=events.may_sign_up(activity, current_user),
        runs=runs,
        may_close=events.may_close(activity, current_user),
        roster=events.roster(activity, actor=current_user) if runs else [],
        taken=events.taken(activity),
    )


def _activity_act(activity_id: int, action, success: str):
    activity = events.visible_activity(activity_id, current_user)
    attempt(lambda: action(activity), success)
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/activities/<int:activity_id>/signup")
@login_required
def sign_up(activity_id: int):
    return _activity_act(
        activity_id,
        lambda a: events.sign_up(a, current_user),
        _("You are signed up. Scan the organiser's code when you arrive."),
    )


@bp.post("/activities/<int:activity_id>/signup/cancel")
@login_required
def cancel_signup(activity_id: int):
    return _activity_act(
        activity_id, lambda a: events.cancel_signup(a, current_user), _("Your place is freed.")
    )


@bp.post("/activities/<int:activity_id>/roster")
@login_required
def tick_off(activity_id: int):
    member_id = request.form.get("member_id", type=int)
    return _activity_act(
        activity_id,
        lambda a: events.tick_off(a, member_id, actor=current_user),
        _("Marked present."),
    )


@bp.post("/activities/<int:activity_id>/close")
@login_required
def close(activity_id: int):
    activity = events.visible_activity(activity_id, current_user)
    with refused():
        made, approved, not_approved = events.close_activity(activity, actor=current_user)
        if approved:
            flash(_("%(n)s members were awarded their points.", n=len(approved)), "success")
        waiting = len(made) - len(approved)
        if waiting:
            flash(_("%(n)s claims wait in the social workers' queue.", n=waiting), "success")
        for claim_id, error in not_approved.items():
            flash(
                _(
                    "Claim #%(id)s not approved: %(why)s",
                    id=claim_id,
                    why=translate_error(error.message),
                ),
                "error",
            )
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.get("/activities/<int:activity_id>/qr")
@login_required
def qr(activity_id: int):
    """The organiser's screen: a fresh check-in code, renewed every minute."""
    activity = events.visible_activity(activity_id, current_user)
    if not events.may_run(activity, current_user):
        abort(403)
    token = events.check_in_token(activity, actor=current_user)
    url = url_for("activities.check_in", token=token, _external=True)
    return render_template("activities/qr.html", activity=activity, svg=qr_svg(url), url=url)


@bp.route("/activities/check-in", methods=["GET", "POST"])
@login_required
def check_in():
    """Opened by scanning the organiser's code: one big button to confirm."""
    token = request.values.get("token", "")
    if request.method == "POST":
        with refused():
            signup = events.check_in(current_user, token)
            flash(_("You are checked in. Thank you for coming!"), "success")
            return redirect(url_for("activities.detail", activity_id=signup.activity_id))
    return render_template("activities/check_in.html", token=token)
