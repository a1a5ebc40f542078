"""代办 pages: a resident names and withdraws helpers (/me/helpers); a helper acts for a
resident (/helping/<resident>/…); a social worker at the counter acts for a resident who came
in person (/counter/helping).

Who is being helped is in the address of every page that acts for them, never in a hidden
session flag: the helper's own pages (/me/…, /benefits) stay their own in any other tab, and
each request asks `helpers.may_act_for` (or, at the counter, the visit below) afresh, so a
grant withdrawn a moment ago refuses the very next page. The counter's visit is the one thing
kept in the session — which resident, which social worker, since when — because it has no
grant row to look up; it lasts COUNTER_VISIT_MINUTES or until 结束代办, and every request
checks it again against the social worker's community.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, widgets

from points import clock
from points.activities import services as claims
from points.errors import Forbidden, IdempotencyConflict, InvalidInput
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import helpers
from points.members import messages as MM
from points.members import services as members
from points.members.models import HELPER_SCOPES, Member
from points.spaces import services as spaces
from points.web import spaces as space_pages
from points.web import wallet as wallet_lines
from points.web.earning import ClaimForm, _type_choices
from points.web.forms import attempt, query_number, refused, show_error
from points.web.labels import HELPER_SCOPE_NAMES
from points.web.market import QUANTITIES, RedeemForm
from points.web.qr import qr_svg
from points.web.staff import staff_required

bp = Blueprint("helping", __name__)

COUNTER_VISIT_MINUTES = 60
VISIT = "counter_visit"

SCOPE_LABELS = HELPER_SCOPE_NAMES


class Acting:
    """Whom the signed-in member is acting for on this page, and how (helper or counter)."""

    def __init__(self, resident: Member, *, grant=None, counter: bool = False):
        self.resident = resident
        self.grant = grant
        self.counter = counter

    def may(self, scope: str) -> bool:
        return self.counter or (self.grant is not None and self.grant.allows(scope))

    @property
    def scopes(self) -> tuple[str, ...]:
        return HELPER_SCOPES if self.counter else self.grant.scopes


def _visit_resident() -> int | None:
    """The resident of this social worker's counter visit, while it lasts."""
    visit = session.get(VISIT)
    if not isinstance(visit, dict) or visit.get("staff") != current_user.id:
        return None
    try:
        started = datetime.fromisoformat(visit["started"])
    except (KeyError, TypeError, ValueError):
        return None
    if clock.now() - started > timedelta(minutes=COUNTER_VISIT_MINUTES):
        session.pop(VISIT, None)
        return None
    return visit.get("resident")


def _acting(resident_id: int, scope: str | None = None) -> Acting:
    """The acting-for state of this request, checked now; refused (403) outside it."""
    resident = members.get_member(resident_id)
    if _visit_resident() == resident.id and helpers.may_act_at_counter(current_user, resident):
        return Acting(resident, counter=True)
    grant = helpers.live_grant(current_user, resident)
    if grant is None or (scope is not None and not grant.allows(scope)):
        raise Forbidden(MM.HELPER_NOT_GRANTED, name=resident.name, scope=scope or "")
    return Acting(resident, grant=grant)


def _page(template: str, acting: Acting, **context):
    return render_template(template, acting=acting, scope_labels=SCOPE_LABELS, **context)


# ---------------------------------------------------------------------------- the resident


class GrantForm(FlaskForm):
    helper_phone = StringField(
        _l("Your helper's mobile number"), render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    scopes = SelectMultipleField(
        _l("What they may do for you"),
        validate_choice=False,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        render_kw={"class": "scopes"},
    )
    ends_on = DateField(_l("Last day they may act for you"))


@bp.route("/me/helpers", methods=["GET", "POST"])
@login_required
def mine():
    """My helpers (代办人): who may act for me, withdraw; name a new one. Also the people I
    help."""
    form = _grant_form()
    status = 200
    if request.method == "POST":
        with refused(form):
            if form.ends_on.raw_data and form.ends_on.data is None:
                raise InvalidInput(MM.HELPER_END_NEEDED, field="ends_on")
            grant = helpers.grant_helper(
                current_user,
                helper_phone=form.helper_phone.data,
                scopes=form.scopes.data or [],
                ends_on=form.ends_on.data,
                granted_by=current_user,
            )
            flash(_("%(name)s is now your helper.", name=grant.helper.name), "success")
            return redirect(url_for("helping.mine"))
        status = 422
    return render_template(
        "helping/mine.html",
        form=form,
        grants=helpers.helpers_of(current_user),
        helping=helpers.helped_by(current_user),
        scope_labels=SCOPE_LABELS,
    ), status


@bp.post("/me/helpers/<int:grant_id>/withdraw")
@login_required
def withdraw(grant_id: int):
    grant = helpers.visible_grant(grant_id, current_user)
    attempt(
        lambda: helpers.withdraw_grant(grant, actor=current_user),
        _("Withdrawn: %(name)s can no longer act for you.", name=grant.helper.name),
    )
    if current_user.id != grant.resident_id:
        return redirect(url_for("helping.counter", phone=grant.resident.phone))
    return redirect(url_for("helping.mine"))


# ---------------------------------------------------------------------------- acting


@bp.get("/helping/<int:resident_id>")
@login_required
def home(resident_id: int):
    acting = _acting(resident_id)
    return _page(
        "helping/home.html",
        acting,
        spendable=market.spendable(acting.resident) if acting.may("balance") else None,
        waiting=market.waiting_vouchers(acting.resident) if acting.may("redeem") else [],
    )


@bp.post("/helping/end")
@login_required
def end():
    """结束代办: back to the helper's own home (a counter visit ends here)."""
    session.pop(VISIT, None)
    flash(_("You are no longer acting for anyone."), "success")
    return redirect(url_for("home.index"))


@bp.get("/helping/<int:resident_id>/statement")
@login_required
def statement(resident_id: int):
    acting = _acting(resident_id, "balance")
    resident = acting.resident
    try:
        page = ledger.wallet_statement(
            resident.id, cursor=request.args.get("cursor"), limit=30
        )
    except InvalidInput:
        abort(404)
    return _page(
        "activities/statement.html",
        acting,
        page=page,
        behind=claims.claims_for_transfers(i.transfer_id for i in page.items),
        vouchers=market.vouchers_by_transfer(i.transfer_id for i in page.items),
        spendable=market.spendable(resident),
        held=[] if request.args.get("cursor") else wallet_lines.held_lines(resident),
        older=lambda cursor: url_for("helping.statement", resident_id=resident.id, cursor=cursor),
        voucher_href=lambda voucher: url_for(
            "helping.voucher", resident_id=resident.id, redemption_id=voucher.id
        ),
    )


@bp.route("/helping/<int:resident_id>/claims/new", methods=["GET", "POST"])
@login_required
def new_claim(resident_id: int):
    acting = _acting(resident_id, "claim")
    resident = acting.resident
    form = ClaimForm()
    form.activity_type.choices = _type_choices(resident)
    if request.method == "GET":
        form.occurred_on.data = clock.today()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refused(form):
                photo = None
                if form.photo.data:
                    # The photo is evidence of the resident's work: it is theirs.
                    photo = claims.save_evidence(resident, form.photo.data.read()).token
                claims.submit_claim(
                    resident,
                    activity_type=form.activity_type.data or None,
                    occurred_on=form.occurred_on.data,
                    quantity=form.quantity.data,
                    note=form.note.data,
                    photo=photo,
                    actor=current_user,
                    counter=acting.counter,
                )
                flash(
                    _(
                        "Claim sent for %(name)s. A social worker will review it.",
                        name=resident.name,
                    ),
                    "success",
                )
                return redirect(url_for("helping.home", resident_id=resident.id))
            status = 422
        else:
            flash(_("Please correct the marked fields and try again."), "error")
            status = 422
    return _page("activities/claim_form.html", acting, form=form), status


@bp.get("/helping/<int:resident_id>/benefits")
@login_required
def benefits(resident_id: int):
    acting = _acting(resident_id, "redeem")
    found = market.benefit_page(
        acting.resident,
        page=1 if query_number("page") is None else query_number("page"),
        affordable=True,
    )
    return _page(
        "helping/benefits.html",
        acting,
        found=found,
        available=market.spendable(acting.resident),
    )


@bp.get("/helping/<int:resident_id>/benefits/<int:benefit_id>")
@login_required
def benefit(resident_id: int, benefit_id: int):
    acting = _acting(resident_id, "redeem")
    found = market.get_benefit(benefit_id)
    form, most = None, 0
    if market.may_redeem(acting.resident, found):
        form = RedeemForm(key=secrets.token_hex(16))
        most = min(QUANTITIES[-1], market.most_redeemable(acting.resident, found))
        form.quantity.choices = [str(n) for n in QUANTITIES if n <= most]
    return _page(
        "helping/benefit.html",
        acting,
        benefit=found,
        form=form,
        most=most,
        available=market.spendable(acting.resident),
    )


@bp.post("/helping/<int:resident_id>/benefits/<int:benefit_id>/redeem")
@login_required
def redeem(resident_id: int, benefit_id: int):
    acting = _acting(resident_id, "redeem")
    form = RedeemForm()
    back = redirect(url_for("helping.benefit", resident_id=resident_id, benefit_id=benefit_id))
    if not form.validate_on_submit():
        flash(_("Choose how many, then press Redeem again."), "error")
        return back
    with refused(show=False) as refusal:
        voucher = market.redeem(
            acting.resident,
            benefit_id=benefit_id,
            quantity=form.quantity.data,
            idempotency_key=form.key.data or None,
            actor=current_user,
            counter=acting.counter,
        )
        flash(
            _(
                "Redeemed for %(name)s. The voucher is theirs: show it at the counter.",
                name=acting.resident.name,
            ),
            "success",
        )
        return redirect(
            url_for("helping.voucher", resident_id=resident_id, redemption_id=voucher.id)
        )
    if isinstance(refusal.error, IdempotencyConflict):
        flash(_("This form was already sent. Check My vouchers, then try again."), "error")
    else:
        show_error(None, refusal.error)
    return back


@bp.get("/helping/<int:resident_id>/vouchers/<int:redemption_id>")
@login_required
def voucher(resident_id: int, redemption_id: int):
    """The resident's voucher, shown to the helper while acting (to show at the counter)."""
    acting = _acting(resident_id, "redeem")
    found = market.own_redemption(redemption_id, acting.resident)
    now = clock.now()
    usable = found.status_at(now) == "held"
    return _page(
        "helping/voucher.html",
        acting,
        voucher=found,
        svg=qr_svg(found.code) if usable else None,
        usable=usable,
        now=now,
    )


@bp.post("/helping/<int:resident_id>/vouchers/<int:redemption_id>/cancel")
@login_required
def cancel_voucher(resident_id: int, redemption_id: int):
    """Give the resident's unused voucher back for them: their points and the stock return."""
    acting = _acting(resident_id, "redeem")
    found = market.own_redemption(redemption_id, acting.resident)
    attempt(
        lambda: market.cancel(
            found, member=acting.resident, actor=current_user, counter=acting.counter
        ),
        _(
            "Voucher cancelled for %(name)s. Its points are theirs to use again.",
            name=acting.resident.name,
        ),
    )
    return redirect(url_for("helping.voucher", resident_id=resident_id, redemption_id=found.id))


# ---------------------------------------------------------------------------- space


@bp.get("/helping/<int:resident_id>/spaces")
@login_required
def space_list(resident_id: int):
    """The spaces the resident may book, each opening the booking form for them."""
    acting = _acting(resident_id, "book")
    return _page(
        "helping/spaces.html",
        acting,
        spaces=[s for s in spaces.spaces() if spaces.may_book(acting.resident, s)],
        bookings=spaces.bookings_of(acting.resident, limit=10),
        now=clock.now(),
    )


@bp.route("/helping/<int:resident_id>/spaces/<int:space_id>/book", methods=["GET", "POST"])
@login_required
def book(resident_id: int, space_id: int):
    """Book a space for the resident: their level, quota and points, once (a weekly series
    and the waiting list stay the resident's own)."""
    acting = _acting(resident_id, "book")
    resident = acting.resident
    space = spaces.get_space(space_id)
    form = space_pages.book_form(space)
    status = 200
    if request.method == "GET":
        space_pages.prefill(space, form)
    elif form.validate_on_submit():
        with refused(form):
            made = spaces.book(
                resident,
                **space_pages.request_fields(space, form),
                actor=current_user,
                counter=acting.counter,
            )
            flash(
                _("Booked for %(name)s.", name=resident.name)
                + " "
                + space_pages.booked_message(made),
                "success",
            )
            return redirect(url_for("helping.space_list", resident_id=resident.id))
        status = 422
    else:
        flash(_("Please correct the marked fields and try again."), "error")
        status = 422
    context = space_pages.form_context(space, form, resident)
    return _page("spaces/book.html", acting, **context), status


# ---------------------------------------------------------------------------- the counter


@bp.route("/counter/helping", methods=["GET", "POST"])
@staff_required
def counter():
    """A social worker finds a resident who came in person, by mobile number, and acts for
    them for this visit (柜台代办，本人到场); the resident's helpers are listed, to withdraw."""
    phone = (request.form.get("phone") or request.args.get("phone") or "").strip()
    resident, error = None, None
    if phone:
        found = members.find_by_phone(phone)
        if found is None or not members.can_manage(current_user, found):
            error = _("No member of your community has this mobile number.")
        else:
            resident = found
    if request.method == "POST" and resident is not None and request.form.get("start"):
        if not helpers.may_act_at_counter(current_user, resident):
            abort(403)
        session[VISIT] = {
            "resident": resident.id,
            "staff": current_user.id,
            "started": clock.now().isoformat(),
        }
        return redirect(url_for("helping.home", resident_id=resident.id))
    return _counter_page(phone, resident, error, _grant_form(), 422 if error else 200)


def _grant_form() -> GrantForm:
    form = GrantForm()
    form.scopes.choices = [(s, SCOPE_LABELS[s]) for s in HELPER_SCOPES]
    return form


def _counter_page(phone, resident, error, form, status):
    return render_template(
        "helping/counter.html",
        phone=phone,
        resident=resident,
        error=error,
        form=form,
        grants=helpers.helpers_of(resident) if resident is not None else [],
        scope_labels=SCOPE_LABELS,
    ), status


@bp.post("/counter/helping/<int:resident_id>/grant")
@staff_required
def counter_grant(resident_id: int):
    """The resident, here in person, agrees to a helper: the social worker records it as
    witnessed (her own id as the one who granted)."""
    resident = members.get_member(resident_id)
    if not members.can_manage(current_user, resident):
        abort(404)
    form = _grant_form()
    with refused(form):
        if form.ends_on.raw_data and form.ends_on.data is None:
            raise InvalidInput(MM.HELPER_END_NEEDED, field="ends_on")
        grant = helpers.grant_helper(
            resident,
            helper_phone=form.helper_phone.data,
            scopes=form.scopes.data or [],
            ends_on=form.ends_on.data,
            granted_by=current_user,
        )
        flash(_("%(name)s is now your helper.", name=grant.helper.name), "success")
        return redirect(url_for("helping.counter", phone=resident.phone))
    return _counter_page(resident.phone, resident, None, form, 422)
