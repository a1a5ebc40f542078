"""API shapes for the inbox and the channel choices. Input refuses unknown fields."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from points.database import MAX_ID
from points.notifications.models import CHANNELS


class _In(Schema):
    class Meta:
        unknown = RAISE


class InboxQuery(_In):
    before = fields.Integer(
        load_default=None,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "an id: the notifications older than it (the next page)"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "a stable key, e.g. booking.offered"})
    title = fields.String(metadata={"description": "in the member's language"})
    body = fields.String()
    link = fields.String(
        allow_none=True, metadata={"description": "the page of the one thing to do next"}
    )
    params = fields.Dict(metadata={"description": "what the text is made from (times tagged)"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)
    needs_answer = fields.Boolean(metadata={"description": "asks for an answer, still open"})


class InboxOut(Schema):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationOut))
    next_before = fields.Integer(allow_none=True)


class ReadAllOut(Schema):
    marked = fields.Integer()


class ChoiceOut(Schema):
    kind = fields.String()
    name = fields.String()
    channel = fields.String()
    wanted = fields.Boolean()
    default = fields.Boolean()
    available = fields.Boolean(metadata={"description": "you have an address for the channel"})


class ChoiceIn(_In):
    kind = fields.String(required=True, validate=validate.Length(1, 40))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    wanted = fields.Boolean(required=True)


class ChoicesIn(_In):
    choices = fields.List(fields.Nested(ChoiceIn), required=True, validate=validate.Length(1, 200))
