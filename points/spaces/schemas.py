"""API shapes for spaces and bookings. Input refuses unknown fields."""

from __future__ import annotations

from flask_babel import get_locale
from marshmallow import RAISE, Schema, fields

from points.members.schemas import ON_BEHALF_FIELD_DOC, on_behalf_of
from points.spaces.models import BOOKING_STATUSES, WAIT_STATUSES


class _In(Schema):
    class Meta:
        unknown = RAISE


class SpaceOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.Function(lambda s: s.name(str(get_locale() or "zh")))
    name_zh = fields.String()
    name_en = fields.String()
    community_id = fields.Integer()
    capacity = fields.Integer()
    slot_minutes = fields.Integer()
    opening_hours = fields.Dict(metadata={"example": {"mon": [["08:00", "21:00"]]}})
    min_level = fields.String()
    needs_approval = fields.Boolean()
    prices = fields.Function(
        lambda s: {"free": s.price_free, "low_fee": s.price_low_fee, "market": s.price_market},
        metadata={"description": "points per hour by service tier"},
    )


class AvailabilityQuery(_In):
    date = fields.String(required=True, metadata={"example": "2026-12-01"})


class SlotOut(Schema):
    start = fields.DateTime()
    end = fields.DateTime()
    free = fields.Boolean()


class BookingRequest(_In):
    space_id = fields.Integer(required=True, strict=True)
    start = fields.String(required=True, metadata={"example": "2026-12-01T19:00:00+08:00"})
    end = fields.String(required=True, metadata={"example": "2026-12-01T21:00:00+08:00"})
    tier = fields.String(required=True, metadata={"enum": ["free", "low_fee", "market"]})
    title = fields.String(required=True)
    expected_attendance = fields.Integer(load_default=0, strict=True)


class BookingOut(Schema):
    id = fields.Integer()
    space_id = fields.Integer()
    host_id = fields.Integer()
    start = fields.DateTime(attribute="start_at")
    end = fields.DateTime(attribute="end_at")
    tier = fields.String()
    title = fields.String()
    expected_attendance = fields.Integer()
    status = fields.String(metadata={"enum": list(BOOKING_STATUSES)})
    points = fields.Integer(attribute="cost_points")
    space_minutes = fields.Integer(attribute="cost_minutes")
    refunded_points = fields.Integer()
    refunded_minutes = fields.Integer()
    series_id = fields.String(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)
    offer_expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "an offered slot must be accepted by then"}
    )
    end_reason = fields.String()
    on_behalf = fields.Function(on_behalf_of, allow_none=True, metadata=ON_BEHALF_FIELD_DOC)


class SeriesRequest(BookingRequest):
    weeks = fields.Integer(required=True, strict=True, metadata={"example": 8})
    skip_conflicts = fields.Boolean(
        load_default=False,
        metadata={"description": "book the weeks that can be; false: all weeks or none"},
    )


class SkippedOut(Schema):
    date = fields.Date(attribute="day")
    reason = fields.String()


class SeriesOut(Schema):
    series_id = fields.String()
    bookings = fields.List(fields.Nested(BookingOut))
    skipped = fields.List(fields.Nested(SkippedOut))


class BookingChangeRequest(_In):
    space_id = fields.Integer(strict=True)
    start = fields.String()
    end = fields.String()
    tier = fields.String(metadata={"enum": ["free", "low_fee", "market"]})
    title = fields.String()
    expected_attendance = fields.Integer(strict=True)


class SpaceCheckInRequest(_In):
    code = fields.String(required=True, metadata={"description": "the code in the QR at the door"})


class WaitRequest(BookingRequest):
    pass


class WaitOut(Schema):
    id = fields.Integer()
    space_id = fields.Integer()
    start = fields.DateTime(attribute="start_at")
    end = fields.DateTime(attribute="end_at")
    tier = fields.String()
    title = fields.String()
    status = fields.String(metadata={"enum": list(WAIT_STATUSES)})
    booking_id = fields.Integer(
        allow_none=True, metadata={"description": "the offered booking, when offered"}
    )


class BookingDecisionRequest(_In):
    reason = fields.String(required=True)
