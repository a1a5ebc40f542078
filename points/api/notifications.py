"""The signed-in member's notifications (the inbox) and how they want to be told."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.errors import InvalidInput, PointsError
from points.notifications import render
from points.notifications import services as notifications
from points.notifications.schemas import (
    ChoiceOut,
    ChoicesIn,
    InboxOut,
    InboxQuery,
    NotificationOut,
    ReadAllOut,
)

blp = Blueprint(
    "notifications_api", __name__, url_prefix="/me", description="Messages to the member"
)


def _link(notification) -> str | None:
    spec = render.link(notification)
    if spec is None:
        return None
    try:
        return url_for(spec[0], **spec[1])
    except BuildError:
        return None


def _out(notification, open_ids: set[int]) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": render.title(notification),
        "body": render.body(notification),
        "link": _link(notification),
        "params": notification.params,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "settled_at": notification.settled_at,
        "needs_answer": notification.id in open_ids,
    }


@blp.get("/notifications")
@blp.arguments(InboxQuery, location="query")
@blp.response(200, InboxOut)
def inbox(query):
    """My notifications, newest first, in my language; `next_before` pages on."""
    member = current_member()
    items = notifications.inbox(member, limit=query["limit"], before=query["before"])
    open_ids = {n.id for n in notifications.needs_answer(member)}
    return {
        "unread": notifications.unread_count(member),
        "items": [_out(n, open_ids) for n in items],
        "next_before": items[-1].id if len(items) == query["limit"] else None,
    }


@blp.post("/notifications/<int:notification_id>/read")
@refuses(blp, 404)
@blp.response(200, NotificationOut)
def read(notification_id: int):
    """Mark one read."""
    member = current_member()
    notification = notifications.mark_read(notifications.own(notification_id, member))
    return _out(notification, {n.id for n in notifications.needs_answer(member)})


@blp.post("/notifications/read")
@blp.response(200, ReadAllOut)
def read_all():
    """Mark every one read."""
    return {"marked": notifications.mark_all_read(current_member())}


def _choices(member) -> list[dict]:
    return [
        {
            "kind": c.kind.key,
            "name": _(c.kind.name),
            "channel": c.channel,
            "wanted": c.wanted,
            "default": c.default,
            "available": c.available,
        }
        for c in notifications.preferences(member)
    ]


@blp.get("/notification-preferences")
@blp.response(200, ChoiceOut(many=True))
def preferences():
    """For each kind of notification, whether I want it by SMS and by email as well as in
    the inbox (which has everything)."""
    return _choices(current_member())


@blp.put("/notification-preferences")
@refuses(blp, 422)
@blp.arguments(ChoicesIn)
@blp.response(200, ChoiceOut(many=True))
def choose(body):
    """Change some choices; the others stay. All or nothing: one bad choice changes none."""
    member = current_member()
    for i, choice in enumerate(body["choices"]):
        try:
            notifications.choose(member, choice["kind"], choice["channel"], choice["wanted"])
        except PointsError as error:  # named as sent: choices[2].kind
            named = {f"choices[{i}].{f}": ms for f, ms in error.errors.items()}
            raise InvalidInput(error.message, errors=named) from None
    return _choices(member)
