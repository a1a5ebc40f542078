"""Reading the ledger: an account's balance (O(1), from its cached row) and its statement.

A statement lists an account's postings newest first with keyset pagination on the posting
id, so page 1,000 costs what page 1 costs. Reads take no locks and write nothing.
"""

from __future__ import annotations

import functools
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


@functools.cache
def _balances(where: str) -> sa.Select:
    """An account's balance and what still holds it back: holds past their expiry no longer
    count, from that moment (the sweep marks them expired later). Built once per `where`
    (its parameters bound per call) on the tables, not the mapped classes: a read this
    common skips the ORM's per-statement work."""
    account, hold = Account.__table__.c, Hold.__table__.c
    overdue = (
        sa.select(sa.func.coalesce(sa.func.sum(hold.amount), 0))
        .where(
            hold.account_id == account.id,
            hold.status == "pending",
            hold.expires_at <= sa.bindparam("now", type_=hold.expires_at.type),
        )
        .scalar_subquery()
    )
    query = sa.select(account.asset, account.balance, account.held - overdue)
    if where == "id":
        return query.where(account.id == sa.bindparam("id", type_=sa.Integer))
    return query.where(
        account.name == sa.bindparam("name", type_=sa.String),
        account.asset.in_(sa.bindparam("assets", expanding=True, type_=sa.String)),
    )


def balance_of(account: Account | int, *, now: datetime | None = None) -> Balance:
    """The account's balance and held amount; holds past their expiry no longer count."""
    account_id = rules.account_id(account, "account")
    row = db.session.execute(
        _balances("id"), {"id": account_id, "now": rules.now(now)}
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
        _balances("wallet"),
        {"name": wallet_name(member_id), "assets": wanted, "now": rules.now(now)},
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


@functools.cache
def _postings(after_cursor: bool) -> sa.Select:
    """An account's postings (`:account`) with their transfers, newest first, one more than
    the page (`:limit`). Built once per shape, on the tables (see `_balances`)."""
    posting, transfer = Posting.__table__.c, Transfer.__table__.c
    query = (
        sa.select(
            posting.id,
            posting.transfer_id,
            transfer.kind,
            posting.amount,
            posting.balance_after,
            transfer.memo,
            transfer.created_at,
            transfer.reverses_id,
        )
        .join(Transfer.__table__, transfer.id == posting.transfer_id)
        .where(posting.account_id == sa.bindparam("account", type_=sa.Integer))
        .order_by(posting.id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    if after_cursor:
        query = query.where(posting.id < sa.bindparam("before", type_=sa.Integer))
    return query


@functools.cache
def _wallet_id() -> sa.Select:
    account = Account.__table__.c
    return sa.select(account.id).where(
        account.name == sa.bindparam("name", type_=sa.String),
        account.asset == sa.bindparam("asset", type_=sa.String),
    )


def _page(account_id: int | None, cursor: str | None, limit: int) -> StatementPage:
    before = rules.cursor(cursor)
    limit = rules.page_size(limit)
    if account_id is None:
        return StatementPage(items=[], next_cursor=None)
    params = {"account": account_id, "limit": limit + 1}
    if before is not None:
        params["before"] = before
    rows = db.session.execute(_postings(before is not None), params).all()
    items = [StatementItem(*row) for row in rows[:limit]]
    next_cursor = str(items[-1].posting_id) if len(rows) > limit else None
    return StatementPage(items=items, next_cursor=next_cursor)


def statement(
    account: Account | int, *, cursor: str | None = None, limit: int = 50
) -> StatementPage:
    """The account's postings, newest first, `limit` at a time (keyset pagination)."""
    return _page(rules.account_id(account, "account"), cursor, limit)


def wallet_statement(
    member_id: int, asset: str = "points", *, cursor: str | None = None, limit: int = 50
) -> StatementPage:
    """`statement` of the member's wallet for `asset`; a wallet not opened yet has no
    postings (reading opens none). The wallet's id is read first, on its own: with the id
    a constant, both planners read the page from the (account_id, id) index, which a join
    on the name does not promise (PostgreSQL scanned postings newest first, 50 ms a deep
    page at 1 M postings)."""
    wallet = db.session.scalar(
        _wallet_id(), {"name": wallet_name(member_id), "asset": rules.asset(asset)}
    )
    return _page(wallet, cursor, limit)
