"""Spending over the API: benefits, redemptions with Idempotency-Key, and 核销 at the counter."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from points import clock
from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.helpers import ON_BEHALF_OF, acting_member
from points.api.responses import refuses, slowed_down
from points.errors import Forbidden
from points.extensions import limit_wrong_codes
from points.marketplace import messages as M
from points.marketplace import services as market
from points.marketplace.schemas import (
    BenefitOut,
    BenefitsQuery,
    ConfirmRequest,
    CounterRedemptionOut,
    MerchantStatementOut,
    RedemptionOut,
    RedemptionRequest,
    StatementQuery,
)

blp = Blueprint("marketplace_api", __name__, description="Spending points")

PAGE_HEADERS = {
    "X-Total-Count": {
        "description": "benefits matching, on every page (paged answers)",
        "schema": {"type": "string"},
    },
    "X-Pages": {"description": "pages of them (paged answers)", "schema": {"type": "string"}},
}


@blp.get("/benefits")
@blp.arguments(BenefitsQuery, location="query")
@blp.response(200, BenefitOut(many=True), headers=PAGE_HEADERS)
def benefits(query):
    """Benefits on offer; filters: category, provider, affordable now, host-only, text.
    With `page` (and `per_page`, 20 unless given) one page of them, as the pages show them,
    its place in `X-Total-Count` and `X-Pages`; without, every match as before."""
    member = current_user if current_user.is_authenticated else None
    filters = {
        "category": query["category"],
        "provider_id": query["provider_id"],
        "affordable": query["affordable"],
        "host_only": query["host_only"],
        "search": query["q"],
    }
    if query["page"] is None and query["per_page"] is None:
        return market.benefits(member, **filters)
    found = market.benefit_page(
        member,
        page=query["page"] or 1,
        per_page=query["per_page"] or market.BENEFITS_PER_PAGE,
        **filters,
    )
    return found.items, {"X-Total-Count": str(found.total), "X-Pages": str(found.pages)}


@blp.get("/benefits/<int:benefit_id>")
@blp.response(200, BenefitOut)
def benefit(benefit_id: int):
    return market.get_benefit(benefit_id)


IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "The same key with the same body returns the first voucher again; "
    "with a different body, 409 naming the fields that differ.",
}


@blp.post("/redemptions")
@refuses(blp, 403, 404, 409)
@blp.doc(parameters=[IDEMPOTENCY_KEY, ON_BEHALF_OF])
@blp.arguments(RedemptionRequest)
@blp.response(201, RedemptionOut)
def redeem(body):
    """Redeem: stock is taken and the points held; the answer carries the voucher code.
    Send `Idempotency-Key` to make a retry safe: the same key and body return this voucher.
    With On-Behalf-Of (代办) the resident's wallet pays and the voucher is theirs."""
    member, actor = acting_member("redeem")
    return market.redeem(
        member,
        benefit_id=body["benefit_id"],
        quantity=body["quantity"],
        idempotency_key=request.headers.get("Idempotency-Key"),
        actor=actor,
    )


@blp.get("/me/redemptions")
@refuses(blp, 403, 422)
@blp.doc(parameters=[ON_BEHALF_OF])
@blp.response(200, RedemptionOut(many=True))
def my_redemptions():
    """My vouchers, newest first (with On-Behalf-Of, the resident's I help with `redeem`)."""
    member, _ = acting_member("redeem")
    return market.vouchers_of(member)


@blp.get("/redemptions/<int:redemption_id>")
@blp.response(200, RedemptionOut)
def redemption(redemption_id: int):
    return market.own_redemption(redemption_id, current_member())


@blp.post("/redemptions/<int:redemption_id>/cancel")
@refuses(blp, 403, 409, 422)
@blp.doc(parameters=[ON_BEHALF_OF])
@blp.response(200, RedemptionOut)
def cancel(redemption_id: int):
    """Give back an unconfirmed voucher: the points and the stock return. With
    On-Behalf-Of (代办, scope `redeem`) the resident's voucher, and they are told."""
    member, actor = acting_member("redeem")
    return market.cancel(
        market.own_redemption(redemption_id, member), member=member, actor=actor
    )


@blp.post("/merchant/redemptions/confirm")
@refuses(blp, 403, 404, 409)
@slowed_down(blp)
@limit_wrong_codes
@blp.arguments(ConfirmRequest)
@blp.response(200, CounterRedemptionOut)
def confirm(body):
    """核销: confirm a voucher of your merchant by its code (typed or scanned)."""
    return market.confirm(body["code"], staff=current_member())


@blp.post("/merchant/redemptions/preview")
@refuses(blp, 403, 404, 409)
@slowed_down(blp)
@limit_wrong_codes
@blp.arguments(ConfirmRequest)
@blp.response(200, CounterRedemptionOut)
def preview(body):
    """What a code is before confirming it (benefit, quantity, masked name, points), refused
    as confirming it would be. Changes nothing."""
    return market.preview(body["code"], staff=current_member())


@blp.post("/merchant/redemptions/<int:redemption_id>/undo")
@refuses(blp, 403, 404, 409)
@blp.response(200, CounterRedemptionOut)
def undo(redemption_id: int):
    """撤销: within `undo_until` of a confirmation, staff of the same merchant make the voucher
    usable again (the points held for it again). Undoing an undone voucher changes nothing;
    after the window, 409."""
    staff = current_member()
    found = market.counter_redemption(redemption_id, staff=staff)
    return market.undo_confirmation(found, staff=staff)


def _counter(member) -> list[int]:
    ids = market.counter_providers(member)
    if not ids:
        raise Forbidden(M.STAFF_SEE)
    return ids


@blp.get("/merchant/redemptions")
@refuses(blp, 403)
@blp.response(200, CounterRedemptionOut(many=True))
def confirmed_today():
    """Vouchers confirmed today at my merchant."""
    ids = _counter(current_member())
    return market.confirmed_on(ids, clock.today())


@blp.get("/merchant/statement")
@refuses(blp, 403)
@blp.arguments(StatementQuery, location="query")
@blp.response(200, MerchantStatementOut)
def statement(query):
    """The monthly statement: issued, confirmed, cancelled and expired vouchers, with points."""
    ids = _counter(current_member())
    month = query["month"] or clock.today().strftime("%Y-%m")
    lines, rows = market.month_statement(ids, month)
    return {"month": month, "lines": lines, "vouchers": rows}
