"""Reading the ledger: an account's balance (O(1), from its cached row) and its statement.

A statement lists an account's postings newest first with keyset pagination on the posting
id, so page 1,000 costs what page 1 costs. Reads take no locks and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from points.extensions import db
from points.ledger import rules
from points.ledger.accounts import no_such_account, wallet_name
from points.ledger.models import Account, Hold, Posting, Transfer


@dataclass(frozen=True)
class Balance:
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass(frozen=True)
class StatementItem:
    posting_id: int
    transfer_id: int
    kind: str
    amount: int
    balance_after: int
    memo: str
    created_at: datetime
    reverses_id: int | None


@dataclass(frozen=True)
class StatementPage:
    items: list[StatementItem]
    next_cursor: str | None


def _balances(now: datetime):
    """An account's balance and what still holds it back: holds past their expiry no longer
    count, from that moment (the sweep marks them expired later)."""
    overdue = (
        sa.select(sa.func.coalesce(sa.func.sum(Hold.amount), 0))
        .where(Hold.account_id == Account.id, Hold.status == "pending", Hold.expires_at <= now)
        .scalar_subquery()
    )
    return sa.select(Account.asset, Account.balance, Account.held - overdue)


def balance_of(account: Account | int, *, now: datetime | None = None) -> Balance:
    """The account's balance and held amount; holds past their expiry no longer count."""
    account_id = rules.account_id(account, "account")
    row = db.session.execute(
        _balances(rules.now(now)).where(Account.id == account_id)
    ).one_or_none()
    if row is None:
        raise no_such_account(account_id)
    return Balance(balance=row[1], held=int(row[2]))  # SUM is numeric on PG


def wallet_balances(
    member_id: int, assets: tuple[str, ...] = ("points",), *, now: datetime | None = None
) -> dict[str, Balance]:
    """The member's wallets for `assets` as `balance_of` reads them, in one statement; a
    wallet not opened yet reads zero (reading opens none)."""
    wanted = [rules.asset(asset) for asset in assets]
    rows = db.session.execute(
        _balances(rules.now(now)).where(
            Account.name == wallet_name(member_id), Account.asset.in_(wanted)
        )
    ).all()
    found = {asset: Balance(balance=balance, held=int(held)) for asset, balance, held in rows}
    return {asset: found.get(asset, Balance(balance=0, held=0)) for asset in wanted}


@dataclass(frozen=True)
class PendingHold:
    """A hold still keeping points back, as a statement line: `available_after` is the
    account's balance less this hold and every newer one (the newest: available now)."""

    hold_id: int
    kind: str
    amount: int
    memo: str
    created_at: datetime
    expires_at: datetime
    available_after: int


def pending_holds(account: Account | int, *, now: datetime | None = None) -> list[PendingHold]:
    """The account's holds that still count (pending, not past their expiry), newest first;
    with the postings below them, each line's figure is the one under it less its amount."""
    account_id = rules.account_id(account, "account")
    now = rules.now(now)
    balance = db.session.scalar(sa.select(Account.balance).where(Account.id == account_id))
    if balance is None:
        raise no_such_account(account_id)
    rows = db.session.execute(
        sa.select(Hold.id, Hold.kind, Hold.amount, Hold.memo, Hold.created_at, Hold.expires_at)
        .where(Hold.account_id == account_id, Hold.status == "pending", Hold.expires_at > now)
        .order_by(Hold.id)
    ).all()
    lines, left = [], int(balance)
    for row in rows:  # oldest first: each takes its amount off what the older ones left
        left -= int(row.amount)
        lines.append(
            PendingHold(
                row.id, row.kind, int(row.amount), row.memo, row.created_at, row.expires_at, left
            )
        )
    return lines[::-1]


def statement(
    account: Account | int, *, cursor: str | None = None, limit: int = 50
) -> StatementPage:
    """The account's postings, newest first, `limit` at a time (keyset pagination)."""
    account_id = rules.account_id(account, "account")
    before = rules.cursor(cursor)
    limit = rules.page_size(limit)
    query = (
        sa.select(
            Posting.id,
            Posting.transfer_id,
            Transfer.kind,
            Posting.amount,
            Posting.balance_after,
            Transfer.memo,
            Transfer.created_at,
            Transfer.reverses_id,
        )
        .join(Transfer, Transfer.id == Posting.transfer_id)
        .where(Posting.account_id == account_id)
        .order_by(Posting.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Posting.id < before)
    rows = db.session.execute(query).all()
    items = [StatementItem(*row) for row in rows[:limit]]
    next_cursor = str(items[-1].posting_id) if len(rows) > limit else None
    return StatementPage(items=items, next_cursor=next_cursor)
