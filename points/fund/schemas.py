"""API shapes for the fund. Money is integer fen (`*_fen`) with its ¥ text beside it; input
refuses unknown fields."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from points.fund.services import yuan


class _In(Schema):
    class Meta:
        unknown = RAISE


def _yuan(attribute: str):
    return fields.Function(lambda o: yuan(getattr(o, attribute)), metadata={"example": "¥1,234.56"})


class IncomeRequest(_In):
    source = fields.String(required=True, metadata={"example": "session_fee"})
    tier = fields.String(allow_none=True, metadata={"example": "low_fee"})
    amount_fen = fields.Raw(required=True, metadata={"example": 5000})
    collector_id = fields.Raw(required=True)
    payer_kind = fields.String(load_default="resident")
    payer_name = fields.String(required=True)
    payer_phone = fields.String(load_default="")
    method = fields.String(required=True, metadata={"example": "cash"})
    reference = fields.String(load_default="")
    paid_on = fields.String(required=True, metadata={"example": "2026-11-20"})
    booking_id = fields.Raw(allow_none=True)
    subject = fields.String(load_default="")


class IncomeReversalOut(Schema):
    id = fields.Integer()
    entry_id = fields.Integer()
    transfer_id = fields.Integer(metadata={"description": "the ledger's reversal transfer"})
    returned_fen = fields.Integer(
        metadata={"description": "the share the fund handed back to the host's receivable"}
    )
    reason = fields.String()
    reversed_by = fields.Integer()
    reversed_at = fields.DateTime()


class IncomeOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    source = fields.String()
    tier = fields.String(allow_none=True)
    amount_fen = fields.Integer()
    amount = _yuan("amount_fen")
    share_fen = fields.Integer()
    share = _yuan("share_fen")
    rate_version = fields.Function(lambda e: e.rate.version if e.rate else None)
    collector_id = fields.Integer()
    payer_kind = fields.String()
    payer_name = fields.String()
    method = fields.String()
    reference = fields.String()
    paid_on = fields.Date()
    booking_id = fields.Integer(allow_none=True)
    subject = fields.String()
    transfer_id = fields.Integer()
    recorded_by = fields.Integer()
    recorded_at = fields.DateTime()
    reversal = fields.Nested(IncomeReversalOut, allow_none=True)


class GrantRequest(_In):
    purpose = fields.String(required=True)
    project = fields.String(required=True)
    amount_fen = fields.Raw(required=True, metadata={"example": 80000})
    receipt = fields.String(
        allow_none=True,
        metadata={"description": "the `photo` token of an upload made with POST /api/v1/uploads"},
    )


class GrantReasonRequest(_In):
    reason = fields.String(required=True)


class GrantOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    purpose = fields.String()
    project = fields.String()
    amount_fen = fields.Integer()
    amount = _yuan("amount_fen")
    status = fields.String()
    approvals = fields.Function(lambda g: len(g.approvals))
    requested_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    payable_from = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    transfer_id = fields.Integer(allow_none=True)
    reversal_id = fields.Integer(allow_none=True)
    reason = fields.String()


class IncomeLineOut(Schema):
    month = fields.String()
    source = fields.String()
    tier = fields.String(allow_none=True)
    entries = fields.Integer()
    amount_fen = fields.Integer(attribute="amount")
    share_fen = fields.Integer(attribute="share")
    reversal = fields.Boolean(
        metadata={"description": "a line of reversed entries: negative amount and share"}
    )


class PublicProgrammeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    tier = fields.String()
    fee_fen = fields.Integer()
    ratings = fields.Integer(metadata={"description": "how many ratings it has had"})
    average = fields.Float(
        allow_none=True,
        metadata={"description": "1–5, one decimal; null below 3 ratings (too few to show)"},
    )


class PublicGrantOut(Schema):
    id = fields.Integer()
    purpose = fields.String()
    project = fields.String()
    amount_fen = fields.Integer(attribute="amount")
    amount = _yuan("amount")
    status = fields.String()
    approvals = fields.Integer()
    requested_at = fields.DateTime(attribute="requested_on")
    payable_from = fields.DateTime(allow_none=True)
    in_public_window = fields.Boolean()
    paid_at = fields.DateTime(allow_none=True)
    reason = fields.String()
    has_receipt = fields.Boolean()


class SponsorOut(Schema):
    name = fields.String()
    month = fields.String()
    amount_fen = fields.Integer(attribute="amount")


class TransparencyOut(Schema):
    community_id = fields.Integer()
    community = fields.String(attribute="community.name")
    read_at = fields.DateTime()
    balance_fen = fields.Integer(attribute="balance")
    balance = _yuan("balance")
    held_fen = fields.Integer(attribute="held")
    available_fen = fields.Integer(attribute="available")
    total_income_fen = fields.Integer(attribute="total_income")
    total_share_fen = fields.Integer(attribute="total_share")
    total_paid_fen = fields.Integer(attribute="total_paid")
    income = fields.List(fields.Nested(IncomeLineOut))
    grants = fields.List(fields.Nested(PublicGrantOut))
    sponsors = fields.List(fields.Nested(SponsorOut))
    programmes = fields.List(fields.Nested(PublicProgrammeOut))


class IncomeReversalRequest(_In):
    reason = fields.String(required=True)


class RentRequest(_In):
    amount_fen = fields.Raw(required=True, metadata={"example": 30000})
    method = fields.String(required=True, metadata={"example": "transfer"})
    reference = fields.String(load_default="")
    paid_on = fields.String(allow_none=True, metadata={"example": "2026-11-20"})


class SettlementOut(Schema):
    collector_id = fields.Integer()
    month = fields.String()
    collected_fen = fields.Integer(attribute="collected")
    owed_fen = fields.Integer(attribute="owed")
    paid_fen = fields.Integer(attribute="paid")
    declared_fen = fields.Integer(attribute="declared")
    returned_fen = fields.Integer(attribute="returned")
    outstanding_fen = fields.Integer(attribute="outstanding")


class SettlementQuery(_In):
    month = fields.String(required=True, metadata={"example": "2026-11"})


class DeclareRequest(_In):
    month = fields.String(required=True)
    amount_fen = fields.Raw(required=True)
    method = fields.String(required=True)
    reference = fields.String(load_default="")


class PaymentOut(Schema):
    id = fields.Integer()
    collector_id = fields.Integer()
    month = fields.String()
    amount_fen = fields.Integer()
    method = fields.String()
    reference = fields.String()
    status = fields.String()
    transfer_id = fields.Integer(allow_none=True)
