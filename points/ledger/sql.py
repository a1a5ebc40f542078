"""The ledger's write path SQL: the statement builders its writers run.

They run on `points.statements.Statements` (re-exported here with `persistent`): built once
with Core, compiled once per dialect, executed on the session's DB-API cursor. Callers tell
the identity map about the balances they changed (`accounts.forget_cached_balances`).
"""

from __future__ import annotations

import sqlalchemy as sa

from points.ledger import rules
from points.ledger.models import Account, Hold, LedgerHead, Posting, Transfer
from points.statements import Statements as Statements  # the runner, re-exported
from points.statements import persistent as persistent

accounts = Account.__table__
transfers = Transfer.__table__
postings = Posting.__table__
holds = Hold.__table__
head = LedgerHead.__table__

# ---------------------------------------------------------------------------- accounts


def accounts_by_name(size: int):
    """The ids of the accounts named n0 … n<size-1> for :asset, with their names."""
    c = accounts.c
    names = [sa.bindparam(f"n{i}", type_=sa.String) for i in range(size)]
    return sa.select(c.id, c.name).where(
        c.name.in_(names), c.asset == sa.bindparam("asset", type_=sa.String)
    )


def _ids(size: int) -> list:
    return [sa.bindparam(f"a{i}", type_=sa.Integer) for i in range(size)]


def _deltas(size: int):
    """`balance + d<i>` for the row whose id is a<i>, i < size."""
    c, ids = accounts.c, _ids(size)
    moves = [(c.id == a, sa.bindparam(f"d{i}", type_=sa.BigInteger)) for i, a in enumerate(ids)]
    return ids, c.balance + sa.case(*moves)


def select_accounts(size: int):
    """Accounts a0 … a<size-1>, ascending, locked (SQLite: the transaction already is).

    On PostgreSQL the lock is FOR NO KEY UPDATE: writers of an account still exclude each
    other, but a row that merely points at it (a hold's destination, checked by its foreign
    key with a KEY SHARE lock) is not kept waiting; an account's key never changes."""
    c = accounts.c
    return (
        sa.select(c.id, c.asset, c.may_go_negative, c.balance, c.held)
        .where(c.id.in_(_ids(size)))
        .order_by(c.id)
        .with_for_update(key_share=True)
    )


def lock_source_of_hold(_size: int):
    """Account a0 locked, with the asset of account a1 beside it, unlocked, and whether a0
    has pending holds past their expiry at :now. A hold changes only its source (`held`); its
    destination is read for its asset, which never changes, and is locked when the hold is
    posted. No row: one of the two does not exist."""
    source, destination = accounts.alias("source"), accounts.alias("destination")
    s, h = source.c, holds.c
    overdue = (
        sa.select(h.id)
        .where(h.account_id == s.id, h.status == sa.literal_column("'pending'"))
        .where(h.expires_at <= sa.bindparam("now", type_=h.expires_at.type))
        .exists()
    )
    return (
        sa.select(s.id, s.asset, s.may_go_negative, s.balance, s.held, destination.c.asset, overdue)
        .where(s.id == sa.bindparam("a0", type_=sa.Integer))
        .where(destination.c.id == sa.bindparam("a1", type_=sa.Integer))
        .with_for_update(of=source, key_share=True)
    )


def add_to_balances(size: int):
    """balance += d<i> on account a<i>, for all of a transfer's accounts in one statement."""
    ids, after = _deltas(size)
    return sa.update(accounts).where(accounts.c.id.in_(ids)).values(balance=after)


def move_and_read(size: int):
    """As add_to_balances, but only where the account's floor allows it, returning the rows
    (balances after the move)."""
    c = accounts.c
    ids, after = _deltas(size)
    return (
        sa.update(accounts)
        .where(c.id.in_(ids), rules.covered_in_sql(accounts, after))
        .values(balance=after)
        .returning(c.id, c.asset, c.may_go_negative, c.balance, c.held)
    )


def set_balance(_size: int):
    return (
        sa.update(accounts)
        .where(accounts.c.id == sa.bindparam("a0", type_=sa.Integer))
        .values(balance=sa.bindparam("balance", type_=sa.BigInteger))
    )


def shift_account(_size: int):
    """balance += :d, held += :h on account a0."""
    c = accounts.c
    return (
        sa.update(accounts)
        .where(c.id == sa.bindparam("a0", type_=sa.Integer))
        .values(
            balance=c.balance + sa.bindparam("d", type_=sa.BigInteger),
            held=c.held + sa.bindparam("h", type_=sa.BigInteger),
        )
    )


# ---------------------------------------------------------------------------- holds

HOLD_FIELDS = (
    "account_id",
    "destination_id",
    "asset",
    "amount",
    "kind",
    "memo",
    "actor_id",
    "idempotency_key",
    "status",
    "created_at",
    "expires_at",
    "ended_at",
    "ended_by",
    "end_reason",
)


def add_hold(_size: int):
    fields = {f: sa.bindparam(f, type_=holds.c[f].type) for f in HOLD_FIELDS}
    return sa.insert(holds).values(fields).returning(holds.c.id)


def _overdue():
    c = holds.c
    return (
        sa.select(c.id, c.account_id, c.amount)
        .where(c.status == sa.literal_column("'pending'"))
        .where(c.expires_at <= sa.bindparam("now", type_=c.expires_at.type))
        .order_by(c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("skip", type_=sa.Integer))  # 0: SQLite writes an OFFSET anyway
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's transaction holds its lock
    )


def overdue_holds(_size: int):
    """Pending holds past their expiry (at most :limit, oldest first; :skip is 0)."""
    return _overdue()


def overdue_holds_of(_size: int):
    """The same, of account a0 only."""
    return _overdue().where(holds.c.account_id == sa.bindparam("a0", type_=sa.Integer))


# ---------------------------------------------------------------------------- transfers

TRANSFER_FIELDS = (
    "seq",
    "kind",
    "memo",
    "actor_id",
    "created_at",
    "idempotency_key",
    "reverses_id",
    "hold_id",
    "prev_hash",
    "hash",
)


def add_transfer(_size: int):
    return sa.insert(transfers).values(
        {f: sa.bindparam(f, type_=transfers.c[f].type) for f in TRANSFER_FIELDS}
    )


def add_transfer_returning_id(size: int):
    return add_transfer(size).returning(transfers.c.id)


def add_postings(size: int):
    """The postings of one transfer (:t), posting i from account_id<i>, asset<i>, … ."""
    fields = ("account_id", "asset", "amount", "balance_after")
    transfer = sa.bindparam("t", type_=sa.Integer)
    return sa.insert(postings).values(
        [
            {
                "transfer_id": transfer,
                **{f: sa.bindparam(f"{f}{i}", type_=postings.c[f].type) for f in fields},
            }
            for i in range(size)
        ]
    )


def select_head(_size: int):
    return (
        sa.select(head.c.seq, head.c.hash)
        .where(head.c.id == sa.literal_column("1"))
        .with_for_update()
    )


def set_head(_size: int):
    return (
        sa.update(head)
        .where(head.c.id == sa.literal_column("1"))
        .values(
            seq=sa.bindparam("seq", type_=sa.BigInteger),
            hash=sa.bindparam("hash", type_=sa.String),
        )
    )


def ids_by_seq(_size: int):
    c = transfers.c
    return (
        sa.select(c.id)
        .where(c.seq > sa.bindparam("after", type_=sa.BigInteger))
        .where(c.seq <= sa.bindparam("last", type_=sa.BigInteger))
        .order_by(c.seq)
    )


def transfer_with_key(_size: int):
    c = transfers.c
    return sa.select(c.id).where(c.idempotency_key == sa.bindparam("key", type_=sa.String))


def reversal_of(_size: int):
    c = transfers.c
    return sa.select(c.id).where(c.reverses_id == sa.bindparam("original", type_=sa.Integer))
