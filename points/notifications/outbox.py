"""What operators see of the outbox (the page /outbox): counts per channel and status, the
deliveries that need a look (failing, failed, uncertain, logged and not sent), and `retry`,
which queues one of them again.

A social worker sees their community's members' deliveries, an admin everyone's. The
notifications package sits below members in the layers (pyproject.toml), so the members
table is named here by its columns, not imported as a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from points import clock
from points.database import is_id, utcnow
from points.errors import Conflict, Forbidden, NotFound
from points.extensions import db
from points.notifications import messages as texts
from points.notifications.models import CHANNELS, Delivery, Notification

MEMBERS = sa.table("members", sa.column("id"), sa.column("name"), sa.column("community_id"))
RETRYABLE = ("failed", "uncertain", "logged")
# The page's columns: each a status, but "failing" is queued after a failed attempt.
BUCKETS = ("queued", "failing", "sending", "failed", "uncertain", "logged", "sent_today")


def _scope(actor):
    """A WHERE clause on Notification for the deliveries `actor` may see."""
    if actor.has_role("admin"):
        return sa.true()
    if actor.has_role("social_worker"):
        if actor.community_id is None:
            return sa.false()
        return Notification.member_id.in_(
            sa.select(MEMBERS.c.id).where(MEMBERS.c.community_id == actor.community_id)
        )
    raise Forbidden(texts.OUTBOX_STAFF_ONLY)


def counts(actor, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """{channel: {bucket: n}} for every channel and every bucket of BUCKETS."""
    now = now or utcnow()
    scope = _scope(actor)
    table = {channel: dict.fromkeys(BUCKETS, 0) for channel in CHANNELS}
    failing = sa.and_(Delivery.status == "queued", Delivery.attempts > 0)
    rows = db.session.execute(
        sa.select(Delivery.channel, Delivery.status, failing, sa.func.count())
        .join(Notification)
        .where(scope, Delivery.status != "sent")
        .group_by(Delivery.channel, Delivery.status, failing)
    )
    for channel, status, is_failing, n in rows:
        bucket = "failing" if is_failing else status
        if channel in table and bucket in table[channel]:
            table[channel][bucket] += n
    midnight = clock.at(clock.today(now))
    sent = db.session.execute(
        sa.select(Delivery.channel, sa.func.count())
        .join(Notification)
        .where(scope, Delivery.status == "sent", Delivery.sent_at >= midnight)
        .group_by(Delivery.channel)
    )
    for channel, n in sent:
        if channel in table:
            table[channel]["sent_today"] = n
    return table


@dataclass(frozen=True)
class Trouble:
    delivery: Delivery
    notification: Notification
    member_name: str


def troubles(actor, limit: int = 50) -> list[Trouble]:
    """The latest deliveries that need a look: failing, failed, uncertain, logged."""
    rows = db.session.execute(
        sa.select(Delivery, Notification, MEMBERS.c.name)
        .join(Notification, Delivery.notification_id == Notification.id)
        .join(MEMBERS, MEMBERS.c.id == Notification.member_id)
        .where(
            _scope(actor),
            sa.or_(
                Delivery.status.in_(RETRYABLE),
                sa.and_(Delivery.status == "queued", Delivery.attempts > 0),
            ),
        )
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    return [Trouble(d, n, name) for d, n, name in rows]


def retry(delivery_id, actor, now: datetime | None = None) -> Delivery:
    """Queue a failed, uncertain or logged delivery again, due now (an SMS at night still
    waits for quiet hours to end: the worker checks at send time). Another community's
    delivery is not found; one in any other state is refused."""
    found = None
    if is_id(delivery_id):
        found = db.session.scalars(
            sa.select(Delivery).join(Notification).where(Delivery.id == delivery_id, _scope(actor))
        ).first()
    if found is None:
        raise NotFound(texts.NO_SUCH_DELIVERY, field="delivery")
    if found.status not in RETRYABLE:
        raise Conflict(texts.NOT_RETRYABLE, field="delivery")
    changed = db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id == found.id, Delivery.status == found.status)
        .values(status="queued", due_at=now or utcnow(), attempts=0, claimed_at=None)
    ).rowcount
    if not changed:  # the worker or another operator got there first
        raise Conflict(texts.NOT_RETRYABLE, field="delivery")
    db.session.refresh(found)
    return found
