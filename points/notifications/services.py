"""Writing notifications (in the transaction of their cause), the inbox, and preferences.

Domains call `notify(member, KIND, subject=…, **params)` where the change happens; it adds
rows to the session and never commits (the request or the sweep commits once). The worker
sends the deliveries it leaves queued (points/notifications/delivery.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from points import clock
from points.database import is_id, utcnow
from points.errors import InvalidInput, NotFound
from points.extensions import db
from points.notifications import messages as texts
from points.notifications import quiet
from points.notifications.kinds import KINDS, Kind
from points.notifications.models import (
    CHANNELS,
    Delivery,
    Notification,
    NotificationPreference,
)
from points.notifications.render import encode


def _address(member, channel: str) -> str | None:
    if channel == "sms":
        return member.phone
    return getattr(member, "email", None) or None


def wanted_channels(member, kind: Kind) -> set[str]:
    """The outside channels `member` wants `kind` on: the kind's defaults, then their choices;
    a channel the kind requires stays whatever they chose."""
    chosen = set(kind.default_channels())
    rows = db.session.execute(
        sa.select(NotificationPreference.channel, NotificationPreference.wanted).where(
            NotificationPreference.member_id == member.id,
            NotificationPreference.kind == kind.key,
        )
    )
    for channel, wanted in rows:
        (chosen.add if wanted else chosen.discard)(channel)
    chosen |= set(kind.required)
    return {c for c in chosen if _address(member, c)}


def digest_time(now: datetime) -> datetime:
    """The next daily digest (NOTIFY_DIGEST_AT, the community's clock) at or after `now`."""
    wall = time.fromisoformat(current_app.config["NOTIFY_DIGEST_AT"])
    at = clock.at(clock.today(now), wall)
    return at if at >= now else clock.at(clock.today(now) + timedelta(days=1), wall)


def _due(kind: Kind, channel: str, now: datetime) -> tuple[datetime, bool]:
    if kind.priority == "low":
        due, digest = digest_time(now), True
    else:
        due, digest = now, False
    if channel == "sms" and kind.quiet:
        due = quiet.quiet_end(due)
    return due, digest


def notify(
    member,
    kind: Kind,
    *,
    subject: str = "",
    once: str | None = None,
    now: datetime | None = None,
    **params,
) -> Notification | None:
    """Tell `member` (anything with id, phone, email, locale) that `kind` happened.

    `subject` ("booking:12") lets the domain settle it once answered; `once` is a key a
    repeated cause (a reminder the sweep makes) carries: a second notify with the same key
    for the same member writes nothing and returns None."""
    now = now or utcnow()
    if once is not None and _already_told(member.id, once):
        return None
    notification = Notification(
        member_id=member.id,
        kind=kind.key,
        params=encode(params),
        subject=subject,
        once_key=once,
        locale=getattr(member, "locale", None),
        created_at=now,
        read_at=None if kind.inbox else now,
    )
    for channel in sorted(wanted_channels(member, kind)):
        due, digest = _due(kind, channel, now)
        notification.deliveries.append(
            Delivery(
                channel=channel,
                address=_address(member, channel),
                due_at=due,
                digest=digest,
                created_at=now,
            )
        )
    if once is None:
        # Written with the rest of the cause's changes at its flush (every query flushes first).
        db.session.add(notification)
        return notification
    # Two sweeps at once (a worker and `ledger sweep`) may both write the same reminder: the
    # unique key keeps one, and the other's savepoint gives way without undoing its sweep.
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None
    return notification


def _already_told(member_id: int, once: str) -> bool:
    return (
        db.session.scalar(
            sa.select(Notification.id).where(
                Notification.member_id == member_id, Notification.once_key == once
            )
        )
        is not None
    )


def settle(subject: str, *, member_id: int | None = None, now: datetime | None = None) -> int:
    """What notifications about `subject` asked for is done or can no longer be done
    (the offer was accepted, declined or lapsed): home stops leading with them."""
    query = sa.update(Notification).where(
        Notification.subject == subject, Notification.settled_at.is_(None)
    )
    if member_id is not None:
        query = query.where(Notification.member_id == member_id)
    result = db.session.execute(query.values(settled_at=now or utcnow()))
    return result.rowcount


def forget_param(
    kind: Kind,
    name: str,
    *,
    subject: str | None = None,
    created_before: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Remove parameter `name` from the unsettled notifications of `kind` (those about
    `subject`, or made at or before `created_before`) and settle them: what they carried
    (a sign-in code) can no longer be used, so it need not be kept. A delivery of theirs
    still queued is skipped, never sent without it. Returns how many were scrubbed."""
    now = now or utcnow()
    query = sa.select(Notification).where(
        Notification.kind == kind.key, Notification.settled_at.is_(None)
    )
    if subject is not None:
        query = query.where(Notification.subject == subject)
    if created_before is not None:
        query = query.where(Notification.created_at <= created_before)
    scrubbed = 0
    for notification in db.session.scalars(query):
        notification.params = {k: v for k, v in (notification.params or {}).items() if k != name}
        notification.settled_at = now
        for delivery in notification.deliveries:
            if delivery.status == "queued":
                delivery.status = "skipped"
                delivery.last_error = f"{name} no longer valid before it was sent"
        scrubbed += 1
    db.session.flush()
    return scrubbed


# ------------------------------------------------------------------------------ the inbox


def inbox(member, *, limit: int = 50, before: int | None = None) -> list[Notification]:
    """The member's notifications, newest first (`before`: an id, for the next page)."""
    query = sa.select(Notification).where(
        Notification.member_id == member.id,
        Notification.kind.in_([k for k, v in KINDS.items() if v.inbox]),
    )
    if before is not None:
        query = query.where(Notification.id < before)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(member) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.member_id == member.id, Notification.read_at.is_(None)
        )
    )


def needs_answer(member, now: datetime | None = None) -> list[Notification]:
    """What asks the member for an answer and still can be answered: home leads with it."""
    now = now or utcnow()
    answering = [k for k, v in KINDS.items() if v.answer]
    rows = db.session.scalars(
        sa.select(Notification)
        .where(
            Notification.member_id == member.id,
            Notification.settled_at.is_(None),
            Notification.kind.in_(answering),
        )
        .order_by(Notification.id.desc())
        .limit(20)
    )
    return [n for n in rows if not _past_deadline(n, now)]


def moot(notification: Notification, now: datetime) -> bool:
    """It asked for an answer that can no longer be given, or was given already (settled,
    or past its deadline): telling it now on another channel would only mislead."""
    kind = KINDS[notification.kind]
    if kind.answer and notification.settled_at is not None:
        return True
    return _past_deadline(notification, now)


def _past_deadline(notification: Notification, now: datetime) -> bool:
    name = KINDS[notification.kind].deadline
    value = (notification.params or {}).get(name) if name else None
    if isinstance(value, dict) and "$t" in value:
        return datetime.fromisoformat(value["$t"]) <= now
    return False


def own(notification_id, member) -> Notification:
    notification = db.session.get(Notification, notification_id) if is_id(notification_id) else None
    if notification is None or notification.member_id != member.id:
        raise NotFound(texts.NOT_FOUND)
    return notification


def mark_read(notification: Notification, now: datetime | None = None) -> Notification:
    if notification.read_at is None:
        notification.read_at = now or utcnow()
    return notification


def mark_all_read(member, now: datetime | None = None) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    return result.rowcount


# ---------------------------------------------------------------------------- preferences


def quiet_hours_text() -> str:
    """Quiet hours as people write them: 21:00–08:00 (empty when there are none)."""
    start, end = quiet.hours()
    return "" if start == end else f"{start:%H:%M}–{end:%H:%M}"


@dataclass(frozen=True)
class Choice:
    kind: Kind
    channel: str
    wanted: bool
    default: bool
    available: bool  # the member has an address for the channel


def preferences(member) -> list[Choice]:
    """Every inbox kind × outside channel, with the member's choice and the default."""
    stored = {
        (p.kind, p.channel): p.wanted
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.member_id == member.id)
        )
    }
    choices = []
    for kind in KINDS.values():
        if not kind.inbox or (kind.staff and not getattr(member, "is_staff", False)):
            continue
        for channel in CHANNELS:
            default = channel in kind.default_channels()
            choices.append(
                Choice(
                    kind,
                    channel,
                    stored.get((kind.key, channel), default),
                    default,
                    _address(member, channel) is not None,
                )
            )
    return choices


def choose(member, kind_key: str, channel: str, wanted: bool) -> None:
    """Record that `member` does (not) want `kind_key` on `channel`."""
    kind = KINDS.get(kind_key) if isinstance(kind_key, str) else None
    if kind is None or not kind.inbox:
        raise InvalidInput(texts.UNKNOWN_KIND, field="kind", kind=kind_key)
    if channel not in CHANNELS:
        raise InvalidInput(texts.UNKNOWN_CHANNEL, field="channel", channel=channel)
    if wanted and _address(member, channel) is None:
        raise InvalidInput(texts.NO_EMAIL, field="channel")
    row = db.session.get(NotificationPreference, (member.id, kind.key, channel))
    if wanted == (channel in kind.default_channels()):
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(
            NotificationPreference(
                member_id=member.id, kind=kind.key, channel=channel, wanted=wanted
            )
        )
    else:
        row.wanted = wanted
    db.session.flush()
