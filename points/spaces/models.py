"""Shared community space (分时复用): spaces with opening hours and tier prices, and bookings.

A `Space` is bookable on slot boundaries inside its weekly opening hours; each service tier —
公益 `free`, 低偿 `low_fee`, 市场 `market` — has a price in points per hour. A `Booking` holds
`[start_at, end_at)`; while it is active (pending or confirmed) no other active booking of the
same space may overlap it. The database enforces that: on PostgreSQL an exclusion constraint
over a time range, on SQLite triggers that refuse an overlapping insert or update (writers
are serialised there, so the check cannot race).

The price is paid from the host's `space_minutes` first, then points. A booking awaiting
approval holds what it costs (ledger holds); approval posts them, rejection voids them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db
from points.members.models import LEVELS, Community, Member

TIERS = ("free", "low_fee", "market")
BOOKING_STATUSES = ("pending", "confirmed", "cancelled", "rejected")
ACTIVE = ("pending", "confirmed")


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

    space: Mapped[Space] = relationship(lazy="joined")
    host: Mapped[Member] = relationship(foreign_keys=[host_id])
