"""The community fund over the API: its public account (no sign-in), income recorded with
Idempotency-Key, settlements, and a grant's steps (staff)."""

from __future__ import annotations

from flask import request

from points.activities import services as evidence
from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.marketplace import IDEMPOTENCY_KEY
from points.api.responses import refuses
from points.fund import services as fund
from points.fund.schemas import (
    DeclareRequest,
    GrantOut,
    GrantReasonRequest,
    GrantRequest,
    IncomeOut,
    IncomeRequest,
    IncomeReversalOut,
    IncomeReversalRequest,
    PaymentOut,
    SettlementOut,
    SettlementQuery,
    TransparencyOut,
)
from points.programmes import services as programmes

blp = Blueprint("fund_api", __name__, description="The community fund (反哺)")


@blp.get("/communities/<int:community_id>/fund")
@blp.response(200, TransparencyOut)
def public_fund(community_id: int):
    """Open to everyone: the fund's balance, income by month × source × tier, every request
    in every state (reversed income as lines of its own), sponsors, the programmes with their
    ratings; computed from the ledger when asked. No resident is named."""
    return programmes.fund_page(community_id)


@blp.post("/fund/income")
@refuses(blp, 403, 409)
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(IncomeRequest)
@blp.response(201, IncomeOut)
def record_income(body):
    """Hosts and staff: record money taken in; the fund's share moves with it. The
    `Idempotency-Key` header is required: a retry with the same key and body returns the
    first entry; another body is 409 naming the fields that differ."""
    member = current_member()
    return fund.record_income(
        member,
        community_id=member.community_id,
        idempotency_key=request.headers.get("Idempotency-Key"),
        **body,
    )


@blp.get("/fund/income/<int:entry_id>")
@refuses(blp, 404)
@blp.response(200, IncomeOut)
def income_entry(entry_id: int):
    """One income entry (staff of its community, or its collector), with its reversal."""
    entry = fund.get_income(entry_id)
    member = current_member()
    if entry.collector_id != member.id and not fund.is_staff_of(member, entry.community_id):
        raise fund.NotFound(fund.M.NO_SUCH_ENTRY, field="entry")
    return entry


@blp.post("/fund/income/<int:entry_id>/reverse")
@refuses(blp, 403, 409)
@blp.arguments(IncomeReversalRequest)
@blp.response(201, IncomeReversalOut)
def reverse_income(body, entry_id: int):
    """Staff: undo an income entry, once, with a reason — a reversing ledger entry, its 反哺
    share with it. 409 when it was reversed already, or when the fund no longer has the
    share (granted out or set aside)."""
    return fund.reverse_income(current_member(), entry_id, reason=body["reason"])


@blp.get("/fund/settlements")
@refuses(blp, 403)
@blp.arguments(SettlementQuery, location="query")
@blp.response(200, SettlementOut(many=True))
def settlements(query):
    """Staff: each host's month (collected, owed, received, outstanding); a host: their own."""
    member = current_member()
    month = fund.month_of(query["month"])
    if fund.is_staff_of(member, member.community_id):
        return fund.settlements(member.community_id, month)
    if not fund.may_record_income(member, member.community_id):
        raise fund.Forbidden(fund.M.HOSTS_AND_STAFF)
    return [fund.settlement(member.community_id, member.id, month)]


@blp.post("/fund/settlement-payments")
@refuses(blp, 403)
@blp.arguments(DeclareRequest)
@blp.response(201, PaymentOut)
def declare(body):
    """A host declares money handed over to the fund for a month; staff confirm it."""
    return fund.declare_payment(current_member(), **body)


@blp.post("/fund/settlement-payments/<int:payment_id>/confirm")
@refuses(blp, 403, 409)
@blp.response(200, PaymentOut)
def confirm(payment_id: int):
    """Staff received it: the share moves into the fund (once, however often confirmed)."""
    return fund.confirm_payment(current_member(), payment_id)


@blp.post("/fund/grants")
@refuses(blp, 403)
@blp.arguments(GrantRequest)
@blp.response(201, GrantOut)
def request_grant(body):
    """Hosts and staff ask the fund for a governance project (receipt: an upload's token)."""
    member = current_member()
    receipt = body.pop("receipt", None)
    receipt_id = evidence.own_photo(member, receipt, "receipt").id if receipt else None
    return fund.request_grant(member, receipt_evidence_id=receipt_id, **body)


@blp.get("/fund/grants/<int:grant_id>")
@blp.response(200, GrantOut)
def grant(grant_id: int):
    """A request of my community."""
    found = fund.get_grant(grant_id)
    member = current_member()
    if found.community_id != member.community_id and not member.has_role("admin"):
        raise fund.NotFound(fund.M.NO_SUCH_GRANT, field="grant")
    return found


@blp.post("/fund/grants/<int:grant_id>/approve")
@refuses(blp, 403, 409)
@blp.response(200, GrantOut)
def approve(grant_id: int):
    """Staff other than the requester; the second approval sets the amount aside."""
    return fund.approve_grant(current_member(), grant_id)


@blp.post("/fund/grants/<int:grant_id>/reject")
@refuses(blp, 403, 409)
@blp.arguments(GrantReasonRequest)
@blp.response(200, GrantOut)
def reject(body, grant_id: int):
    """Staff other than the requester refuse it, with a reason; it stays listed."""
    return fund.reject_grant(current_member(), grant_id, reason=body["reason"])


@blp.post("/fund/grants/<int:grant_id>/pay")
@refuses(blp, 403, 409)
@blp.response(200, GrantOut)
def pay(grant_id: int):
    """Staff: pay an approved grant after its public window; paid once however often sent."""
    return fund.pay_grant(current_member(), grant_id)


@blp.post("/fund/grants/<int:grant_id>/reverse")
@refuses(blp, 403, 409)
@blp.arguments(GrantReasonRequest)
@blp.response(200, GrantOut)
def reverse(body, grant_id: int):
    """Staff: undo a paid grant by a reversal transfer pointing at its payment."""
    return fund.reverse_grant(current_member(), grant_id, reason=body["reason"])
