"""The points ledger, double-entry and append-only.

An `Account` holds one asset (`points`, `space_minutes`, or `cny`: money in integer fen) and
caches its `balance` and the
amount `held` by pending holds; available = balance − held. A `Transfer` moves value with two
or more `Posting`s whose amounts sum to zero per asset. Transfers and postings are never
updated or deleted (database triggers refuse it); a mistake is undone by a reversing transfer
that points at the original. Each posting records the account's balance after it, so a
statement shows a running balance without summing.

A `Hold` is the first phase of a two-phase transfer: it reserves an amount on its source
account (raising `held`) and ends exactly once — posted (becoming a transfer), voided, or
expired. Transfers form a hash chain (`seq`, `prev_hash`, `hash`); `LedgerHead` is the single
row holding the chain's tip, locked by every writer of a transfer so the chain never forks.

Database constraints repeat the rules the services enforce: a wallet never below zero nor
holding more than it has, non-zero postings in the posting account's own asset, one transfer
per idempotency key, one reversal per transfer, one posting transfer per hold. Money never
mixes with the other assets: a transfer with a `cny` posting has only `cny` postings (the
trigger `postings_money_alone`, migration 0023).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, utcnow
from points.extensions import db

ASSETS = ("points", "space_minutes", "cny")
MONEY = "cny"  # integer fen; never in one transfer with another asset
HOLD_STATUSES = ("pending", "posted", "voided", "expired")
GENESIS_HASH = "0" * 64

_asset_check = "asset IN ('points', 'space_minutes', 'cny')"


class Account(db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.UniqueConstraint("name", "asset", name="uq_accounts_name_asset"),
        sa.UniqueConstraint("id", "asset", name="uq_accounts_id_asset"),
        sa.CheckConstraint(_asset_check, name="ck_accounts_asset"),
        sa.CheckConstraint("kind IN ('wallet', 'system')", name="ck_accounts_kind"),
        sa.CheckConstraint("held >= 0", name="ck_accounts_held_not_negative"),
        sa.CheckConstraint(
            "kind = 'system' OR NOT may_go_negative", name="ck_accounts_wallet_floor"
        ),
        sa.CheckConstraint("may_go_negative OR balance >= held", name="ck_accounts_covered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # `member:<id>` for wallets; `issuance`, `redeemed:<merchant>`, `space`, … for system accounts.
    name: Mapped[str] = mapped_column(sa.String(80))
    asset: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(10))
    member_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    may_go_negative: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    held: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name}/{self.asset}>"


class Transfer(db.Model):
    __tablename__ = "transfers"
    __table_args__ = (
        sa.UniqueConstraint("seq", name="uq_transfers_seq"),
        sa.UniqueConstraint("idempotency_key", name="uq_transfers_idempotency_key"),
        sa.UniqueConstraint("reverses_id", name="uq_transfers_reverses"),
        sa.UniqueConstraint("hold_id", name="uq_transfers_hold"),
        sa.CheckConstraint("seq > 0", name="ck_transfers_seq_positive"),
        sa.Index("ix_transfers_created_at", "created_at"),  # reports read one period
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(20))
    memo: Mapped[str] = mapped_column(sa.String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    postings: Mapped[list[Posting]] = relationship(back_populates="transfer", order_by="Posting.id")

    def __repr__(self) -> str:
        return f"<Transfer {self.id} {self.kind}>"


class Posting(db.Model):
    __tablename__ = "postings"
    __table_args__ = (
        # The posting's asset must be its account's asset: the pair is the foreign key.
        sa.ForeignKeyConstraint(
            ["account_id", "asset"], ["accounts.id", "accounts.asset"], name="fk_postings_account"
        ),
        sa.CheckConstraint("amount <> 0", name="ck_postings_amount_not_zero"),
        sa.CheckConstraint(_asset_check, name="ck_postings_asset"),
        sa.UniqueConstraint("transfer_id", "account_id", name="uq_postings_transfer_account"),
        sa.Index("ix_postings_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"))
    account_id: Mapped[int] = mapped_column(sa.Integer)
    asset: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    balance_after: Mapped[int] = mapped_column(sa.BigInteger)

    transfer: Mapped[Transfer] = relationship(back_populates="postings")


class Hold(db.Model):
    __tablename__ = "holds"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["account_id", "asset"], ["accounts.id", "accounts.asset"], name="fk_holds_account"
        ),
        sa.ForeignKeyConstraint(
            ["destination_id", "asset"],
            ["accounts.id", "accounts.asset"],
            name="fk_holds_destination",
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_holds_idempotency_key"),
        sa.CheckConstraint("amount > 0", name="ck_holds_amount_positive"),
        sa.CheckConstraint("account_id <> destination_id", name="ck_holds_distinct_accounts"),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'voided', 'expired')", name="ck_holds_status"
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (ended_at IS NULL)", name="ck_holds_ended_iff_not_pending"
        ),
        sa.Index("ix_holds_pending_expiry", "status", "expires_at"),
        sa.Index("ix_holds_account_status_expiry", "account_id", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.Integer)
    destination_id: Mapped[int] = mapped_column(sa.Integer)
    asset: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(20))
    memo: Mapped[str] = mapped_column(sa.String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    end_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    transfer: Mapped[Transfer | None] = relationship(
        primaryjoin="Hold.id == foreign(Transfer.hold_id)", viewonly=True, uselist=False
    )

    def __repr__(self) -> str:
        return f"<Hold {self.id} {self.status} {self.amount} {self.asset}>"


class LedgerHead(db.Model):
    """The tip of the transfer hash chain: one row, locked by every transfer writer."""

    __tablename__ = "ledger_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_ledger_head_single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)
