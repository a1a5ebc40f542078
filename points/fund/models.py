"""Money in the ledger: income, the 反哺 share, host settlements and grants from the fund.

Money is the ledger's `cny` asset in integer fen; a money transfer has only money postings.
The accounts, all `cny` system accounts:

- `income:<source>` (session_fee, market_rent, sponsorship): where money enters the platform
  from outside; it may go negative, like `issuance` for points;
- `collected:<member>`: what a collector (a host, or a staff member for the community office)
  has taken in, less the fund's share;
- `fund_due:<community>.<member>`: the fund's share a host has collected but not yet handed
  over — the fund's receivable; staff confirming a settlement payment moves it to the fund;
- `fund:<community>`: the community's governance fund, money actually received; it never goes
  below zero (the ledger's floor; an approved grant holds its amount on it, so two grants can
  never spend the same money);
- `grants:<community>`: what the fund has paid out for grants.

An `IncomeEntry` is recorded once per idempotency key, with one transfer: income:<source> →
collected:<collector> (the amount less the share) and → fund_due (the share; straight to
`fund:<community>` when staff collected it for the office). The share is the `FundRate` in force
on the day paid (one row per version, like activity types), rounded half up to a whole fen,
and the entry records the version it used. A `SettlementPayment` is a host's declared hand-over
of a month's share, confirmed by staff exactly once (fund_due → fund).

An `IncomeReversal` undoes one entry, once (a unique entry id; the entry itself is never
edited): the ledger's reversal of its transfer, pointing at it. When a host's share of that
month was already handed over, the fund first hands it back to the host's receivable
(`returned_fen`, fund → fund_due), so the reversal takes from the fund only what it really
received — and is refused when the fund no longer has it (granted out, or set aside).

A `Grant` is a spending request: two `GrantApproval`s by different staff, neither the
requester (the database refuses both), hold its amount on the fund; a large grant then waits
`public_days` on the public page (`payable_from`); paying posts the hold exactly once. Nothing is
edited afterwards: a rejected request stays; a paid one is undone only by a reversal transfer.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db

SOURCES = ("session_fee", "market_rent", "sponsorship")
TIERS = ("low_fee", "market")  # money-earning service tiers (公益 `free` earns none)
BASES = ("low_fee", "market", "sponsorship")  # what a 反哺 rate is set for
METHODS = ("cash", "transfer")
PAYER_KINDS = ("resident", "unit")
PAYMENT_STATUSES = ("declared", "confirmed")
GRANT_STATUSES = ("requested", "approved", "rejected", "paid", "reversed")
MAX_BP = 10_000  # rates in basis points: 10,000 = 100 %


class FundRate(db.Model):
    """One version of the 反哺 rate for a basis (a tier, or sponsorship), from `starts_on`."""

    __tablename__ = "fund_rates"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "basis", "version", name="uq_fund_rates_version"),
        sa.UniqueConstraint("community_id", "basis", "starts_on", name="uq_fund_rates_start"),
        sa.CheckConstraint(one_of("basis", BASES), name="ck_fund_rates_basis"),
        sa.CheckConstraint(f"rate_bp BETWEEN 0 AND {MAX_BP}", name="ck_fund_rates_range"),
        sa.CheckConstraint("version >= 1", name="ck_fund_rates_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    basis: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer)
    rate_bp: Mapped[int] = mapped_column(sa.Integer)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncomeEntry(db.Model):
    """Money taken in: a session fee, market rent or a sponsorship, with its 反哺 share."""

    __tablename__ = "income_entries"
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key", name="uq_income_entries_key"),
        sa.CheckConstraint(one_of("source", SOURCES), name="ck_income_entries_source"),
        sa.CheckConstraint(
            "(source = 'sponsorship' AND tier IS NULL)"
            " OR (source = 'market_rent' AND tier = 'market')"
            " OR (source = 'session_fee' AND tier IN ('low_fee', 'market'))",
            name="ck_income_entries_tier",
        ),
        sa.CheckConstraint("amount_fen > 0", name="ck_income_entries_amount"),
        sa.CheckConstraint(
            "share_fen >= 0 AND share_fen <= amount_fen", name="ck_income_entries_share"
        ),
        sa.CheckConstraint(one_of("method", METHODS), name="ck_income_entries_method"),
        sa.CheckConstraint(one_of("payer_kind", PAYER_KINDS), name="ck_income_entries_payer"),
        sa.Index("ix_income_entries_community_paid", "community_id", "paid_on"),
        sa.Index("ix_income_entries_collector_paid", "collector_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    source: Mapped[str] = mapped_column(sa.String(20))
    tier: Mapped[str | None] = mapped_column(sa.String(10))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    share_fen: Mapped[int] = mapped_column(sa.BigInteger)
    rate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fund_rates.id"))
    collector_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    payer_kind: Mapped[str] = mapped_column(sa.String(10))
    # A resident's name and phone are personal data: never on a public page or export.
    payer_name: Mapped[str] = mapped_column(sa.String(80))
    payer_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    method: Mapped[str] = mapped_column(sa.String(10))
    reference: Mapped[str] = mapped_column(sa.String(80), default="")
    paid_on: Mapped[date] = mapped_column(sa.Date)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id"))
    subject: Mapped[str] = mapped_column(sa.String(80), default="")
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rate: Mapped[FundRate | None] = relationship()
    reversal: Mapped[IncomeReversal | None] = relationship(
        back_populates="entry", uselist=False, lazy="selectin"
    )


class IncomeReversal(db.Model):
    """An income entry undone, with its reason: once per entry, never deleted."""

    __tablename__ = "income_reversals"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", name="uq_income_reversals_entry"),
        sa.CheckConstraint("returned_fen >= 0", name="ck_income_reversals_returned"),
        sa.CheckConstraint(
            "(returned_fen = 0) = (return_transfer_id IS NULL)", name="ck_income_reversals_moved"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("income_entries.id"))
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    # What the fund handed back to the host's receivable first (their share already received).
    returned_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    return_transfer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transfers.id"), unique=True
    )
    reason: Mapped[str] = mapped_column(sa.String(500))
    reversed_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    reversed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[IncomeEntry] = relationship(back_populates="reversal")


class SettlementPayment(db.Model):
    """A host's hand-over of the fund's share for a month: declared, then confirmed once."""

    __tablename__ = "settlement_payments"
    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="ck_settlement_payments_amount"),
        sa.CheckConstraint(one_of("method", METHODS), name="ck_settlement_payments_method"),
        sa.CheckConstraint(
            one_of("status", PAYMENT_STATUSES), name="ck_settlement_payments_status"
        ),
        sa.CheckConstraint(
            "(status = 'confirmed') = (transfer_id IS NOT NULL)",
            name="ck_settlement_payments_moved",
        ),
        sa.Index("ix_settlement_payments_collector", "community_id", "collector_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    collector_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    month: Mapped[str] = mapped_column(sa.String(7))  # YYYY-MM
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    method: Mapped[str] = mapped_column(sa.String(10))
    reference: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="declared")
    declared_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)


class Grant(db.Model):
    """A request to spend from the fund on a governance project, and what became of it."""

    __tablename__ = "grants"
    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="ck_grants_amount"),
        sa.CheckConstraint(one_of("status", GRANT_STATUSES), name="ck_grants_status"),
        sa.CheckConstraint(
            "(status IN ('approved', 'paid', 'reversed')) = (hold_id IS NOT NULL)",
            name="ck_grants_held",
        ),
        sa.CheckConstraint(
            "(status IN ('paid', 'reversed')) = (transfer_id IS NOT NULL)", name="ck_grants_paid"
        ),
        sa.CheckConstraint(
            "(status = 'reversed') = (reversal_id IS NOT NULL)", name="ck_grants_reversed"
        ),
        sa.Index("ix_grants_community_status", "community_id", "status"),
        # What the approvals' foreign key names, so each approval carries the real requester.
        sa.UniqueConstraint("id", "requested_by", name="uq_grants_id_requester"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    purpose: Mapped[str] = mapped_column(sa.String(200))
    project: Mapped[str] = mapped_column(sa.String(120))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    receipt_evidence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evidence.id"), unique=True
    )
    status: Mapped[str] = mapped_column(sa.String(10), default="requested")
    requested_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payable_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"), unique=True)
    rejected_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    paid_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    reversal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    reversed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    approvals: Mapped[list[GrantApproval]] = relationship(order_by="GrantApproval.id")


class GrantApproval(db.Model):
    """One staff member's approval of a grant: once each, never the requester's."""

    __tablename__ = "grant_approvals"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "approver_id", name="uq_grant_approvals_once"),
        sa.CheckConstraint("approver_id <> requester_id", name="ck_grant_approvals_not_requester"),
        sa.ForeignKeyConstraint(
            ["grant_id", "requester_id"],
            ["grants.id", "grants.requested_by"],
            name="fk_grant_approvals_grant",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.Integer)
    requester_id: Mapped[int] = mapped_column(sa.Integer)
    approver_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
