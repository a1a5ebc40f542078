"""API shapes for service tickets (随手拍 and 居民点单). Input refuses unknown fields; state,
outcome and every other choice go out as codes, names in the caller's language."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from marshmallow import RAISE, Schema, fields, validate

from points.database import MAX_ID
from points.tickets.models import (
    ASSIGNMENT_STATUSES,
    CONFIRMATIONS,
    HANDLED_OUTCOMES,
    KINDS,
    OUTCOMES,
    PHOTO_STAGES,
    STAGES,
    STATES,
)


def _locale() -> str:
    return str(get_locale() or "zh")


class _In(Schema):
    class Meta:
        unknown = RAISE


_ID = validate.Range(1, MAX_ID)

# ---------------------------------------------------------------------------- reference


class CategoryOut(Schema):
    code = fields.String(metadata={"example": "hazard-elevator"})
    kind = fields.String(metadata={"enum": list(KINDS)})
    name = fields.Function(lambda c: c.name(_locale()),
                           metadata={"description": "in the caller's language"})
    name_zh = fields.String()
    name_en = fields.String()
    triage_days = fields.Integer(metadata={"description": "working days to check it"})
    accept_days = fields.Integer(metadata={"description": "working days for a unit to accept"})
    handle_days = fields.Integer(metadata={"description": "working days to handle it"})


class CategoriesQuery(_In):
    kind = fields.String(load_default="report", validate=validate.OneOf(KINDS))


class UnitOut(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String(metadata={"enum": ["department", "partner"]})
    name = fields.Function(lambda u: u.name(_locale()))


class ItemOut(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "what POST /tickets/orders takes as `item`"})
    name = fields.Function(lambda i: i.name(_locale()))
    description = fields.Function(lambda i: i.description(_locale()))
    category = fields.Nested(CategoryOut)
    units = fields.List(fields.Nested(UnitOut), metadata={"description": "who offers it"})


# ---------------------------------------------------------------------------- input


class ReportRequest(_In):
    category = fields.String(required=True, metadata={"example": "hazard-elevator"})
    description = fields.String(required=True)
    photos = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "1 to 6 `photo` tokens from POST /api/v1/uploads"},
    )
    grid_id = fields.Integer(
        load_default=None, allow_none=True, strict=True,
        metadata={"description": "where it is (default: your own grid)"},
    )
    spot = fields.String(load_default=None, allow_none=True,
                         metadata={"example": "12幢2单元"})
    latitude = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    longitude = fields.Float(load_default=None, allow_none=True, allow_nan=False)


class OrderRequest(_In):
    item = fields.String(required=True, metadata={"description": "a code of GET /tickets/menu"})
    description = fields.String(required=True)
    wanted_at = fields.String(
        load_default=None, allow_none=True,
        metadata={"example": "2026-12-03T15:00:00+08:00", "description": "when, with offset"},
    )
    grid_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    spot = fields.String(load_default=None, allow_none=True)
    photos = fields.List(fields.String(), load_default=None, allow_none=True)


class MergeRequest(_In):
    into = fields.Integer(required=True, strict=True,
                          metadata={"description": "the earlier open ticket it repeats"})


class TicketReasonRequest(_In):
    reason = fields.String(required=True)


class TicketOptionalReasonRequest(_In):
    reason = fields.String(load_default=None, allow_none=True)


class TicketPublishRequest(_In):
    published = fields.Boolean(required=True)


class DispatchRequest(_In):
    units = fields.List(fields.Integer(strict=True), required=True,
                        metadata={"description": "ids of GET /tickets/{ticket_id}/units"})
    note = fields.String(load_default=None, allow_none=True)


class HandleRequest(_In):
    outcome = fields.String(required=True, metadata={"enum": list(HANDLED_OUTCOMES)})
    note = fields.String(required=True, metadata={"description": "what was done, or why not"})
    photos = fields.List(fields.String(), load_default=None, allow_none=True,
                         metadata={"description": "after-photos; a fix needs one"})


class TicketConfirmRequest(_In):
    rating = fields.Integer(load_default=None, allow_none=True, strict=True,
                            metadata={"minimum": 1, "maximum": 5})
    comment = fields.String(load_default=None, allow_none=True)


class RateRequest(_In):
    rating = fields.Integer(required=True, strict=True, metadata={"minimum": 1, "maximum": 5})
    comment = fields.String(load_default=None, allow_none=True)


class TriageQuery(_In):
    after = fields.Integer(load_default=None, validate=_ID,
                           metadata={"description": "`next_after` of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


_DAYS = validate.Range(date(2000, 1, 1), date(2100, 12, 31))


class BoardQuery(_In):
    start = fields.Date(load_default=None, validate=_DAYS,
                        metadata={"description": "first day (default: 30 days before `end`)"})
    end = fields.Date(load_default=None, validate=_DAYS,
                      metadata={"description": "the day after the last (default: tomorrow)"})


# ---------------------------------------------------------------------------- output


class GridOut(Schema):
    id = fields.Integer()
    name = fields.String()
    name_en = fields.String()


class PhotoOut(Schema):
    id = fields.Integer()
    stage = fields.String(metadata={"enum": list(PHOTO_STAGES)})
    url = fields.String()


class EventOut(Schema):
    at = fields.DateTime()
    action = fields.String(metadata={"example": "dispatched"})
    unit = fields.Nested(UnitOut, allow_none=True)
    note = fields.String()


class AssignmentOut(Schema):
    id = fields.Integer()
    unit = fields.Nested(UnitOut)
    status = fields.String(metadata={"enum": list(ASSIGNMENT_STATUSES)})
    dispatched_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    reason = fields.String(metadata={"description": "why it was returned"})


class TicketBriefOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(KINDS)})
    category = fields.Nested(CategoryOut)
    item = fields.Function(lambda t: t.item.code if t.item else None, allow_none=True)
    community_id = fields.Integer()
    grid = fields.Nested(GridOut)
    description = fields.String()
    spot = fields.String()
    state = fields.String(metadata={"enum": list(STATES)})
    outcome = fields.String(allow_none=True, metadata={"enum": [*OUTCOMES, None]})
    created_at = fields.DateTime()
    stage = fields.String(allow_none=True, metadata={"enum": [*STAGES, None],
                                                     "description": "what the deadline is for"})
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(lambda t: t.overdue_at is not None)
    escalated = fields.Function(lambda t: t.escalated_at is not None)


class TicketOut(TicketBriefOut):
    """One ticket as the caller may see it (built by the API with `reporter` and `photos`)."""

    reporter = fields.String(metadata={"description": "the name; to a unit the surname only"})
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    wanted_at = fields.DateTime(allow_none=True)
    outcome_note = fields.String()
    duplicate_of = fields.Integer(attribute="duplicate_of_id", allow_none=True)
    published = fields.Boolean()
    triaged_at = fields.DateTime(allow_none=True)
    handled_at = fields.DateTime(allow_none=True)
    handled_unit = fields.Nested(UnitOut, allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    confirm_by = fields.DateTime(allow_none=True)
    confirmation = fields.String(allow_none=True, metadata={"enum": [*CONFIRMATIONS, None]})
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String()
    reopened = fields.Integer()
    assignments = fields.List(fields.Nested(AssignmentOut))
    photos = fields.List(fields.Nested(PhotoOut))
    timeline = fields.List(fields.Nested(EventOut))


class TriagePageOut(Schema):
    items = fields.List(fields.Nested(TicketBriefOut))
    next_after = fields.Integer(allow_none=True)
    waiting = fields.Integer(metadata={"description": "all tickets waiting in my queue"})


class UnitWorkOut(AssignmentOut):
    """A live assignment of one of my units, with its ticket."""

    ticket = fields.Nested(TicketBriefOut)


class UnitLatenessOut(Schema):
    unit = fields.Nested(UnitOut)
    overdue = fields.Integer()
    escalated = fields.Integer()


class OverdueOut(Schema):
    tickets = fields.List(fields.Nested(TicketBriefOut))
    by_unit = fields.List(fields.Nested(UnitLatenessOut))


class BoardLineOut(Schema):
    category = fields.Nested(CategoryOut)
    reported = fields.Integer(allow_none=True, metadata={"description": "null: fewer than 5"})
    fixed = fields.Integer(allow_none=True)
    closed_not_fixed = fields.Integer(allow_none=True)
    open = fields.Integer(allow_none=True)


class PublicTicketOut(Schema):
    id = fields.Integer()
    category = fields.Nested(CategoryOut)
    grid = fields.Nested(GridOut)
    description = fields.String()
    spot = fields.String()
    state = fields.String(metadata={"enum": list(STATES)})
    outcome = fields.String(allow_none=True, metadata={"enum": [*OUTCOMES, None]})
    created_at = fields.DateTime()
    photos = fields.List(fields.Nested(PhotoOut))


class BoardOut(Schema):
    community = fields.Nested(GridOut)
    start = fields.Date()
    end = fields.Date(metadata={"description": "exclusive"})
    lines = fields.List(fields.Nested(BoardLineOut))
    median_days_to_fix = fields.Float(allow_none=True)
    rated = fields.Integer(allow_none=True)
    satisfied_share = fields.Float(allow_none=True, metadata={"description": "ratings of 4–5"})
    tickets = fields.List(fields.Nested(PublicTicketOut),
                          metadata={"description": "recent tickets shown publicly"})
