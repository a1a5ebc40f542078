"""API shapes for benefits and vouchers. Input refuses unknown fields."""

from __future__ import annotations

from flask_babel import get_locale
from marshmallow import RAISE, Schema, fields, validate

from points.marketplace.services import masked_name, undo_until
from points.members.schemas import ON_BEHALF_FIELD_DOC, on_behalf_of


class _In(Schema):
    class Meta:
        unknown = RAISE


def _locale() -> str:
    return str(get_locale() or "zh")


class ProviderOut(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String(metadata={"enum": ["merchant", "partner", "community"]})
    name = fields.Function(lambda p: p.name(_locale()))
    name_zh = fields.String()
    name_en = fields.String()
    address_zh = fields.String()
    hours = fields.Function(lambda p: p.hours(_locale()))


class BenefitOut(Schema):
    id = fields.Integer()
    title = fields.Function(lambda b: b.title(_locale()))
    title_zh = fields.String()
    title_en = fields.String()
    description = fields.Function(lambda b: b.description(_locale()))
    merchant = fields.Nested(ProviderOut, attribute="provider")
    category = fields.String()
    points = fields.Integer()
    stock = fields.Integer(
        attribute="stock_left",
        allow_none=True,
        metadata={"description": "left; null means unlimited"},
    )
    stock_total = fields.Integer(allow_none=True)
    per_member_limit = fields.Integer(allow_none=True)
    limit_period = fields.String(allow_none=True)
    valid_days = fields.Integer()
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    min_level = fields.String()
    host_only = fields.Boolean()
    space_minutes = fields.Integer(allow_none=True)


class BenefitsQuery(_In):
    category = fields.String(load_default=None)
    provider_id = fields.Integer(load_default=None)
    affordable = fields.Boolean(
        load_default=False, metadata={"description": "only what my available points buy"}
    )
    host_only = fields.Boolean(load_default=False)
    q = fields.String(load_default=None)
    page = fields.Integer(
        load_default=None,
        validate=validate.Range(1, 10_000),
        metadata={
            "description": "the page to answer, 20 benefits a page unless per_page says; "
            "without page or per_page the answer is every match, as before"
        },
    )
    per_page = fields.Integer(load_default=None, validate=validate.Range(1, 100))


class RedemptionRequest(_In):
    benefit_id = fields.Integer(required=True, strict=True)
    quantity = fields.Integer(load_default=1, strict=True)


class RedemptionOut(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "9 characters; shown as ABC-DEF-GHJ"})
    display_code = fields.String()
    # A held voucher past its expiry reads "expired" before the sweep voids it, as on pages.
    status = fields.String(
        attribute="shown_status",
        metadata={"enum": ["held", "confirmed", "cancelled", "expired"]},
    )
    benefit_id = fields.Integer()
    benefit_title = fields.Function(lambda r: r.benefit.title(_locale()))
    merchant = fields.Function(lambda r: r.provider.name(_locale()))
    quantity = fields.Integer()
    points = fields.Integer()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    on_behalf = fields.Function(on_behalf_of, allow_none=True, metadata=ON_BEHALF_FIELD_DOC)
    cancelled_by = fields.Function(
        lambda r: {"id": r.canceller.id, "name": r.canceller.name} if r.canceller else None,
        allow_none=True,
        metadata={
            "type": "object",
            "nullable": True,
            "description": "who cancelled the voucher for the member (代办); null otherwise",
        },
    )


class CounterRedemptionOut(RedemptionOut):
    """What the merchant sees: no phone number, a masked name, and the code masked while
    the voucher can still be used (ABC-***-***); not who redeemed it for the member."""

    class Meta:
        exclude = ("on_behalf", "cancelled_by")

    code = fields.Function(
        lambda r: r.counter_code.replace("-", ""),
        metadata={"description": "masked (ABC******) while the voucher can still be used"},
    )
    display_code = fields.Function(lambda r: r.counter_code)
    member = fields.Function(lambda r: masked_name(r.member.name))
    undo_until = fields.Function(
        lambda r: undo_until(r),
        allow_none=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "until when this confirmation may be undone (POST …/undo); null "
            "when the voucher is not confirmed",
        },
    )


class ConfirmRequest(_In):
    code = fields.String(required=True, metadata={"example": "ABC-DEF-GHJ"})


class StatementQuery(_In):
    month = fields.String(load_default=None, metadata={"example": "2026-11"})


class StatementLineOut(Schema):
    status = fields.String()
    vouchers = fields.Integer()
    points = fields.Integer()


class MerchantStatementOut(Schema):
    month = fields.String()
    lines = fields.List(fields.Nested(StatementLineOut))
    vouchers = fields.List(fields.Nested(CounterRedemptionOut))
