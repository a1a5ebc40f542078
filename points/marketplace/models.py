"""Spending points: providers, benefits (权益) and redemptions (vouchers).

A `Provider` is a caring merchant (爱心商户), a partner unit (共建单位) or a community itself
(which offers space-use rights and publicity resources to hosts). A `Benefit` has a points
price, a stock (`stock_left`, NULL for unlimited, never below zero by a CHECK), a per-member
limit per period, a validity window and the lowest level allowed.

Redeeming takes stock with one conditional UPDATE and *holds* the points in the ledger; the
member gets a `Redemption` (voucher) with a short code. Confirming (核销) at the counter posts
the hold to `redeemed:<provider>`; cancelling or expiry voids it and returns the stock. A
voucher's status and its hold always move together in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db
from points.members.models import LEVELS, Community, Member

PROVIDER_KINDS = ("merchant", "partner", "community")
CATEGORIES = (
    "haircut",
    "meal",
    "grocery",
    "health",
    "class",
    "repair",
    "household",
    "ticket",
    "culture",
    "fitness",
    "space_use",
    "publicity",
)
# Kinds only community hosts redeem: their filters are shown to hosts alone.
HOST_CATEGORIES = ("space_use", "publicity")
LIMIT_PERIODS = ("day", "week", "month", "year", "ever")
REDEMPTION_STATUSES = ("held", "confirmed", "cancelled", "expired")


class Provider(db.Model):
    __tablename__ = "providers"
    __table_args__ = (sa.CheckConstraint(one_of("kind", PROVIDER_KINDS), name="ck_providers_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    address_zh: Mapped[str] = mapped_column(sa.String(120), default="")
    # Opening hours as the shop writes them ("周一至周六 9:00–18:00"), shown on its vouchers.
    hours_zh: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    hours_en: Mapped[str] = mapped_column(sa.String(160), default="", server_default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    community: Mapped[Community | None] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def hours(self, locale: str) -> str:
        return (self.hours_en or self.hours_zh) if locale.startswith("en") else self.hours_zh


class Benefit(db.Model):
    __tablename__ = "benefits"
    __table_args__ = (
        sa.CheckConstraint(one_of("category", CATEGORIES), name="ck_benefits_category"),
        sa.CheckConstraint(one_of("min_level", LEVELS), name="ck_benefits_level"),
        sa.CheckConstraint("points > 0", name="ck_benefits_points"),
        sa.CheckConstraint("stock_left IS NULL OR stock_left >= 0", name="ck_benefits_stock"),
        sa.CheckConstraint(
            "(stock_total IS NULL) = (stock_left IS NULL)", name="ck_benefits_stock_kind"
        ),
        sa.CheckConstraint(
            "(per_member_limit IS NULL) = (limit_period IS NULL)", name="ck_benefits_limit"
        ),
        sa.CheckConstraint(
            "limit_period IS NULL OR " + one_of("limit_period", LIMIT_PERIODS),
            name="ck_benefits_limit_period",
        ),
        sa.CheckConstraint("valid_days BETWEEN 1 AND 90", name="ck_benefits_valid_days"),
        sa.CheckConstraint(
            "(category = 'space_use') = (space_minutes IS NOT NULL)",
            name="ck_benefits_space_minutes",
        ),
        sa.UniqueConstraint("provider_id", "title_zh", name="uq_benefits_title"),
        sa.Index("ix_benefits_category", "category", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(12))
    title_zh: Mapped[str] = mapped_column(sa.String(80))
    title_en: Mapped[str] = mapped_column(sa.String(160))
    description_zh: Mapped[str] = mapped_column(sa.String(500), default="")
    description_en: Mapped[str] = mapped_column(sa.String(800), default="")
    points: Mapped[int] = mapped_column(sa.Integer)
    stock_total: Mapped[int | None] = mapped_column(sa.Integer)
    stock_left: Mapped[int | None] = mapped_column(sa.Integer)
    per_member_limit: Mapped[int | None] = mapped_column(sa.Integer)
    limit_period: Mapped[str | None] = mapped_column(sa.String(6))
    valid_days: Mapped[int] = mapped_column(sa.Integer, default=7)
    available_from: Mapped[date | None] = mapped_column(sa.Date)
    available_until: Mapped[date | None] = mapped_column(sa.Date)
    min_level: Mapped[str] = mapped_column(sa.String(10), default="volunteer")
    space_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[Provider] = relationship(lazy="joined")

    @property
    def host_only(self) -> bool:
        return self.min_level == "host"

    def title(self, locale: str) -> str:
        return self.title_en if locale.startswith("en") else self.title_zh

    def description(self, locale: str) -> str:
        return self.description_en if locale.startswith("en") else self.description_zh


class Redemption(db.Model):
    """A voucher: held → confirmed (核销), or cancelled / expired (points and stock return)."""

    __tablename__ = "redemptions"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", REDEMPTION_STATUSES), name="ck_redemptions_status"),
        sa.CheckConstraint("quantity BETWEEN 1 AND 10", name="ck_redemptions_quantity"),
        sa.CheckConstraint("points > 0", name="ck_redemptions_points"),
        sa.CheckConstraint(
            "(status = 'confirmed') = (confirmed_at IS NOT NULL)", name="ck_redemptions_confirmed"
        ),
        sa.UniqueConstraint("code", name="uq_redemptions_code"),
        sa.UniqueConstraint("hold_id", name="uq_redemptions_hold"),
        sa.UniqueConstraint("member_id", "idempotency_key", name="uq_redemptions_key"),
        sa.Index("ix_redemptions_provider_status", "provider_id", "status"),
        sa.Index("ix_redemptions_member_benefit", "member_id", "benefit_id", "created_at"),
        sa.Index("ix_redemptions_status_expiry", "status", "expires_at"),
        # 代办: redeemed by someone else for the member (see points/members/helpers.py).
        sa.CheckConstraint(
            "acted_by IS NULL OR acted_by <> member_id", name="ck_redemptions_acted_by"
        ),
        sa.CheckConstraint(
            "helper_grant_id IS NULL OR acted_by IS NOT NULL", name="ck_redemptions_grant_actor"
        ),
        sa.ForeignKeyConstraint(
            ["helper_grant_id", "acted_by", "member_id"],
            ["helper_grants.id", "helper_grants.helper_id", "helper_grants.resident_id"],
            name="fk_redemptions_helper_grant",
        ),
        # reports: vouchers issued, confirmed and ended in a period
        sa.Index("ix_redemptions_created_at", "created_at"),
        sa.Index("ix_redemptions_confirmed_at", "confirmed_at"),
        sa.Index("ix_redemptions_ended_at", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(sa.ForeignKey("benefits.id"))
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    quantity: Mapped[int] = mapped_column(sa.Integer, default=1)
    points: Mapped[int] = mapped_column(sa.Integer)
    code: Mapped[str] = mapped_column(sa.String(12))
    hold_id: Mapped[int] = mapped_column(sa.ForeignKey("holds.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="held")
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    # Space-use rights: the transfer that credited the host's space minutes.
    grant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    # 代办: who redeemed it for the member (None: the member themselves), and under which
    # helper grant (None with `acted_by` set: a social worker at the counter, 本人到场).
    acted_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", name="fk_redemptions_acted_by")
    )
    helper_grant_id: Mapped[int | None] = mapped_column(sa.Integer)
    # 代办: who gave the voucher back for the member (None: the member, or not cancelled).
    cancelled_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", name="fk_redemptions_cancelled_by")
    )

    benefit: Mapped[Benefit] = relationship(lazy="joined")
    provider: Mapped[Provider] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    confirmer: Mapped[Member | None] = relationship(foreign_keys=[confirmed_by])
    actor: Mapped[Member | None] = relationship(foreign_keys=[acted_by])
    canceller: Mapped[Member | None] = relationship(foreign_keys=[cancelled_by])

    def status_at(self, now: datetime) -> str:
        """The status people are shown: a held voucher past its expiry is expired, even
        before the housekeeping sweep has voided it (and given its points back)."""
        if self.status == "held" and self.expires_at <= now:
            return "expired"
        return self.status

    @property
    def shown_status(self) -> str:
        return self.status_at(utcnow())

    @property
    def display_code(self) -> str:
        """The code in groups of three, easier to read out and type: ABC-DEF-GHJ."""
        return "-".join(self.code[i : i + 3] for i in range(0, len(self.code), 3))

    @property
    def counter_code(self) -> str:
        """The code as merchant staff see it in lists, statements and exports: whole once the
        voucher can no longer be used; while it can, its first group only (ABC-***-***), so
        nobody behind the counter can confirm a voucher its owner has not shown."""
        if self.shown_status == "held":
            return self.display_code[:3] + "-***-***"
        return self.display_code


class CounterUndo(db.Model):
    """A confirmation undone at the counter: which posting, its reversal, the new hold."""

    __tablename__ = "counter_undos"
    __table_args__ = (
        # One undo per confirmation; each reversal and each hold belongs to one undo.
        sa.UniqueConstraint("confirmation_id", name="uq_counter_undos_confirmation"),
        sa.UniqueConstraint("reversal_id", name="uq_counter_undos_reversal"),
        sa.UniqueConstraint("posted_hold_id", name="uq_counter_undos_posted_hold"),
        sa.UniqueConstraint("hold_id", name="uq_counter_undos_hold"),
        sa.CheckConstraint("posted_hold_id <> hold_id", name="ck_counter_undos_new_hold"),
        sa.CheckConstraint("undone_at >= confirmed_at", name="ck_counter_undos_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(sa.ForeignKey("redemptions.id"), index=True)
    posted_hold_id: Mapped[int] = mapped_column(sa.ForeignKey("holds.id"))
    confirmation_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"))
    reversal_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"))
    hold_id: Mapped[int] = mapped_column(sa.ForeignKey("holds.id"))  # holding the points again
    confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    undone_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    undone_at: Mapped[datetime] = mapped_column(UTCDateTime)
