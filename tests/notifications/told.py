"""What a member was told: their inbox as (kind, parameters) and the page each one opens."""

from __future__ import annotations

import sqlalchemy as sa

from points.extensions import db
from points.notifications import render
from points.notifications import services as notifications
from points.notifications.models import Notification


def told(member, kind=None) -> list[Notification]:
    """The member's notifications, oldest first; of one kind when `kind` is given."""
    items = list(reversed(notifications.inbox(member)))
    return [n for n in items if kind is None or n.kind == kind.key]


def the_one(member, kind) -> Notification:
    """The member's only notification of `kind` (fails when there are none or several)."""
    (found,) = told(member, kind)
    return found


def params(notification: Notification) -> dict:
    return render.decode(notification.params)


def link(app, notification: Notification) -> str | None:
    """The URL of the one thing to do next, as the inbox builds it."""
    from points.web.inbox import target

    with app.test_request_context():
        return target(notification)


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
