"""The community fund (反哺): its public page with CSV / Excel downloads (no sign-in); income
recorded by hosts and staff; a host's monthly settlement and the staff's confirmations; grant
requests from asking to paying; the rates (admins)."""

from __future__ import annotations

import io
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, FileField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from points import clock
from points.activities import services as evidence
from points.activities.models import Evidence
from points.errors import Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.fund import export, transparency
from points.fund import services as fund
from points.fund.models import Grant
from points.members.models import Community, Member
from points.programmes import services as programmes
from points.web.forms import attempt, refused
from points.web.labels import SERVICE_TIER_NAMES

bp = Blueprint("fund", __name__)

SOURCE_NAMES = {
    "session_fee": _l("Session fee"),
    "market_rent": _l("Market rent"),
    "sponsorship": _l("Sponsorship"),
}
METHOD_NAMES = {"cash": _l("Cash"), "transfer": _l("Bank or mobile transfer")}
PAYER_KIND_NAMES = {"resident": _l("A resident"), "unit": _l("A partner unit (共建单位)")}
BASIS_NAMES = {
    "low_fee": _l("低偿 Low fee"),
    "market": _l("市场 Market"),
    "sponsorship": _l("Sponsorship"),
}
GRANT_STATUS_NAMES = {
    "requested": _l("Waiting for approval"),
    "approved": _l("Approved, not yet paid"),
    "rejected": _l("Not approved"),
    "paid": _l("Paid"),
    "reversed": _l("Paid, then reversed"),
}
PAYMENT_STATUS_NAMES = {"declared": _l("Declared, not yet received"), "confirmed": _l("Received")}


def _choices(names) -> list[SelectChoice]:
    """Select options from (code, name) pairs (names stay lazy: shown in the reader's
    language)."""
    pairs = names.items() if isinstance(names, dict) else names
    return [SelectChoice(code, label) for code, label in pairs]


LINE_NAMES = {"income": _l("Income"), "reversal": _l("Reversal")}


def name_of(kind: str, code: str | None) -> str:
    """A source, tier, status or kind of line in the reader's language ("—" for none)."""
    if code is None:
        return "—"
    names = {
        "source": SOURCE_NAMES,
        "tier": SERVICE_TIER_NAMES,
        "status": GRANT_STATUS_NAMES,
        "line": LINE_NAMES,
    }[kind]
    return str(names.get(code, code))


def _day(moment) -> str:
    return "" if moment is None else f"{clock.local(moment):%Y-%m-%d}"


def _when(moment) -> str:
    return "" if moment is None else f"{clock.local(moment):%Y-%m-%d %H:%M}"


@bp.app_context_processor
def _money():
    return {"yuan": fund.yuan, "fund_day": _day, "fund_when": _when, "fund_name": name_of}


def _community_id() -> int:
    if current_user.community_id is None:
        abort(403)
    return current_user.community_id


# ---------------------------------------------------------------------------- public


@bp.get("/fund")
def public_index():
    """Every community's fund page (straight to one's own, or the only one)."""
    if current_user.is_authenticated and current_user.community_id is not None:
        return redirect(url_for("fund.public", community_id=current_user.community_id))
    communities = list(db.session.scalars(db.select(Community).order_by(Community.id)))
    if len(communities) == 1:
        return redirect(url_for("fund.public", community_id=communities[0].id))
    return render_template("fund/communities.html", communities=communities)


def _page_or_404(community_id: int):
    try:
        return programmes.fund_page(community_id)
    except NotFound:
        abort(404)


@bp.get("/communities/<int:community_id>/fund")
def public(community_id: int):
    """Open to everyone: the fund's balance, its income, every request, paid receipts, the
    programmes and their ratings."""
    return render_template("fund/public.html", page=_page_or_404(community_id))


INCOME_HEADINGS = (
    _l("Month"),
    _l("Source"),
    _l("Service tier"),
    _l("Entries"),
    _l("Amount (¥)"),
    _l("To the fund (¥)"),
    _l("Line"),
)
GRANT_HEADINGS = (
    _l("No."),
    _l("Purpose"),
    _l("Governance project"),
    _l("Amount (¥)"),
    _l("State"),
    _l("Requested"),
    _l("Approvals"),
    _l("Payable from"),
    _l("Paid"),
    _l("Reason"),
)
SPONSOR_HEADINGS = (_l("Month"), _l("Partner unit"), _l("Amount (¥)"))
PROGRAMME_HEADINGS = (
    _l("Programme"),
    _l("Service tier"),
    _l("Fee (¥)"),
    _l("Ratings"),
    _l("Average rating"),
)
SHEETS = {
    "income": (_l("Income"), INCOME_HEADINGS),
    "grants": (_l("Grants"), GRANT_HEADINGS),
    "sponsors": (_l("Sponsors"), SPONSOR_HEADINGS),
    "programmes": (_l("Programmes"), PROGRAMME_HEADINGS),
}


@bp.get("/communities/<int:community_id>/fund.<fmt>")
def public_export(community_id: int, fmt: str):
    """The page's tables as CSV (`table=income|grants|sponsors|programmes`) or one Excel
    workbook."""
    if fmt not in export.FORMATS:
        abort(404)
    page = _page_or_404(community_id)
    if fmt == "csv":
        table = request.args.get("table", "income")
        if table not in export.TABLES:
            abort(404)
        headings = [str(h) for h in SHEETS[table][1]]
        data = export.to_csv(headings, export.rows(page, table, name_of))
        filename = f"fund-{community_id}-{table}.csv"
    else:
        data = export.to_xlsx(
            {
                table: (
                    str(title),
                    [str(h) for h in headings],
                    export.rows(page, table, name_of),
                )
                for table, (title, headings) in SHEETS.items()
            }
        )
        filename = f"fund-{community_id}.xlsx"
    return send_file(
        io.BytesIO(data),
        mimetype=export.FORMATS[fmt],
        as_attachment=True,
        download_name=filename,
    )


def _photo(evidence_id: int):
    found = db.session.get(Evidence, evidence_id)
    try:
        data = evidence.evidence_path(found).read_bytes()
    except OSError:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=found.content_type)


@bp.get("/communities/<int:community_id>/fund/grants/<int:grant_id>/receipt")
def public_receipt(community_id: int, grant_id: int):
    """A paid grant's receipt, as uploaded (metadata stripped at upload)."""
    try:
        evidence_id = transparency.public_receipt(community_id, grant_id)
    except NotFound:
        abort(404)
    return _photo(evidence_id)


# ---------------------------------------------------------------------------- income


class IncomeForm(FlaskForm):
    source = SelectField(_l("Kind of income"), choices=_choices(SOURCE_NAMES))
    tier = SelectField(
        _l("Service tier"),
        choices=_choices(
            [
                ("", _l("None (sponsorship)")),
                ("low_fee", _l("低偿 Low fee")),
                ("market", _l("市场 Market")),
            ]
        ),
    )
    amount = StringField(_l("Amount in yuan, e.g. 120.50"))
    collector_id = SelectField(_l("Collected by"), validate_choice=False)
    payer_kind = SelectField(_l("Paid by"), choices=_choices(PAYER_KIND_NAMES))
    payer_name = StringField(_l("Payer's name or unit (never shown publicly for a resident)"))
    payer_phone = StringField(_l("Payer's phone (optional, never shown publicly)"))
    method = SelectField(_l("Paid by cash or transfer"), choices=_choices(METHOD_NAMES))
    reference = StringField(_l("Transfer reference or receipt number (optional)"))
    paid_on = DateField(_l("Day paid"))
    booking_id = StringField(_l("Booking number, for market rent (optional)"))
    subject = StringField(_l("What it pays for, e.g. a session (optional)"))
    idempotency_key = HiddenField()


def _whole(value):
    """A number typed or chosen on the form as the service should see it (text it refuses)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else value


def _collectors(community_id: int) -> list[Member]:
    if not fund.is_staff_of(current_user, community_id):
        return [current_user]
    found = db.session.scalars(
        db.select(Member)
        .where(Member.community_id == community_id, Member.status == "active")
        .order_by(Member.id)
    )
    return [m for m in found if fund.may_record_income(m, community_id)]


@bp.route("/fund/income", methods=["GET", "POST"])
@login_required
def income():
    community_id = _community_id()
    if not fund.may_record_income(current_user, community_id):
        abort(403)
    form = IncomeForm()
    form.collector_id.choices = _choices([(str(m.id), m.name) for m in _collectors(community_id)])
    status = 200
    if request.method == "GET":
        form.paid_on.data = clock.today()
        form.collector_id.data = str(current_user.id)
        form.idempotency_key.data = secrets.token_hex(16)
    elif form.validate_on_submit():
        with refused(form):
            booking = (form.booking_id.data or "").strip()
            fund.record_income(
                current_user,
                community_id=community_id,
                source=form.source.data,
                tier=form.tier.data or None,
                amount_fen=fund.parse_yuan(form.amount.data),
                collector_id=_whole(form.collector_id.data),
                payer_kind=form.payer_kind.data,
                payer_name=form.payer_name.data,
                payer_phone=form.payer_phone.data,
                method=form.method.data,
                reference=form.reference.data,
                paid_on=form.paid_on.data,
                booking_id=_whole(booking) if booking else None,
                subject=form.subject.data,
                idempotency_key=form.idempotency_key.data or secrets.token_hex(16),
            )
            flash(_("Income recorded; the fund's share is set aside."), "success")
            return redirect(url_for("fund.income"))
        status = 422
    else:
        if form.paid_on.errors:
            form.paid_on.errors = [_("Enter a date like 2026-05-01.")]
        flash(_("Please correct the marked fields and try again."), "error")
        status = 422
    staff = fund.is_staff_of(current_user, community_id)
    entries = fund.income_of(community_id, collector_id=None if staff else current_user.id)
    return render_template(
        "fund/income.html", form=form, entries=entries[:100], staff=staff
    ), status


def _visible_entry(entry_id: int):
    """Staff of the entry's community and its collector see it; anyone else a 404."""
    try:
        entry = fund.get_income(entry_id)
    except NotFound:
        abort(404)
    if entry.collector_id != current_user.id and not fund.is_staff_of(
        current_user, entry.community_id
    ):
        abort(404)
    return entry


@bp.get("/fund/income/<int:entry_id>")
@login_required
def income_entry(entry_id: int):
    """One income entry: what, when, who recorded it, its share; staff may reverse it."""
    entry = _visible_entry(entry_id)
    ids = {entry.collector_id, entry.recorded_by}
    if entry.reversal is not None:
        ids.add(entry.reversal.reversed_by)
    names = {i: db.session.get(Member, i).name for i in ids}
    return render_template(
        "fund/income_entry.html",
        entry=entry,
        names=names,
        may_reverse=fund.may_reverse_income(current_user, entry),
    )


@bp.post("/fund/income/<int:entry_id>/reverse")
@login_required
def reverse_income(entry_id: int):
    _visible_entry(entry_id)
    attempt(
        lambda: fund.reverse_income(
            current_user, entry_id, reason=request.form.get("reason", "")
        ),
        _("Reversed: the income and its share to the fund are undone."),
    )
    return redirect(url_for("fund.income_entry", entry_id=entry_id))


# ---------------------------------------------------------------------------- settlements


def _month_arg() -> str:
    month = request.args.get("month", "").strip()
    try:
        return fund.month_of(month)
    except InvalidInput:
        return f"{clock.today():%Y-%m}"


def _months(month: str) -> list[str]:
    """This month and the five before it, newest first, for the month links."""
    year, number = map(int, month.split("-"))
    found = []
    for _i in range(6):
        found.append(f"{year:04d}-{number:02d}")
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return found


class DeclareForm(FlaskForm):
    month = HiddenField()
    amount = StringField(_l("Amount handed over, in yuan"))
    method = SelectField(_l("Handed over by"), choices=_choices(METHOD_NAMES))
    reference = StringField(_l("Transfer reference (optional)"))


@bp.route("/fund/settlement", methods=["GET", "POST"])
@login_required
def my_settlement():
    """A host's month: collected, owed to the fund, handed over, outstanding; declare a
    hand-over for staff to confirm."""
    community_id = _community_id()
    if not fund.may_record_income(current_user, community_id):
        abort(403)
    month = _month_arg() if request.method == "GET" else request.form.get("month", "")
    form = DeclareForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        with refused(form):
            fund.declare_payment(
                current_user,
                month=form.month.data,
                amount_fen=fund.parse_yuan(form.amount.data),
                method=form.method.data,
                reference=form.reference.data,
            )
            flash(_("Sent: staff confirm when they have received it."), "success")
            return redirect(url_for("fund.my_settlement", month=form.month.data))
        status = 422
    try:
        month = fund.month_of(month)
    except InvalidInput:
        month = f"{clock.today():%Y-%m}"
    form.month.data = month
    return render_template(
        "fund/my_settlement.html",
        form=form,
        month=month,
        months=_months(f"{clock.today():%Y-%m}"),
        settlement=fund.settlement(community_id, current_user.id, month),
        payments=fund.payments_of(community_id, collector_id=current_user.id),
        entries=fund.income_of(community_id, collector_id=current_user.id, month=month),
        status_names=PAYMENT_STATUS_NAMES,
    ), status


@bp.get("/fund/settlements")
@login_required
def settlements():
    """Staff: each host's month, and the hand-overs waiting for confirmation."""
    community_id = _community_id()
    if not fund.is_staff_of(current_user, community_id):
        abort(403)
    month = _month_arg()
    names = {
        m.id: m.name
        for m in db.session.scalars(db.select(Member).where(Member.community_id == community_id))
    }
    return render_template(
        "fund/settlements.html",
        month=month,
        months=_months(f"{clock.today():%Y-%m}"),
        rows=fund.settlements(community_id, month),
        waiting=fund.payments_of(community_id, status="declared"),
        names=names,
    )


@bp.post("/fund/settlements/<int:payment_id>/confirm")
@login_required
def confirm(payment_id: int):
    attempt(
        lambda: fund.confirm_payment(current_user, payment_id),
        _("Confirmed: the money is in the fund."),
    )
    return redirect(url_for("fund.settlements", month=request.form.get("month", "")))


# ---------------------------------------------------------------------------- grants


class GrantForm(FlaskForm):
    purpose = StringField(_l("Purpose"))
    project = StringField(_l("Governance project it serves"))
    amount = StringField(_l("Amount in yuan"))
    receipt = FileField(
        _l("Receipt or quotation photo (JPEG or PNG; cover phone numbers and ID numbers first)")
    )


@bp.route("/fund/grants", methods=["GET", "POST"])
@login_required
def grants():
    community_id = _community_id()
    if not fund.may_request_grant(current_user, community_id):
        abort(403)
    form = GrantForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        with refused(form):
            receipt = None
            if form.receipt.data:
                receipt = evidence.save_evidence(current_user, form.receipt.data.read()).id
            grant = fund.request_grant(
                current_user,
                purpose=form.purpose.data,
                project=form.project.data,
                amount_fen=fund.parse_yuan(form.amount.data),
                receipt_evidence_id=receipt,
            )
            flash(_("Request sent: two staff members other than you decide it."), "success")
            return redirect(url_for("fund.grant", grant_id=grant.id))
        status = 422
    return render_template(
        "fund/grants.html",
        form=form,
        grants=fund.grants_of(community_id),
        balance=fund.fund_balance(community_id),
    ), status


def _visible_grant(grant_id: int) -> Grant:
    try:
        grant = fund.get_grant(grant_id)
    except NotFound:
        abort(404)
    if grant.community_id != current_user.community_id and not current_user.has_role("admin"):
        abort(404)
    return grant


@bp.get("/fund/grants/<int:grant_id>")
@login_required
def grant(grant_id: int):
    found = _visible_grant(grant_id)
    names = {
        m.id: m.name
        for m in db.session.scalars(
            db.select(Member).where(Member.community_id == found.community_id)
        )
    }
    return render_template(
        "fund/grant.html",
        grant=found,
        names=names,
        may_decide=fund.may_decide_grant(current_user, found)
        and found.status == "requested"
        and all(a.approver_id != current_user.id for a in found.approvals),
        may_reject=fund.may_decide_grant(current_user, found)
        and found.status in ("requested", "approved"),
        may_pay=fund.may_pay_grant(current_user, found),
        may_reverse=fund.is_staff_of(current_user, found.community_id) and found.status == "paid",
        in_window=fund.in_public_window(found),
        status_names=GRANT_STATUS_NAMES,
    )


@bp.get("/fund/grants/<int:grant_id>/receipt")
@login_required
def receipt(grant_id: int):
    found = _visible_grant(grant_id)
    if found.receipt_evidence_id is None:
        abort(404)
    return _photo(found.receipt_evidence_id)


ACTIONS = {
    "approve": (lambda g: fund.approve_grant(current_user, g), _l("Approved.")),
    "pay": (lambda g: fund.pay_grant(current_user, g), _l("Paid from the fund.")),
}


@bp.post("/fund/grants/<int:grant_id>/<action>")
@login_required
def grant_action(grant_id: int, action: str):
    _visible_grant(grant_id)
    reason = request.form.get("reason", "")
    if action == "reject":
        attempt(lambda: fund.reject_grant(current_user, grant_id, reason=reason), _("Rejected."))
    elif action == "reverse":
        attempt(
            lambda: fund.reverse_grant(current_user, grant_id, reason=reason),
            _("Reversed: the money is back in the fund."),
        )
    elif action in ACTIONS:
        act, said = ACTIONS[action]
        attempt(lambda: act(grant_id), str(said))
    else:
        abort(404)
    return redirect(url_for("fund.grant", grant_id=grant_id))


# ---------------------------------------------------------------------------- rates


class RateForm(FlaskForm):
    basis = SelectField(_l("For"), choices=_choices(BASIS_NAMES))
    percent = StringField(_l("Share to the fund, in per cent (e.g. 20)"))
    starts_on = DateField(_l("Applies to money paid from"))


@bp.route("/fund/rates", methods=["GET", "POST"])
@login_required
def rates():
    community_id = _community_id()
    if not fund.is_staff_of(current_user, community_id):
        abort(403)
    form = RateForm()
    status = 200
    if request.method == "GET":
        form.starts_on.data = clock.today()
    elif form.validate_on_submit():
        with refused(form):
            if not current_user.has_role("admin"):
                raise Forbidden(fund.M.ADMIN_ONLY)
            fund.set_rate(
                current_user,
                community_id,
                basis=form.basis.data,
                rate_bp=fund.percent_to_bp(form.percent.data, "percent"),
                starts_on=form.starts_on.data,
            )
            flash(_("The new rate is saved; it applies from its first day."), "success")
            return redirect(url_for("fund.rates"))
        status = 422
    else:
        if form.starts_on.errors:
            form.starts_on.errors = [_("Enter a date like 2026-05-01.")]
        flash(_("Please correct the marked fields and try again."), "error")
        status = 422
    today = clock.today()
    return render_template(
        "fund/rates.html",
        form=form,
        rates=fund.rates_of(community_id),
        in_force={b: fund.rate_in_force(community_id, b, today) for b in BASIS_NAMES},
        basis_names=BASIS_NAMES,
        admin=current_user.has_role("admin"),
    ), status
