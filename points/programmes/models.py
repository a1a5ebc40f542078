"""Hosts' programmes (品牌项目) and residents' ratings of their sessions.

A `Programme` is what a host runs — 苏大夜校, 女性工坊, a yoga class — on one of the spaces'
service tiers: 公益 `free` costs residents nothing, 低偿 `low_fee` and 市场 `market` a fee in
integer fen (a CHECK keeps the fee 0 exactly when the tier is free).

A session is not a new kind of event: it is one scheduled `Activity` (sign-up, capacity,
check-in and close live in points/activities) held in one of the host's `Booking`s (points/
spaces). `ProgrammeSession` only links the three, each activity and booking at most once.

`TermMember` rows are the residents signed up for the whole term: each session scheduled
later signs them up while places last. A `Rating` is one attendee's 1–5 stars for a session
after it ended, once (a unique key); one marked as a complaint goes to the community's social
workers, who uphold or dismiss it with a reason.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.activities.models import Activity
from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db
from points.members.models import Member
from points.spaces.models import TIERS, Booking, Space

STATUSES = ("active", "ended")
TERM_STATUSES = ("active", "left")
COMPLAINT_STATUSES = ("open", "upheld", "dismissed")


class Programme(db.Model):
    __tablename__ = "programmes"
    __table_args__ = (
        sa.CheckConstraint(one_of("tier", TIERS), name="ck_programmes_tier"),
        sa.CheckConstraint(one_of("status", STATUSES), name="ck_programmes_status"),
        # 公益 is free to residents; 低偿 and 市场 charge something.
        sa.CheckConstraint(
            "fee_fen >= 0 AND (tier = 'free') = (fee_fen = 0)", name="ck_programmes_fee"
        ),
        sa.CheckConstraint("capacity > 0", name="ck_programmes_capacity"),
        sa.Index("ix_programmes_community", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    tier: Mapped[str] = mapped_column(sa.String(8))
    fee_fen: Mapped[int] = mapped_column(sa.Integer, default=0)
    capacity: Mapped[int] = mapped_column(sa.Integer)
    space_id: Mapped[int | None] = mapped_column(sa.ForeignKey("spaces.id"))
    status: Mapped[str] = mapped_column(sa.String(8), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    host: Mapped[Member] = relationship()
    space: Mapped[Space | None] = relationship()
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="programme", order_by="ProgrammeSession.id"
    )


class ProgrammeSession(db.Model):
    """One session of a programme: an activity held in a booking of the programme's host."""

    __tablename__ = "programme_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"), index=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), unique=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="sessions")
    activity: Mapped[Activity] = relationship(lazy="joined")
    booking: Mapped[Booking] = relationship()


class TermMember(db.Model):
    """A resident signed up for every session of the programme's term."""

    __tablename__ = "programme_term_members"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "member_id", name="uq_programme_term_members"),
        sa.CheckConstraint(one_of("status", TERM_STATUSES), name="ck_programme_term_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(8), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rating(db.Model):
    """An attendee's rating of one session, once; perhaps a complaint to the social workers."""

    __tablename__ = "programme_ratings"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "member_id", name="uq_programme_ratings"),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="ck_programme_ratings_stars"),
        sa.CheckConstraint(
            "complaint_status IS NULL OR complaint_status IN ('open', 'upheld', 'dismissed')",
            name="ck_programme_ratings_complaint",
        ),
        # A decided complaint says who decided it, when and why.
        sa.CheckConstraint(
            "(complaint_status IN ('upheld', 'dismissed')) = (decided_at IS NOT NULL)",
            name="ck_programme_ratings_decided",
        ),
        sa.Index("ix_programme_ratings_complaints", "complaint_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_sessions.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    stars: Mapped[int] = mapped_column(sa.Integer)
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    # None: a rating only; open / upheld / dismissed: a complaint and where it stands.
    complaint_status: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    session: Mapped[ProgrammeSession] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    decider: Mapped[Member | None] = relationship(foreign_keys=[decided_by])

    @property
    def is_complaint(self) -> bool:
        return self.complaint_status is not None
