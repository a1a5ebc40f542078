"""Notifications: a transactional outbox.

A domain service that changes something a member must hear about calls
`notifications.services.notify` in the same transaction, which writes a `Notification` (the
inbox item: what happened, with its parameters and the one thing to do next) and a `Delivery`
for each outside channel the member wants it on (SMS, email). A rolled-back change writes
neither; a committed one leaves its deliveries queued for the worker, which sends them later
(`points/notifications/delivery.py`), one `DeliveryAttempt` row per try.

A delivery is sent at most once: the worker claims it (status `sending`) in a transaction of
its own before it calls the provider, and a claim left by a worker that died mid-send is
settled by asking the provider or marked `uncertain`, never sent again by itself.
`NotificationPreference` keeps only what a member changed from a kind's default channels.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db

CHANNELS = ("sms", "email")  # beside the inbox, which every notification is in
DELIVERY_STATUSES = (
    "queued",  # waiting for its time (quiet hours, the digest) or for the worker
    "sending",  # claimed by a worker, which is talking to the provider now
    "sent",  # the provider accepted it
    "failed",  # gave up after retries, or the provider refused it for good
    "logged",  # no provider configured: written to the log and the outbox page, NOT sent
    "uncertain",  # the worker died mid-send; the provider could not say whether it went
    "skipped",  # nowhere to send it (no email address) or the member turned it off since
)


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # Reminders made by the sweep carry a key, so a second sweep does not repeat them.
        sa.UniqueConstraint("member_id", "once_key", name="uq_notifications_once"),
        sa.Index("ix_notifications_inbox", "member_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # What it is about ("booking:12"): the domain settles it when the member has answered.
    subject: Mapped[str] = mapped_column(sa.String(60), default="", index=True)
    once_key: Mapped[str | None] = mapped_column(sa.String(120))
    # The member's language when it was written: SMS and email are rendered in it.
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When what it asks for was done or can no longer be done (the offer was taken, lapsed).
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="notification", order_by="Delivery.id"
    )


class Delivery(db.Model):
    __tablename__ = "notification_deliveries"
    __table_args__ = (
        # Never twice on one channel.
        sa.UniqueConstraint("notification_id", "channel", name="uq_deliveries_channel"),
        sa.CheckConstraint(one_of("channel", CHANNELS), name="ck_deliveries_channel"),
        sa.CheckConstraint(one_of("status", DELIVERY_STATUSES), name="ck_deliveries_status"),
        sa.CheckConstraint("attempts >= 0", name="ck_deliveries_attempts"),
        sa.Index("ix_deliveries_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(sa.String(10))
    address: Mapped[str] = mapped_column(sa.String(120))  # the phone or email it goes to
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    # Not before: quiet hours, the daily digest and retries' backoff move it later.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digest: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_ref: Mapped[str] = mapped_column(sa.String(100), default="")
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")
    attempts_made: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id"
    )


class DeliveryAttempt(db.Model):
    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("notification_deliveries.id"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None while it runs; then sent, logged (no provider: NOT sent), failed (will retry),
    # refused (for good), unknown (no answer: may have gone) or crashed (the worker died).
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")

    delivery: Mapped[Delivery] = relationship(back_populates="attempts_made")


class NotificationPreference(db.Model):
    """A member's choice for one kind on one channel, where it differs from the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        sa.CheckConstraint(one_of("channel", CHANNELS), name="ck_preferences_channel"),
    )

    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    wanted: Mapped[bool] = mapped_column()
