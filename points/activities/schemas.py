"""API shapes for the catalogue, claims and scheduled activities. Input refuses unknown fields."""

from __future__ import annotations

from flask_babel import get_locale
from marshmallow import RAISE, Schema, fields, validate

from points.activities.models import CLAIM_STATUSES
from points.members.schemas import ON_BEHALF_FIELD_DOC, on_behalf_of


class _In(Schema):
    class Meta:
        unknown = RAISE


class ActivityTypeOut(Schema):
    code = fields.String(metadata={"example": "patrol-routine"})
    version = fields.Integer()
    name = fields.Function(
        lambda t: t.name(str(get_locale() or "zh")),
        metadata={"description": "in the caller's language"},
    )
    name_zh = fields.String()
    name_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    category = fields.Function(lambda t: t.category.code)
    category_name_zh = fields.Function(lambda t: t.category.name_zh)
    category_name_en = fields.Function(lambda t: t.category.name_en)
    unit = fields.String(metadata={"enum": ["hour", "occurrence"]})
    points = fields.Integer(metadata={"description": "points per unit"})
    daily_cap = fields.Integer(allow_none=True)
    monthly_cap = fields.Integer(allow_none=True)
    min_level = fields.String()
    evidence = fields.Boolean(metadata={"description": "a claim needs a photo"})
    approver = fields.String(metadata={"enum": ["social_worker", "admin"]})
    active = fields.Boolean()
    created_at = fields.DateTime()


class ClaimRequest(_In):
    activity_type = fields.String(required=True, metadata={"example": "patrol-routine"})
    occurred_on = fields.String(required=True, metadata={"example": "2026-11-20"})
    quantity = fields.Raw(
        required=True, metadata={"description": "hours (halves allowed) or a count", "example": 2}
    )
    note = fields.String(load_default="")
    photo = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the `photo` token from POST /api/v1/uploads"},
    )


class PersonOut(Schema):
    id = fields.Integer()
    name = fields.String()


class ClaimOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["submitted", "approved", "rejected", "reversed"]})
    activity_type = fields.Function(lambda c: c.activity_type.code)
    activity_type_version = fields.Function(lambda c: c.activity_type.version)
    activity_type_name = fields.Function(lambda c: c.activity_type.name_zh)
    activity_id = fields.Integer(allow_none=True)
    occurred_on = fields.Date()
    quantity = fields.Float()
    unit = fields.Function(lambda c: c.activity_type.unit)
    points = fields.Integer(allow_none=True, metadata={"description": "awarded, once approved"})
    note = fields.String()
    has_photo = fields.Function(lambda c: c.evidence_id is not None)
    member = fields.Nested(PersonOut)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(metadata={"description": "why it was rejected"})
    transfer_id = fields.Integer(allow_none=True)
    reversal_id = fields.Integer(allow_none=True)
    reversal_reason = fields.String()
    on_behalf = fields.Function(on_behalf_of, allow_none=True, metadata=ON_BEHALF_FIELD_DOC)


class ClaimsQuery(_In):
    status = fields.String(
        load_default="submitted", validate=validate.OneOf([*CLAIM_STATUSES, "all"])
    )
    category = fields.String(load_default=None)
    q = fields.String(load_default=None)


class ReasonRequest(_In):
    reason = fields.String(required=True)


class BulkApproveRequest(_In):
    claims = fields.List(fields.Integer(), required=True)


class RefusalOut(Schema):
    claim = fields.Integer()
    code = fields.String()
    message = fields.String()


class BulkApproveOut(Schema):
    approved = fields.List(fields.Nested(ClaimOut))
    refused = fields.List(fields.Nested(RefusalOut))


class UploadOut(Schema):
    photo = fields.String(attribute="token")
    content_type = fields.String()
    size = fields.Integer()


class ActivityRequest(_In):
    activity_type = fields.String(required=True)
    title = fields.String(required=True)
    place = fields.String(required=True)
    starts_at = fields.String(required=True, metadata={"example": "2026-12-01T09:00:00+08:00"})
    ends_at = fields.String(required=True, metadata={"example": "2026-12-01T11:00:00+08:00"})
    capacity = fields.Integer(required=True, strict=True)


class ActivityOut(Schema):
    id = fields.Integer()
    title = fields.String()
    place = fields.String()
    activity_type = fields.Function(lambda a: a.activity_type.code)
    activity_type_name = fields.Function(lambda a: a.activity_type.name_zh)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    capacity = fields.Integer()
    taken = fields.Function(lambda a: sum(1 for s in a.signups if s.status == "signed_up"))
    status = fields.String(metadata={"enum": ["open", "cancelled", "closed"]})
    organiser = fields.Nested(PersonOut)
    community_id = fields.Integer()


class SignupOut(Schema):
    activity_id = fields.Integer()
    member = fields.Nested(PersonOut)
    status = fields.String()
    checked_in_at = fields.DateTime(allow_none=True)
    ticked_off = fields.Function(lambda s: s.checked_in_by is not None)


class CheckInRequest(_In):
    token = fields.String(required=True)


class TickOffRequest(_In):
    member_id = fields.Integer(required=True, strict=True)


class CheckInCodeOut(Schema):
    token = fields.String()
    url = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds"})


class CloseOut(Schema):
    claims = fields.List(fields.Nested(ClaimOut))
    approved = fields.List(fields.Integer())
    refused = fields.List(fields.Nested(RefusalOut))


class ActivityTypeChange(_In):
    """Fields to change; the rest are copied from the current version."""

    name_zh = fields.String()
    name_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    unit = fields.String()
    points = fields.Integer(strict=True)
    daily_cap = fields.Integer(strict=True, allow_none=True)
    monthly_cap = fields.Integer(strict=True, allow_none=True)
    min_level = fields.String()
    evidence = fields.Boolean()
    approver = fields.String()
    active = fields.Boolean()
