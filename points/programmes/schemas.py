"""API shapes for programmes, their sessions, sign-ups and ratings. Input refuses unknown
fields."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from points.programmes.fees import yuan
from points.spaces.models import TIERS


class _In(Schema):
    class Meta:
        unknown = RAISE


class ProgrammeHostOut(Schema):
    id = fields.Integer()
    name = fields.String()


class RatingSummaryOut(Schema):
    count = fields.Integer()
    average = fields.Float(allow_none=True, metadata={"description": "1–5; null without ratings"})
    good_share = fields.Float(
        allow_none=True, metadata={"description": "share of ratings of 4 or 5 stars, 0–1"}
    )


class ProgrammeSessionOut(Schema):
    id = fields.Integer()
    programme_id = fields.Integer()
    activity_id = fields.Integer()
    booking_id = fields.Integer()
    starts_at = fields.Function(lambda s: s.activity.starts_at.isoformat())
    ends_at = fields.Function(lambda s: s.activity.ends_at.isoformat())
    place = fields.Function(lambda s: s.activity.place)
    capacity = fields.Function(lambda s: s.activity.capacity)
    status = fields.Function(
        lambda s: s.activity.status, metadata={"enum": ["open", "cancelled", "closed"]}
    )


class ProgrammeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    tier = fields.String(metadata={"enum": list(TIERS)})
    fee_fen = fields.Integer(metadata={"description": "what residents pay per session, in fen"})
    fee = fields.Function(lambda p: yuan(p.fee_fen), metadata={"example": "¥10.00"})
    capacity = fields.Integer()
    space_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["active", "ended"]})
    host = fields.Nested(ProgrammeHostOut)
    community_id = fields.Integer()
    rating = fields.Raw(
        allow_none=True,
        metadata={"description": "{average, count} once it has 3 ratings, else null"},
    )


class ProgrammeDetailOut(ProgrammeOut):
    sessions = fields.List(
        fields.Nested(ProgrammeSessionOut),
        attribute="sessions_ahead",
        metadata={"description": "upcoming"},
    )
    ratings = fields.Nested(
        RatingSummaryOut,
        attribute="ratings_summary",
        metadata={"description": "all sessions' ratings"},
    )


class ProgrammesQuery(_In):
    tier = fields.String(load_default=None, validate=validate.OneOf(TIERS))


class ProgrammeRequest(_In):
    name = fields.String(required=True)
    description = fields.String(load_default="")
    tier = fields.String(required=True, metadata={"enum": list(TIERS)})
    fee_fen = fields.Raw(load_default=0, metadata={"description": "0 for free, else > 0"})
    capacity = fields.Raw(required=True, metadata={"example": 20})
    space_id = fields.Raw(load_default=None)
    host_id = fields.Raw(load_default=None, metadata={"description": "staff: whose programme"})


class ProgrammeSessionRequest(_In):
    booking_id = fields.Raw(required=True, metadata={"description": "a confirmed booking"})


class ProgrammeSignupRequest(_In):
    session_id = fields.Raw(load_default=None)
    term = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class ProgrammeSignupOut(Schema):
    programme_id = fields.Integer()
    term = fields.Boolean()
    session_ids = fields.List(fields.Integer())


class SessionRatingRequest(_In):
    stars = fields.Raw(required=True, metadata={"description": "1–5", "example": 5})
    comment = fields.String(load_default="")
    complaint = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class SessionRatingOut(Schema):
    id = fields.Integer()
    session_id = fields.Integer()
    stars = fields.Integer()
    comment = fields.String()
    complaint = fields.Function(lambda r: r.complaint_status is not None)
    complaint_status = fields.String(allow_none=True)
    created_at = fields.DateTime()
