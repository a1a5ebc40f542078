"""Spending pages: the benefits on offer, redeeming one, my vouchers with their QR code, and
the merchant's counter (核销) with today's confirmations and the monthly statement."""

from __future__ import annotations

import io
import secrets
from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
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
from wtforms import HiddenField, SelectField, StringField

from points import clock
from points.errors import IdempotencyConflict, NotFound, PointsError
from points.extensions import limit_wrong_codes
from points.headers import camera_allowed
from points.marketplace import export
from points.marketplace import services as market
from points.marketplace.models import CATEGORIES, HOST_CATEGORIES
from points.web import elder
from points.web.forms import attempt, query_number, refused, show_error
from points.web.labels import VOUCHER_STATUS_NAMES, locale
from points.web.qr import qr_svg

bp = Blueprint("market", __name__)

QUANTITIES = (1, 2, 3)
VOUCHERS_PER_PAGE = 20


# ---------------------------------------------------------------------------- benefits


@bp.get("/benefits")
def benefit_list():
    """Open to visitors: results first under a row of category chips, the other filters
    folded away, 20 a page; "I can afford it now" needs a signed-in member, the host-only
    filters a host."""
    member = current_user if current_user.is_authenticated else None
    host = member is not None and member.level == "host"
    filters = {
        "category": request.args.get("category", ""),
        "provider_id": query_number("provider_id"),
        "affordable": member is not None and bool(request.args.get("affordable")),
        "host_only": host and bool(request.args.get("host_only")),
        "q": request.args.get("q", "").strip()[:80],
    }
    found = market.benefit_page(
        member,
        page=1 if query_number("page") is None else query_number("page"),
        category=filters["category"] or None,
        provider_id=filters["provider_id"],
        affordable=filters["affordable"],
        host_only=filters["host_only"],
        search=filters["q"] or None,
        per_page=elder.page_size(market.BENEFITS_PER_PAGE),
    )
    # What the page links keep: the filters in use, never the empty ones.
    kept = {name: "1" if value is True else value for name, value in filters.items() if value}
    return render_template(
        "market/benefits.html",
        found=found,
        filters=filters,
        kept=kept,
        uncategorised={name: value for name, value in kept.items() if name != "category"},
        host=host,
        categories=[c for c in CATEGORIES if host or c not in HOST_CATEGORIES],
        providers=[p for p in market.providers() if p.active],
        available=_available(member),
        offers=market.offers(member, found.items) if member is not None else {},
    )


def _available(member) -> int | None:
    return None if member is None else market.spendable(member)


class RedeemForm(FlaskForm):
    quantity = SelectField(
        _l("How many"), coerce=int, choices=[str(n) for n in QUANTITIES], default=1
    )
    # A token made when the page is drawn: the same form sent twice makes one voucher.
    key = HiddenField()


@bp.get("/benefits/<int:benefit_id>")
def benefit(benefit_id: int):
    found = market.get_benefit(benefit_id)
    form, most = None, 0
    if current_user.is_authenticated and market.may_redeem(current_user, found):
        form = RedeemForm(key=secrets.token_hex(16))
        most = min(QUANTITIES[-1], market.most_redeemable(current_user, found))
        form.quantity.choices = [str(n) for n in QUANTITIES if n <= most]
    return render_template(
        "market/benefit.html",
        benefit=found,
        form=form,
        most=most,
        available=_available(current_user if current_user.is_authenticated else None),
    )


@bp.post("/benefits/<int:benefit_id>/redeem")
@login_required
def redeem(benefit_id: int):
    form = RedeemForm()
    back = redirect(url_for("market.benefit", benefit_id=benefit_id))
    if not form.validate_on_submit():
        flash(_("Choose how many, then press Redeem again."), "error")
        return back
    with refused(show=False) as refusal:
        voucher = market.redeem(
            current_user,
            benefit_id=benefit_id,
            quantity=form.quantity.data,
            idempotency_key=form.key.data or None,
        )
        flash(_("Redeemed. Show this code at the counter to use it."), "success")
        return redirect(url_for("market.voucher", redemption_id=voucher.id))
    if isinstance(refusal.error, IdempotencyConflict):
        # The same page sent again with other choices (the back button): start afresh.
        flash(_("This form was already sent. Check My vouchers, then try again."), "error")
    else:
        show_error(None, refusal.error)
    return back


# ---------------------------------------------------------------------------- my vouchers


@bp.get("/me/vouchers")
@login_required
def vouchers():
    shown = elder.page_of(market.vouchers_of(current_user), VOUCHERS_PER_PAGE)
    return render_template(
        "market/vouchers.html",
        vouchers=shown.items,
        shown=shown,
        now=clock.now(),
    )


@bp.get("/me/vouchers/<int:redemption_id>")
@login_required
def voucher(redemption_id: int):
    """The QR code and the code first; the shop, its address and hours; cancelling last."""
    found = market.own_redemption(redemption_id, current_user)
    now = clock.now()
    usable = found.status_at(now) == "held"
    svg = None
    if usable:
        svg = qr_svg(found.code)
    return render_template("market/voucher.html", voucher=found, svg=svg, usable=usable, now=now)


@bp.get("/me/vouchers/<int:redemption_id>/status")
def voucher_status(redemption_id: int):
    """What static/voucher.js asks every few seconds while the QR code is shown: the
    voucher's status and its name, for its owner only (another's is not found)."""
    if not current_user.is_authenticated:
        return jsonify(status="unauthorised"), 401
    try:
        found = market.own_redemption(redemption_id, current_user)
    except NotFound:
        return jsonify(status="not_found"), 404
    now = clock.now()
    shown = found.status_at(now)
    fields = dict(id=found.id, status=shown, label=str(VOUCHER_STATUS_NAMES[shown]))
    until = market.undo_until(found)
    if until is not None and now <= until:
        # The shop may still undo (撤销) for this many seconds: the page keeps asking until
        # then (counted on the phone's own clock from the answer, whatever time it shows).
        fields["undo_seconds"] = max(1, int((until - now).total_seconds()))
    answer = jsonify(**fields)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@bp.post("/me/vouchers/<int:redemption_id>/cancel")
@login_required
def cancel(redemption_id: int):
    found = market.own_redemption(redemption_id, current_user)
    attempt(
        lambda: market.cancel(found, member=current_user),
        _("Voucher cancelled. Its points are yours to use again."),
    )
    return redirect(url_for("market.voucher", redemption_id=redemption_id))


# ---------------------------------------------------------------------------- the counter


class ConfirmForm(FlaskForm):
    code = StringField(
        _l("Voucher code"),
        render_kw={
            "autofocus": True,
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "class": "code-input",
            "placeholder": "ABC-DEF-GHJ",
        },
    )


def _counter() -> list[int]:
    """The providers whose vouchers the signed-in member confirms; none → 403."""
    ids = market.counter_providers(current_user)
    if not ids:
        abort(403)
    return ids


def _counter_names(ids: list[int]) -> list[str]:
    return [p.name(locale()) for p in market.providers() if p.id in ids]


def _counter_page(form: ConfirmForm, ids: list[int], status: int = 200):
    return render_template(
        "market/merchant.html",
        form=form,
        providers=_counter_names(ids),
        confirmed=market.confirmed_on(ids, clock.today()),
        masked=market.masked_name,
        undo_until=market.undo_until,
        now=clock.now(),
        code_alphabet=market.CODE_ALPHABET,
        code_length=market.CODE_LENGTH,
    ), status


@bp.get("/merchant")
@camera_allowed  # static/scan.js reads vouchers' QR codes with the camera
@login_required
def merchant():
    return _counter_page(ConfirmForm(), _counter())


@bp.post("/merchant/preview")
@camera_allowed  # a refused code shows the counter again, scanning included
@limit_wrong_codes
@login_required
def preview():
    """A typed or scanned code: what the voucher is, and 确认核销. Changes nothing."""
    ids = _counter()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _counter_page(form, ids, 400)
    with refused(form) as refusal:
        found = market.preview(form.code.data, staff=current_user)
        return render_template(
            "market/counter_preview.html", voucher=found, masked=market.masked_name
        )
    if refusal.error.status == 409:  # nothing to correct: clear the box for the next customer
        form.code.data = ""
    return _counter_page(form, ids, refusal.error.status)


@bp.post("/merchant/confirm")
@camera_allowed  # a refused code shows the counter again, scanning included
@limit_wrong_codes
@login_required
def confirm():
    ids = _counter()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _counter_page(form, ids, 400)
    with refused(form) as refusal:
        done = market.confirm(form.code.data, staff=current_user)
        return redirect(url_for("market.counter_done", redemption_id=done.id))
    if refusal.error.status == 409:
        form.code.data = ""
    return _counter_page(form, ids, refusal.error.status)


@bp.get("/merchant/vouchers/<int:redemption_id>")
@login_required
def counter_done(redemption_id: int):
    """After 确认核销: a large tick, what was confirmed, and 撤销 while it may be undone."""
    found = market.counter_redemption(redemption_id, staff=current_user)
    return render_template(
        "market/counter_done.html",
        voucher=found,
        masked=market.masked_name,
        undo_until=market.undo_until(found),
        undo_minutes=market.undo_minutes(),
        undone=found.status != "confirmed" and bool(market.undos_of(found)),
        now=clock.now(),
    )


@bp.post("/merchant/vouchers/<int:redemption_id>/undo")
@login_required
def undo(redemption_id: int):
    found = market.counter_redemption(redemption_id, staff=current_user)
    done = attempt(
        lambda: market.undo_confirmation(found, staff=current_user),
        _("Undone: the voucher can be used again and its points are held for it."),
    )
    if not done:
        return redirect(url_for("market.counter_done", redemption_id=redemption_id))
    return redirect(url_for("market.merchant"))


# ---------------------------------------------------------------------------- statement


def _month() -> str:
    """The month asked for; a malformed one is reported and the current month shown."""
    current = clock.today().strftime("%Y-%m")
    month = request.args.get("month", "").strip()
    if not month:
        return current
    try:
        market.month_bounds(month)
    except PointsError as error:
        show_error(None, error)
        return current
    return month


def _shift(month: str, months: int) -> str:
    first = date(int(month[:4]), int(month[5:]), 1)
    if months < 0:
        return (first - timedelta(days=1)).strftime("%Y-%m")
    return (first + timedelta(days=32)).strftime("%Y-%m")


@bp.get("/merchant/statement")
@login_required
def statement():
    ids = _counter()
    month = _month()
    lines, rows = market.month_statement(ids, month)
    return render_template(
        "market/statement.html",
        month=month,
        previous=_shift(month, -1),
        following=_shift(month, 1),
        lines=lines,
        vouchers=rows,
        providers=_counter_names(ids),
        masked=market.masked_name,
        now=clock.now(),
    )


def _headers() -> list[str]:
    return [
        _("Code"),
        _("Benefit"),
        _("Member"),
        _("Quantity"),
        _("Points"),
        _("Status"),
        _("Issued at"),
        _("Confirmed at"),
        _("Ended at"),
    ]


def _send_statement(fmt: str):
    ids = _counter()
    # A file cannot carry the page's note, so a malformed month is refused (422 naming it)
    # rather than quietly exported as this month's.
    month = request.args.get("month", "").strip() or market.local_today().strftime("%Y-%m")
    market.month_bounds(month)
    made = export.statement_file(
        ids,
        month,
        fmt,
        locale=locale(),
        headings=_headers(),
        status_names=VOUCHER_STATUS_NAMES,
    )
    return send_file(
        io.BytesIO(made.data),
        mimetype=made.mimetype,
        as_attachment=True,
        download_name=made.filename,
    )


@bp.get("/merchant/statement.csv")
@login_required
def statement_csv():
    return _send_statement("csv")


@bp.get("/merchant/statement.xlsx")
@login_required
def statement_xlsx():
    return _send_statement("xlsx")
