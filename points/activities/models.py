"""Earning points: the activity catalogue (积分事项), claims and scheduled activities.

`ActivityType` rows are versions: editing a type writes a new row with the same `code` and
`version + 1`, and exactly one row per code is current (a partial unique index). A `Claim`
points at the version the member claimed under, so an award always says which rule paid it.

A claim is submitted → approved (one `earn` transfer, keyed by the claim, so pressing
approve twice cannot pay twice) or rejected (kept, with the reason); an approved claim can
be reversed (a `reverse` transfer pointing at the award). Quantities are stored in tenths
(1.5 hours → 15) so points stay integer arithmetic.

An `Activity` is a scheduled event: members sign up (`Signup`), check in at the venue by
scanning the organiser's QR code or are ticked off, and the roster becomes claims.
`Evidence` is an uploaded photo, stored on disk outside the database.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db
from points.members.models import LEVELS, Community, Member

UNITS = ("hour", "occurrence")
APPROVERS = ("social_worker", "admin")
CLAIM_STATUSES = ("submitted", "approved", "rejected", "reversed")
ACTIVITY_STATUSES = ("open", "cancelled", "closed")
SIGNUP_STATUSES = ("signed_up", "cancelled")


class ActivityCategory(db.Model):
    __tablename__ = "activity_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(sa.Integer, default=0)


class ActivityType(db.Model):
    """One version of an activity type's rule."""

    __tablename__ = "activity_types"
    __table_args__ = (
        sa.UniqueConstraint("code", "version", name="uq_activity_types_version"),
        sa.Index(
            "uq_activity_types_current",
            "code",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
        sa.CheckConstraint(one_of("unit", UNITS), name="ck_activity_types_unit"),
        sa.CheckConstraint(one_of("min_level", LEVELS), name="ck_activity_types_level"),
        sa.CheckConstraint(one_of("approver", APPROVERS), name="ck_activity_types_approver"),
        sa.CheckConstraint("points > 0", name="ck_activity_types_points"),
        sa.CheckConstraint(
            "daily_cap IS NULL OR daily_cap >= points", name="ck_activity_types_daily_cap"
        ),
        sa.CheckConstraint(
            "monthly_cap IS NULL OR monthly_cap >= points", name="ck_activity_types_monthly_cap"
        ),
        sa.CheckConstraint("version >= 1", name="ck_activity_types_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    is_current: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("activity_categories.id"))
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_zh: Mapped[str] = mapped_column(sa.String(500), default="")
    description_en: Mapped[str] = mapped_column(sa.String(500), default="")
    unit: Mapped[str] = mapped_column(sa.String(12))
    points: Mapped[int] = mapped_column(sa.Integer)
    daily_cap: Mapped[int | None] = mapped_column(sa.Integer)
    monthly_cap: Mapped[int | None] = mapped_column(sa.Integer)
    min_level: Mapped[str] = mapped_column(sa.String(10), default="volunteer")
    evidence: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    approver: Mapped[str] = mapped_column(sa.String(16), default="social_worker")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    category: Mapped[ActivityCategory] = relationship(lazy="joined")

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


class Evidence(db.Model):
    """An uploaded photo; the bytes live in the instance folder under `stored_name`."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Activity(db.Model):
    """A scheduled activity organised by a host or social worker."""

    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", ACTIVITY_STATUSES), name="ck_activities_status"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_activities_time"),
        sa.CheckConstraint("capacity > 0", name="ck_activities_capacity"),
        sa.Index("ix_activities_community_start", "community_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_type_id: Mapped[int] = mapped_column(sa.ForeignKey("activity_types.id"))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    organiser_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    title: Mapped[str] = mapped_column(sa.String(80))
    place: Mapped[str] = mapped_column(sa.String(80))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity_type: Mapped[ActivityType] = relationship()
    community: Mapped[Community] = relationship()
    organiser: Mapped[Member] = relationship()
    signups: Mapped[list[Signup]] = relationship(order_by="Signup.id", back_populates="activity")


class Signup(db.Model):
    __tablename__ = "signups"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "member_id", name="uq_signups"),
        sa.CheckConstraint(one_of("status", SIGNUP_STATUSES), name="ck_signups_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="signed_up")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None when the member scanned the code themselves; the organiser's id when ticked off.
    checked_in_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    activity: Mapped[Activity] = relationship(back_populates="signups")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])


class Claim(db.Model):
    """积分申报: a member's claim for points for work done."""

    __tablename__ = "claims"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", CLAIM_STATUSES), name="ck_claims_status"),
        sa.CheckConstraint("quantity_tenths > 0", name="ck_claims_quantity"),
        # An award is a transfer; an approved or reversed claim always has one.
        sa.CheckConstraint(
            "(status IN ('approved', 'reversed')) = (transfer_id IS NOT NULL)",
            name="ck_claims_award",
        ),
        sa.CheckConstraint(
            "(status = 'reversed') = (reversal_id IS NOT NULL)", name="ck_claims_reversal"
        ),
        sa.UniqueConstraint("transfer_id", name="uq_claims_transfer"),
        sa.UniqueConstraint("source", name="uq_claims_source"),
        # One claim per member per scheduled activity.
        sa.UniqueConstraint("activity_id", "member_id", name="uq_claims_activity_member"),
        sa.Index("ix_claims_status_community", "status", "community_id"),
        sa.Index("ix_claims_member_day", "member_id", "occurred_on"),
        # 代办: claimed by someone else for the member (see points/members/helpers.py).
        sa.CheckConstraint("acted_by IS NULL OR acted_by <> member_id", name="ck_claims_acted_by"),
        sa.CheckConstraint(
            "helper_grant_id IS NULL OR acted_by IS NOT NULL", name="ck_claims_grant_actor"
        ),
        sa.ForeignKeyConstraint(
            ["helper_grant_id", "acted_by", "member_id"],
            ["helper_grants.id", "helper_grants.helper_id", "helper_grants.resident_id"],
            name="fk_claims_helper_grant",
        ),
        sa.Index("ix_claims_decided_at", "decided_at"),  # reports: issued in a period
        sa.Index("ix_claims_occurred_on", "occurred_on"),  # reports: hours served
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    # The member's community when they claimed: whose social workers review it.
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    activity_type_id: Mapped[int] = mapped_column(sa.ForeignKey("activity_types.id"))
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    quantity_tenths: Mapped[int] = mapped_column(sa.Integer)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="submitted")
    points: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    reversal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    reversed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reversal_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # An award for work another domain verified names what it pays for ("ticket-report:12"),
    # once: the unique key keeps a second award for the same work out of the database.
    source: Mapped[str | None] = mapped_column(sa.String(60))
    # 代办: who claimed for the member (None: the member themselves), and under which helper
    # grant (None with `acted_by` set: a social worker at the counter, 本人到场).
    acted_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", name="fk_claims_acted_by")
    )
    helper_grant_id: Mapped[int | None] = mapped_column(sa.Integer)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    activity_type: Mapped[ActivityType] = relationship(lazy="joined")
    activity: Mapped[Activity | None] = relationship()
    evidence: Mapped[Evidence | None] = relationship()
    decider: Mapped[Member | None] = relationship(foreign_keys=[decided_by])
    actor: Mapped[Member | None] = relationship(foreign_keys=[acted_by])

    @property
    def quantity(self) -> float:
        return self.quantity_tenths / 10

    @property
    def hours(self) -> float:
        return self.quantity if self.activity_type.unit == "hour" else 0.0
