"""Shared community space (分时复用): spaces with opening hours and tier prices, and bookings.

A `Space` is bookable on slot boundaries inside its weekly opening hours; each service tier —
公益 `free`, 低偿 `low_fee`, 市场 `market` — has a price in points per hour. A `Booking` holds
`[start_at, end_at)`; while it is active (pending or confirmed) no other active booking of the
same space may overlap it. The database enforces that: on PostgreSQL an exclusion constraint
over a time range, on SQLite triggers that refuse an overlapping insert or update (writers
are serialised there, so the check cannot race). No booking is longer than 26 hours (a CHECK
on PostgreSQL, the same triggers on SQLite; migration 0026), so every overlap check searches
only the bookings that start in the 26 hours before — flat however many the space has had.

The price is paid from the host's `space_minutes` first, then points. A booking awaiting
approval holds what it costs (ledger holds); approval posts them, rejection voids them.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db
from points.members.models import LEVELS, Community, LevelChange, Member

TIERS = ("free", "low_fee", "market")
# offered: held for a waiting host to accept; lapsed: an offer not taken up in time;
# no_show: released by the application when nobody checked in.
BOOKING_STATUSES = ("pending", "confirmed", "cancelled", "rejected", "offered", "lapsed", "no_show")
ACTIVE = ("pending", "confirmed")
# What keeps a slot taken: the database refuses overlaps among these.
BLOCKING = ("pending", "confirmed", "offered")
WAIT_STATUSES = ("waiting", "offered", "booked", "lapsed", "withdrawn")
DEFAULT_DAY_PARTS = [
    {"name_zh": "上午", "name_en": "Morning", "start": "00:00", "end": "12:00"},
    {"name_zh": "午间", "name_en": "Midday", "start": "12:00", "end": "17:00"},
    {"name_zh": "晚间", "name_en": "Evening", "start": "17:00", "end": "24:00"},
]


class Space(db.Model):
    __tablename__ = "spaces"
    __table_args__ = (
        sa.CheckConstraint(one_of("min_level", LEVELS), name="ck_spaces_level"),
        sa.CheckConstraint("slot_minutes IN (15, 30, 60)", name="ck_spaces_slot"),
        sa.CheckConstraint(
            "price_free >= 0 AND price_low_fee >= 0 AND price_market >= 0",
            name="ck_spaces_prices",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    capacity: Mapped[int] = mapped_column(sa.Integer)
    slot_minutes: Mapped[int] = mapped_column(sa.Integer, default=30)
    # {"mon": [["08:00", "21:00"]], …, "sun": []}: local opening intervals per weekday.
    opening_hours: Mapped[dict] = mapped_column(sa.JSON)
    min_level: Mapped[str] = mapped_column(sa.String(10), default="host")
    needs_approval: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    price_free: Mapped[int] = mapped_column(sa.Integer, default=0)
    price_low_fee: Mapped[int] = mapped_column(sa.Integer, default=0)
    price_market: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # [{"name_zh", "name_en", "start": "HH:MM", "end": "HH:MM"}, …] for utilisation reports.
    day_parts: Mapped[list] = mapped_column(sa.JSON, default=lambda: list(DEFAULT_DAY_PARTS))

    community: Mapped[Community] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def price(self, tier: str) -> int:
        return {
            "free": self.price_free,
            "low_fee": self.price_low_fee,
            "market": self.price_market,
        }[tier]


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", BOOKING_STATUSES), name="ck_bookings_status"),
        sa.CheckConstraint(one_of("tier", TIERS), name="ck_bookings_tier"),
        sa.CheckConstraint("end_at > start_at", name="ck_bookings_time"),
        sa.CheckConstraint("cost_points >= 0 AND cost_minutes >= 0", name="ck_bookings_cost"),
        sa.Index("ix_bookings_space_start", "space_id", "start_at"),
        sa.Index("ix_bookings_host", "host_id", "start_at"),
        # 代办: booked by someone else for the host (see points/members/helpers.py).
        sa.CheckConstraint("acted_by IS NULL OR acted_by <> host_id", name="ck_bookings_acted_by"),
        sa.CheckConstraint(
            "helper_grant_id IS NULL OR acted_by IS NOT NULL", name="ck_bookings_grant_actor"
        ),
        sa.ForeignKeyConstraint(
            ["helper_grant_id", "acted_by", "host_id"],
            ["helper_grants.id", "helper_grants.helper_id", "helper_grants.resident_id"],
            name="fk_bookings_helper_grant",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("spaces.id"))
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tier: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(80))
    expected_attendance: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(10))
    cost_points: Mapped[int] = mapped_column(sa.Integer, default=0)
    cost_minutes: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Pending: the holds; confirmed: the posted transfers (either may be absent at cost 0).
    points_hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"))
    minutes_hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"))
    points_transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    minutes_transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    refunded_points: Mapped[int] = mapped_column(sa.Integer, default=0)
    refunded_minutes: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Weekly occurrences booked together share a series id.
    series_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    # Bumped by each edit that re-prices the booking (keys its ledger movements).
    revision: Mapped[int] = mapped_column(sa.Integer, default=0)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the booking was cancelled because its host lost the level (or active status)
    # it needs: the change says when and why (see standing.py).
    level_change_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("level_changes.id", name="fk_bookings_level_change")
    )
    # 代办: who booked it for the host (None: the host themselves), and under which helper
    # grant (None with `acted_by` set: a social worker at the counter, 本人到场).
    acted_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", name="fk_bookings_acted_by")
    )
    helper_grant_id: Mapped[int | None] = mapped_column(sa.Integer)

    space: Mapped[Space] = relationship(lazy="joined")
    host: Mapped[Member] = relationship(foreign_keys=[host_id])
    level_change: Mapped[LevelChange | None] = relationship()
    actor: Mapped[Member | None] = relationship(foreign_keys=[acted_by])

    def local_start(self, zone) -> datetime:
        return self.start_at.astimezone(zone)


class SpaceClosure(db.Model):
    """Days a space (or, with no space, every space of the community) cannot be booked."""

    __tablename__ = "space_closures"
    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="ck_space_closures_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    space_id: Mapped[int | None] = mapped_column(sa.ForeignKey("spaces.id"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    reason_zh: Mapped[str] = mapped_column(sa.String(80))
    reason_en: Mapped[str] = mapped_column(sa.String(120), default="")

    def reason(self, locale: str) -> str:
        return self.reason_en if locale.startswith("en") and self.reason_en else self.reason_zh


class SpaceWait(db.Model):
    """A host waiting for a taken time; offered it (as an `offered` booking) when it frees."""

    __tablename__ = "space_waits"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", WAIT_STATUSES), name="ck_space_waits_status"),
        sa.CheckConstraint(one_of("tier", TIERS), name="ck_space_waits_tier"),
        sa.CheckConstraint("end_at > start_at", name="ck_space_waits_time"),
        sa.Index("ix_space_waits_space", "space_id", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("spaces.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tier: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(80))
    expected_attendance: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(10), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id"))

    space: Mapped[Space] = relationship(lazy="joined")
    booking: Mapped[Booking | None] = relationship()


class CalendarFeed(db.Model):
    """The secret address of an iCalendar feed of one space or one host's bookings."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        sa.CheckConstraint(
            "(space_id IS NULL) <> (member_id IS NULL)", name="ck_calendar_feeds_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int | None] = mapped_column(sa.ForeignKey("spaces.id"), unique=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
