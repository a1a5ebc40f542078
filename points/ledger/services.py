"""Ledger verbs: open accounts, post transfers, hold / post / void, reverse, read balances.

Every verb validates its input completely before it writes, raises a `PointsError` on a
broken rule, flushes but never commits: the caller commits once per request.

Locks are always taken in one order — idempotency key, hold rows (by id), account rows (by
id), the chain head — so concurrent writers queue instead of deadlocking. On SQLite the
whole database is already locked by `BEGIN IMMEDIATE` and the row locks are no-ops.

The write path runs precompiled statements on the session's DB-API cursor (see "statements"
below): a single transfer is six statements, five on SQLite, where one UPDATE … RETURNING
both moves the balances and reads the accounts (and undoes the move if a rule would break).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.orm.util import identity_key

from points.database import lock_key, utcnow
from points.errors import (
    AlreadyReversed,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
)
from points.extensions import db
from points.ledger.chain import transfer_hash
from points.ledger.models import ASSETS, Account, Hold, LedgerHead, Posting, Transfer

# No single posting or hold may move more than this: it keeps every sum far inside 64 bits
# and turns a typo of many zeros into an error instead of a fortune.
MAX_AMOUNT = 1_000_000_000
MAX_MEMO = 500
MAX_KEY = 200

KINDS = frozenset(
    {
        "earn",  # approved service, issuance → wallet
        "redeem",  # a confirmed voucher, wallet → redeemed:<merchant>
        "booking",  # a booked space, wallet → space
        "refund",  # money-like value coming back, e.g. a cancelled booking
        "reverse",  # undoes an earlier transfer, posting its negation
        "expire",  # points lapsing, wallet → expired
        "adjust",  # a correction by staff, via adjustments
        "grant",  # space-use minutes credited from a redeemed right
        "transfer",  # plain movement between accounts
    }
)

# System accounts that may go below zero: the sources value is created from.
NEGATIVE_SYSTEM_ACCOUNTS = frozenset({"issuance", "adjustments"})
_SYSTEM_NAME = re.compile(r"^[a-z][a-z_]*(:[A-Za-z0-9_.-]{1,60})?$")


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


# ---------------------------------------------------------------------------- validation


def _amount(value, field: str = "amount", *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("must be a whole number of points", field=field)
    if value == 0:
        raise InvalidInput("must not be zero", field=field)
    if value < 0 and not signed:
        raise InvalidInput("must be positive", field=field)
    if abs(value) > MAX_AMOUNT:
        raise InvalidInput(f"must be at most {MAX_AMOUNT:,} in size", field=field)
    return value


def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput("is required", field=field)
    if len(value) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field)
    return value


def _key(value) -> str | None:
    if value is None:
        return None
    key = _text(value, "idempotency_key", MAX_KEY, required=True)
    return key


def _kind(value) -> str:
    if value not in KINDS:
        raise InvalidInput(f"must be one of {', '.join(sorted(KINDS))}", field="kind")
    return value


def _actor(value) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidInput("must be a member id", field="actor_id")
    return value


def _account_id(value, field: str) -> int:
    if isinstance(value, Account):
        return value.id
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("must be an account", field=field)
    return value


def _legs(postings: Sequence) -> list[tuple[int, int]]:
    if not isinstance(postings, Sequence) or len(postings) < 2:
        raise InvalidInput("a transfer needs two or more postings", field="postings")
    legs: list[tuple[int, int]] = []
    seen: set[int] = set()
    for i, leg in enumerate(postings):
        if not isinstance(leg, Sequence) or len(leg) != 2:
            raise InvalidInput("each posting is (account, amount)", field=f"postings.{i}")
        account_id = _account_id(leg[0], f"postings.{i}.account")
        if account_id in seen:
            raise InvalidInput("an account appears twice", field=f"postings.{i}.account")
        seen.add(account_id)
        legs.append((account_id, _amount(leg[1], f"postings.{i}.amount", signed=True)))
    return legs


def _now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise InvalidInput("must carry a time zone", field="now")
    return now


# ---------------------------------------------------------------------------- accounts


def _insert_ignore(values: dict):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Account).values(**values).on_conflict_do_nothing()


def _ensure_account(name: str, asset: str, **values) -> Account:
    if asset not in ASSETS:
        raise InvalidInput(f"must be one of {', '.join(ASSETS)}", field="asset")
    found = db.session.scalar(sa.select(Account).filter_by(name=name, asset=asset))
    if found is not None:
        return found
    db.session.execute(
        _insert_ignore(
            {
                "name": name,
                "asset": asset,
                "balance": 0,
                "held": 0,
                "created_at": utcnow(),
                **values,
            }
        )
    )
    return db.session.scalars(sa.select(Account).filter_by(name=name, asset=asset)).one()


def system_account(name: str, asset: str = "points") -> Account:
    """The system account `name` for `asset` (issuance, redeemed:<merchant>, space …), opened on
    first use."""
    if not isinstance(name, str) or not _SYSTEM_NAME.match(name) or name.startswith("member"):
        raise InvalidInput("is not a system account name", field="account")
    return _ensure_account(
        name, asset, kind="system", may_go_negative=name in NEGATIVE_SYSTEM_ACCOUNTS
    )


def member_wallet(member_id: int, asset: str = "points") -> Account:
    """The member's wallet for `asset`, opened on first use. It never goes below zero."""
    if isinstance(member_id, bool) or not isinstance(member_id, int) or member_id <= 0:
        raise InvalidInput("must be a member id", field="member_id")
    return _ensure_account(
        f"member:{member_id}", asset, kind="wallet", member_id=member_id, may_go_negative=False
    )


def get_account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist", field="account")
    return account


_accounts = Account.__table__
_transfers = Transfer.__table__
_postings = Posting.__table__
_head = LedgerHead.__table__
_new_transfer = manager_of_class(Transfer).new_instance  # a Transfer with empty state

# ---------------------------------------------------------------------------- statements
#
# A transfer is a handful of one-row statements. On SQLite each takes a few microseconds, and
# SQLAlchemy's work around each one (building it, its cache key, the execution context, the
# result) costs several times more, as does the unit of work. So the write path builds every
# statement once with Core, compiles it once per dialect, and runs the compiled SQL through a
# DB-API cursor on the session's own connection: the same SQL in the same transaction, minus
# the per-call machinery. Driver errors come out as SQLAlchemy's exception types, as from
# `Session.execute`; the identity map is told about the balances the statements changed.

# dialect → {(builder, size): (sql, parameter order or None for named parameters)}
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT_SIZE = 16  # statements over more rows are compiled when used, unless a power of two
_LOCK_SLICE = 1024  # accounts locked by one statement at most


class _Statements:
    """A DB-API cursor on the session's connection that runs the builders' statements."""

    __slots__ = ("connection", "cursor", "dialect", "known")

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.cursor = self.connection.connection.cursor()
        known = _compiled.get(self.dialect)
        if known is None:
            known = _compiled[self.dialect] = {
                "stamp": _transfers.c.created_at.type.dialect_impl(self.dialect).bind_processor(
                    self.dialect
                )
            }
        self.known = known

    def __enter__(self) -> _Statements:
        return self

    def __exit__(self, *_exc) -> None:
        self.cursor.close()

    def stamp(self, moment: datetime):
        """`moment` as the dialect stores a UTCDateTime (naive UTC text on SQLite)."""
        return self.known["stamp"](moment)

    def _sql(self, build, size: int) -> tuple[str, tuple[str, ...] | None]:
        found = self.known.get((build, size))
        if found is None:
            compiled = build(size).compile(dialect=self.dialect)
            if any(bind.value is not None for bind in compiled.binds.values()):
                raise TypeError(f"{build.__name__}: every parameter must be a named bindparam")
            found = (compiled.string, tuple(compiled.positiontup) if compiled.positional else None)
            if size <= _KEPT_SIZE or size & (size - 1) == 0:
                self.known[(build, size)] = found
        return found

    def run(self, build, size: int = 1, params: dict | None = None):
        """Execute the statement `build(size)` with `params`; returns the cursor."""
        sql, order = self._sql(build, size)
        args = (params or {}) if order is None else [params[name] for name in order]
        try:
            self.cursor.execute(sql, args)
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, sql, args) from error
        return self.cursor

    def many(self, build, rows: list[dict]) -> None:
        """Execute the one-row statement `build(1)` for each of `rows` (DB-API executemany)."""
        sql, order = self._sql(build, 1)
        args = rows if order is None else [[row[name] for name in order] for row in rows]
        try:
            self.cursor.executemany(sql, args)
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, sql, args) from error

    def _wrapped(self, error: Exception, sql: str, args) -> Exception:
        """The error as SQLAlchemy raises it; a lost connection is invalidated, as it would."""
        dbapi_connection = self.connection.connection.dbapi_connection
        gone = self.dialect.is_disconnect(error, dbapi_connection, self.cursor)
        if gone:
            self.connection.invalidate(error)
        return sa.exc.DBAPIError.instance(
            sql,
            args,
            error,
            self.dialect.loaded_dbapi.Error,
            connection_invalidated=gone,
            dialect=self.dialect,
        )


def _ids(size: int) -> list:
    return [sa.bindparam(f"a{i}", type_=sa.Integer) for i in range(size)]


def _select_accounts(size: int):
    """Accounts a0 … a<size-1>, ascending, locked (SQLite: the transaction already is)."""
    c = _accounts.c
    return (
        sa.select(c.id, c.asset, c.may_go_negative, c.balance, c.held)
        .where(c.id.in_(_ids(size)))
        .order_by(c.id)
        .with_for_update()
    )


def _add_to_balances(size: int):
    """balance += d<i> on account a<i>, for all of a transfer's accounts in one statement."""
    c, ids = _accounts.c, _ids(size)
    deltas = [(c.id == a, sa.bindparam(f"d{i}", type_=sa.BigInteger)) for i, a in enumerate(ids)]
    return sa.update(_accounts).where(c.id.in_(ids)).values(balance=c.balance + sa.case(*deltas))


def _move_and_read(size: int):
    """As _add_to_balances, but only where the account's floor allows it, returning the rows
    (balances after the move)."""
    c, ids = _accounts.c, _ids(size)
    deltas = [(c.id == a, sa.bindparam(f"d{i}", type_=sa.BigInteger)) for i, a in enumerate(ids)]
    after = c.balance + sa.case(*deltas)
    return (
        sa.update(_accounts)
        .where(c.id.in_(ids), sa.or_(c.may_go_negative, after >= c.held))
        .values(balance=after)
        .returning(c.id, c.asset, c.may_go_negative, c.balance, c.held)
    )


def _set_balance(_size: int):
    return (
        sa.update(_accounts)
        .where(_accounts.c.id == sa.bindparam("a0", type_=sa.Integer))
        .values(balance=sa.bindparam("balance", type_=sa.BigInteger))
    )


def _shift_account(_size: int):
    """balance += :d, held += :h on account a0."""
    c = _accounts.c
    return (
        sa.update(_accounts)
        .where(c.id == sa.bindparam("a0", type_=sa.Integer))
        .values(
            balance=c.balance + sa.bindparam("d", type_=sa.BigInteger),
            held=c.held + sa.bindparam("h", type_=sa.BigInteger),
        )
    )


_TRANSFER_FIELDS = (
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


def _add_transfer(_size: int):
    return sa.insert(_transfers).values(
        {f: sa.bindparam(f, type_=_transfers.c[f].type) for f in _TRANSFER_FIELDS}
    )


def _add_transfer_returning_id(size: int):
    return _add_transfer(size).returning(_transfers.c.id)


def _add_postings(size: int):
    """The postings of one transfer (:t), posting i from account_id<i>, asset<i>, … ."""
    fields = ("account_id", "asset", "amount", "balance_after")
    transfer = sa.bindparam("t", type_=sa.Integer)
    return sa.insert(_postings).values(
        [
            {
                "transfer_id": transfer,
                **{f: sa.bindparam(f"{f}{i}", type_=_postings.c[f].type) for f in fields},
            }
            for i in range(size)
        ]
    )


def _select_head(_size: int):
    return (
        sa.select(_head.c.seq, _head.c.hash)
        .where(_head.c.id == sa.literal_column("1"))
        .with_for_update()
    )


def _set_head(_size: int):
    return (
        sa.update(_head)
        .where(_head.c.id == sa.literal_column("1"))
        .values(
            seq=sa.bindparam("seq", type_=sa.BigInteger),
            hash=sa.bindparam("hash", type_=sa.String),
        )
    )


def _ids_by_seq(_size: int):
    c = _transfers.c
    return (
        sa.select(c.id)
        .where(c.seq > sa.bindparam("after", type_=sa.BigInteger))
        .where(c.seq <= sa.bindparam("last", type_=sa.BigInteger))
        .order_by(c.seq)
    )


def _transfer_with_key(_size: int):
    c = _transfers.c
    return sa.select(c.id).where(c.idempotency_key == sa.bindparam("key", type_=sa.String))


def _reversal_of(_size: int):
    c = _transfers.c
    return sa.select(c.id).where(c.reverses_id == sa.bindparam("original", type_=sa.Integer))


# ---------------------------------------------------------------------------- account rows


class _AccountRow(NamedTuple):
    id: int
    asset: str
    may_go_negative: bool
    balance: int
    held: int


def _lock_accounts(run: _Statements, ids: Iterable[int]) -> dict[int, _AccountRow]:
    """Lock the accounts (ascending id) and return their current rows.

    The ids go in slices of at most 1,024, each padded to a power of two by repeating its
    last id, so a handful of statement shapes serve every size; slices run in ascending order,
    which keeps the lock order.
    """
    ordered = sorted(set(ids))
    found: dict[int, _AccountRow] = {}
    for start in range(0, len(ordered), _LOCK_SLICE):
        part = ordered[start : start + _LOCK_SLICE]
        size = 1 << (len(part) - 1).bit_length()
        params = {f"a{i}": part[min(i, len(part) - 1)] for i in range(size)}
        for row in run.run(_select_accounts, size, params):
            found[row[0]] = _AccountRow._make(row)
    if len(found) != len(ordered):
        missing = [i for i in ordered if i not in found]
        raise NotFound(f"account {missing[0]} does not exist", field="account")
    return found


def _move_balances_first(run: _Statements, legs: list[tuple[int, int]]):
    """SQLite's short cut: move the balances and read the accounts back in one statement.

    `BEGIN IMMEDIATE` already holds the whole database, so nothing can change between the
    read and the write that the checking path does as two statements. The UPDATE skips an
    account whose floor would break (so its CHECK never fires), and the rows it returns are
    held to the checking path's rules again. Returns the rows as they were before the move;
    or None, with every balance back as it was, when an account is missing, a floor would
    break or an asset does not sum to zero: the caller then takes the checking path, which
    raises the precise error.
    """
    params = {}
    for i, (account_id, amount) in enumerate(legs):
        params[f"a{i}"] = account_id
        params[f"d{i}"] = amount
    delta = dict(legs)
    rows = {
        account_id: _AccountRow(account_id, asset, negative, balance - delta[account_id], held)
        for account_id, asset, negative, balance, held in run.run(
            _move_and_read, len(legs), params
        ).fetchall()
    }
    if len(rows) == len(legs):
        totals: dict[str, int] = {}
        covered = True
        for account_id, amount in legs:
            row = rows[account_id]
            totals[row.asset] = totals.get(row.asset, 0) + amount
            if amount < 0 and not row.may_go_negative and row.balance - row.held < -amount:
                covered = False
        if covered and not any(totals.values()):
            return rows
    if rows:
        undo = {}
        for i, account_id in enumerate(rows):
            undo[f"a{i}"] = account_id
            undo[f"d{i}"] = -delta[account_id]
        run.run(_add_to_balances, len(rows), undo)
    return None


def _forget_cached_balances(account_ids: Iterable[int]) -> None:
    """Expire balance and held of Account objects the session holds for these ids."""
    session = db.session()
    identity_map = session.identity_map
    if not len(identity_map):
        return
    for account_id in account_ids:
        cached = identity_map.get(identity_key(Account, account_id))
        if cached is not None:
            session.expire(cached, ["balance", "held"])


def _change_account(run: _Statements, account_id: int, *, balance: int = 0, held: int = 0):
    if balance or held:
        run.run(_shift_account, 1, {"a0": account_id, "d": balance, "h": held})
        _forget_cached_balances([account_id])


def _refuse_overdraft(row: _AccountRow, amount: int) -> None:
    """Refuse taking `amount` (> 0) from the account when it would break its floor."""
    if row.may_go_negative:
        return
    available = row.balance - row.held
    if available < amount:
        raise InsufficientPoints(
            f"only {available} {row.asset} available, {amount} needed", field="amount"
        )


# ---------------------------------------------------------------------------- transfers


def chain_key() -> str:
    """The key of the transfer hash chain (points/ledger/chain.py); never in the database."""
    return current_app.config["LEDGER_CHAIN_KEY"]


def _write_transfer(
    run: _Statements,
    *,
    kind: str,
    legs: list[tuple[int, int]],
    rows: dict[int, _AccountRow],
    memo: str,
    actor_id: int | None,
    now: datetime,
    idempotency_key: str | None = None,
    reverses_id: int | None = None,
    hold_id: int | None = None,
    balances_moved: bool = False,
) -> Transfer:
    """Append one balanced transfer to the chain; accounts in `rows` are already locked.

    Five statements after the account lock: read the chain head (locking it), insert the
    transfer, insert its postings (one multi-row INSERT), move the balances (one UPDATE, unless
    `balances_moved` says the lock did) and advance the head.
    """
    prev_seq, prev_hash = run.run(_select_head).fetchone()
    postings = [
        (account_id, rows[account_id].asset, amount, rows[account_id].balance + amount)
        for account_id, amount in legs
    ]
    seq = prev_seq + 1
    digest = transfer_hash(
        prev_hash,
        key=chain_key(),
        seq=seq,
        kind=kind,
        memo=memo,
        actor_id=actor_id,
        created_at=now,
        idempotency_key=idempotency_key,
        reverses_id=reverses_id,
        hold_id=hold_id,
        postings=postings,
    )
    values = {
        "seq": seq,
        "kind": kind,
        "memo": memo,
        "actor_id": actor_id,
        "created_at": now,
        "idempotency_key": idempotency_key,
        "reverses_id": reverses_id,
        "hold_id": hold_id,
        "prev_hash": prev_hash,
        "hash": digest,
    }
    (transfer_id,) = run.run(
        _add_transfer_returning_id, 1, {**values, "created_at": run.stamp(now)}
    ).fetchone()
    size = len(postings)
    added = {"t": transfer_id}
    moved = {}
    for i, (account_id, asset, amount, after) in enumerate(postings):
        added[f"account_id{i}"] = moved[f"a{i}"] = account_id
        added[f"asset{i}"] = asset
        added[f"amount{i}"] = moved[f"d{i}"] = amount
        added[f"balance_after{i}"] = after
    run.run(_add_postings, size, added)
    if not balances_moved:
        run.run(_add_to_balances, size, moved)
    run.run(_set_head, 1, {"seq": seq, "hash": digest})
    _forget_cached_balances(moved[f"a{i}"] for i in range(size))
    # The row is known; hand back a persistent Transfer without reading it again. Its state is
    # filled in as a loader fills it (no attribute events, no history), then made persistent.
    written = _new_transfer()
    instance_dict(written).update(values, id=transfer_id)
    make_transient_to_detached(written)
    db.session.add(written)
    return written


def _check_balanced(legs: list[tuple[int, int]], rows: dict[int, _AccountRow]) -> None:
    totals: dict[str, int] = {}
    for account_id, amount in legs:
        asset = rows[account_id].asset
        totals[asset] = totals.get(asset, 0) + amount
    unbalanced = [asset for asset, total in totals.items() if total != 0]
    if unbalanced:
        raise InvalidInput(
            f"postings of {unbalanced[0]} do not sum to zero ({totals[unbalanced[0]]:+d})",
            field="postings",
        )


def _differences(pairs: dict[str, tuple]) -> list[str]:
    return [field for field, (first, again) in pairs.items() if first != again]


def post_transfer(
    *,
    kind: str,
    postings: Sequence,
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Post a balanced transfer of (account, amount) postings; a replayed key returns the first."""
    kind = _kind(kind)
    legs = _legs(postings)
    memo = _text(memo, "memo", MAX_MEMO)
    actor_id = _actor(actor_id)
    key = _key(idempotency_key)
    now = _now(now)

    with _Statements() as run:
        if key is not None:
            existing = _replayed(run, key)
            if existing is not None:
                differing = _differences(
                    {
                        "kind": (existing.kind, kind),
                        "postings": (
                            sorted((p.account_id, p.amount) for p in existing.postings),
                            sorted(legs),
                        ),
                        "memo": (existing.memo, memo),
                        "actor_id": (existing.actor_id, actor_id),
                    }
                )
                if differing:
                    raise IdempotencyConflict(differing)
                return existing

        rows = _move_balances_first(run, legs) if run.dialect.name == "sqlite" else None
        moved = rows is not None
        if not moved:
            rows = _lock_accounts(run, (a for a, _ in legs))
            _check_balanced(legs, rows)
            for account_id, amount in legs:
                if amount < 0:
                    _refuse_overdraft(rows[account_id], -amount)
        return _write_transfer(
            run,
            kind=kind,
            legs=legs,
            rows=rows,
            memo=memo,
            actor_id=actor_id,
            now=now,
            idempotency_key=key,
            balances_moved=moved,
        )


def _replayed(run: _Statements, key: str) -> Transfer | None:
    """The transfer posted earlier under `key`, if any (holding the key's lock from here)."""
    lock_key(db.session, "transfer:" + key)
    found = run.run(_transfer_with_key, 1, {"key": key}).fetchone()
    return None if found is None else db.session.get(Transfer, found[0])


def transfer(
    *,
    kind: str,
    source: Account | int,
    destination: Account | int,
    amount: int,
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Move `amount` from `source` to `destination`: the two-posting case of post_transfer."""
    amount = _amount(amount)
    return post_transfer(
        kind=kind,
        postings=[(source, -amount), (destination, amount)],
        actor_id=actor_id,
        memo=memo,
        idempotency_key=idempotency_key,
        now=now,
    )


def get_transfer(transfer_id: int) -> Transfer:
    found = db.session.get(Transfer, transfer_id)
    if found is None:
        raise NotFound(f"transfer {transfer_id} does not exist", field="transfer")
    return found


def reverse_transfer(
    original: Transfer, *, reason: str, actor_id: int | None, now: datetime | None = None
) -> Transfer:
    """Undo `original` with a transfer of the opposite postings, pointing back at it; once."""
    reason = _text(reason, "reason", MAX_MEMO, required=True)
    actor_id = _actor(actor_id)
    now = _now(now)
    if original.kind == "reverse":
        raise AlreadyReversed("a reversal cannot itself be reversed; post a new transfer")
    lock_key(db.session, f"reverse:{original.id}")
    with _Statements() as run:
        found = run.run(_reversal_of, 1, {"original": original.id}).fetchone()
        if found is not None:
            earlier = db.session.get(Transfer, found[0])
            raise AlreadyReversed(
                f"transfer {original.id} was already reversed by transfer {earlier.id} "
                f"at {earlier.created_at:%Y-%m-%d %H:%M} UTC"
            )
        legs = [(p.account_id, -p.amount) for p in original.postings]
        rows = _lock_accounts(run, (a for a, _ in legs))
        for account_id, amount in legs:
            if amount < 0:
                _refuse_overdraft(rows[account_id], -amount)
        return _write_transfer(
            run,
            kind="reverse",
            legs=legs,
            rows=rows,
            memo=reason,
            actor_id=actor_id,
            now=now,
            reverses_id=original.id,
        )


@dataclass(frozen=True)
class TransferSpec:
    """One transfer for `post_transfers_bulk`: kind, (account, amount) postings, memo."""

    kind: str
    postings: Sequence
    memo: str = ""


def post_transfers_bulk(
    specs: Sequence[TransferSpec], *, actor_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Post many transfers in one go (seed and import path); all or nothing.

    The same rules as post_transfer, checked in order, with batched inserts. No idempotency
    keys: an import is made repeatable by running it in one transaction.
    """
    actor_id = _actor(actor_id)
    now = _now(now)
    prepared = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, TransferSpec):
            raise InvalidInput("must be a TransferSpec", field=f"specs.{i}")
        prepared.append(
            (_kind(spec.kind), _legs(spec.postings), _text(spec.memo, "memo", MAX_MEMO))
        )
    if not prepared:
        return []
    with _Statements() as run:
        rows = _lock_accounts(run, (a for _, legs, _ in prepared for a, _ in legs))
        balance = {a: row.balance for a, row in rows.items()}
        first_seq, prev_hash = run.run(_select_head).fetchone()
        secret = chain_key()
        seq = first_seq
        created_at = run.stamp(now)
        transfers, postings = [], []
        for kind, legs, memo in prepared:
            _check_balanced(legs, rows)
            legs_after = []
            for account_id, amount in legs:
                row = rows[account_id]
                available = balance[account_id] - row.held
                if amount < 0 and not row.may_go_negative and available < -amount:
                    raise InsufficientPoints(
                        f"only {available} {row.asset} available in account "
                        f"{account_id}, {-amount} needed",
                        field="amount",
                    )
                balance[account_id] += amount
                legs_after.append((account_id, row.asset, amount, balance[account_id]))
            seq += 1
            digest = transfer_hash(
                prev_hash,
                key=secret,
                seq=seq,
                kind=kind,
                memo=memo,
                actor_id=actor_id,
                created_at=now,
                idempotency_key=None,
                reverses_id=None,
                hold_id=None,
                postings=legs_after,
            )
            transfers.append(
                {
                    "seq": seq,
                    "kind": kind,
                    "memo": memo,
                    "actor_id": actor_id,
                    "created_at": created_at,
                    "idempotency_key": None,
                    "reverses_id": None,
                    "hold_id": None,
                    "prev_hash": prev_hash,
                    "hash": digest,
                }
            )
            postings.append(legs_after)
            prev_hash = digest
        # Plain executemany batches on every driver (INSERT … RETURNING does not on SQLite);
        # the ids come back by chain position, which the head lock keeps ours alone.
        run.many(_add_transfer, transfers)
        ids = [
            transfer_id
            for (transfer_id,) in run.run(_ids_by_seq, 1, {"after": first_seq, "last": seq})
        ]
        run.many(
            _add_postings,
            [
                {
                    "t": transfer_id,
                    "account_id0": account_id,
                    "asset0": asset,
                    "amount0": amount,
                    "balance_after0": after,
                }
                for transfer_id, legs_after in zip(ids, postings, strict=True)
                for account_id, asset, amount, after in legs_after
            ],
        )
        changed = [(a, b) for a, b in balance.items() if b != rows[a].balance]
        if changed:
            run.many(_set_balance, [{"a0": a, "balance": b} for a, b in changed])
            _forget_cached_balances(a for a, _ in changed)
        run.run(_set_head, 1, {"seq": seq, "hash": prev_hash})
    return ids


# ---------------------------------------------------------------------------- holds


def _end_overdue_holds(
    now: datetime, *, account_id: int | None = None, limit: int = 500
) -> list[int]:
    """Mark overdue pending holds expired and release what they held; returns their ids."""
    query = (
        sa.select(Hold.id, Hold.account_id, Hold.amount)
        .where(Hold.status == "pending", Hold.expires_at <= now)
        .order_by(Hold.id)
        .limit(limit)
    )
    if account_id is not None:
        query = query.where(Hold.account_id == account_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    overdue = db.session.execute(query).all()
    if not overdue:
        return []
    released: dict[int, int] = {}
    for _hold_id, hold_account, amount in overdue:
        released[hold_account] = released.get(hold_account, 0) + amount
    with _Statements() as run:
        _lock_accounts(run, released)
        db.session.execute(
            sa.update(Hold)
            .where(Hold.id.in_([h.id for h in overdue]), Hold.status == "pending")
            .values(status="expired", ended_at=now, end_reason="expired")
        )
        for hold_account, amount in released.items():
            _change_account(run, hold_account, held=-amount)
    db.session.flush()
    return [h.id for h in overdue]


def hold(
    *,
    source: Account | int,
    destination: Account | int,
    amount: int,
    kind: str,
    expires_at: datetime,
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Hold:
    """Reserve `amount` on `source` for a later post to `destination`, until `expires_at`."""
    source_id = _account_id(source, "source")
    destination_id = _account_id(destination, "destination")
    amount = _amount(amount)
    kind = _kind(kind)
    memo = _text(memo, "memo", MAX_MEMO)
    actor_id = _actor(actor_id)
    key = _key(idempotency_key)
    now = _now(now)
    if source_id == destination_id:
        raise InvalidInput("must differ from the source", field="destination")
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InvalidInput("must be a time with a zone", field="expires_at")
    if expires_at <= now:
        raise InvalidInput("must be in the future", field="expires_at")

    if key is not None:
        lock_key(db.session, "hold:" + key)
        existing = db.session.scalar(sa.select(Hold).filter_by(idempotency_key=key))
        if existing is not None:
            differing = _differences(
                {
                    "source": (existing.account_id, source_id),
                    "destination": (existing.destination_id, destination_id),
                    "amount": (existing.amount, amount),
                    "kind": (existing.kind, kind),
                    "memo": (existing.memo, memo),
                    "actor_id": (existing.actor_id, actor_id),
                }
            )
            if differing:
                raise IdempotencyConflict(differing)
            return existing

    # Overdue holds on this account release their points first ("on access").
    _end_overdue_holds(now, account_id=source_id)
    with _Statements() as run:
        rows = _lock_accounts(run, [source_id, destination_id])
        source_asset, destination_asset = rows[source_id].asset, rows[destination_id].asset
        if source_asset != destination_asset:
            raise InvalidInput(
                f"holds {source_asset} but the destination holds {destination_asset}",
                field="destination",
            )
        _refuse_overdraft(rows[source_id], amount)
        created = Hold(
            account_id=source_id,
            destination_id=destination_id,
            asset=source_asset,
            amount=amount,
            kind=kind,
            memo=memo,
            actor_id=actor_id,
            idempotency_key=key,
            status="pending",
            created_at=now,
            expires_at=expires_at,
        )
        db.session.add(created)
        _change_account(run, source_id, held=amount)
    db.session.flush()
    return created


def get_hold(hold_id: int) -> Hold:
    found = db.session.get(Hold, hold_id)
    if found is None:
        raise NotFound(f"hold {hold_id} does not exist", field="hold")
    return found


def _lock_pending_hold(hold_id: int, now: datetime) -> Hold:
    current = db.session.scalars(
        sa.select(Hold)
        .where(Hold.id == hold_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if current is None:
        raise NotFound(f"hold {hold_id} does not exist", field="hold")
    if current.status != "pending":
        raise HoldNotPending(
            f"hold {hold_id} was already {current.status} at "
            f"{current.ended_at:%Y-%m-%d %H:%M:%S} UTC",
            field="hold",
        )
    if current.expires_at <= now:
        raise HoldNotPending(
            f"hold {hold_id} expired at {current.expires_at:%Y-%m-%d %H:%M:%S} UTC", field="hold"
        )
    return current


def _end_hold(
    run: _Statements,
    current: Hold,
    status: str,
    *,
    actor_id: int | None,
    reason: str,
    now: datetime,
):
    ended = db.session.execute(
        sa.update(Hold)
        .where(Hold.id == current.id, Hold.status == "pending")
        .values(status=status, ended_at=now, ended_by=actor_id, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if ended.rowcount != 1:  # the row lock makes this unreachable; the WHERE is the backstop
        raise HoldNotPending(f"hold {current.id} is no longer pending", field="hold")
    _change_account(run, current.account_id, held=-current.amount)


def post_hold(
    held: Hold | int,
    *,
    actor_id: int | None = None,
    memo: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Complete a pending hold: its amount moves from source to destination, exactly once."""
    actor_id = _actor(actor_id)
    now = _now(now)
    memo = None if memo is None else _text(memo, "memo", MAX_MEMO)
    current = _lock_pending_hold(held.id if isinstance(held, Hold) else held, now)
    with _Statements() as run:
        rows = _lock_accounts(run, [current.account_id, current.destination_id])
        _end_hold(run, current, "posted", actor_id=actor_id, reason="posted", now=now)
        # No overdraft check: balance ≥ held ≥ this amount (a database CHECK) covers it.
        return _write_transfer(
            run,
            kind=current.kind,
            legs=[
                (current.account_id, -current.amount),
                (current.destination_id, current.amount),
            ],
            rows=rows,
            memo=current.memo if memo is None else memo,
            actor_id=actor_id,
            now=now,
            hold_id=current.id,
        )


def void_hold(
    held: Hold | int, *, actor_id: int | None = None, reason: str = "", now: datetime | None = None
) -> Hold:
    """Cancel a pending hold: what it reserved becomes available again, exactly once."""
    actor_id = _actor(actor_id)
    reason = _text(reason, "reason", MAX_MEMO)
    now = _now(now)
    current = _lock_pending_hold(held.id if isinstance(held, Hold) else held, now)
    with _Statements() as run:
        _lock_accounts(run, [current.account_id])
        _end_hold(run, current, "voided", actor_id=actor_id, reason=reason or "voided", now=now)
    db.session.flush()
    return current


def expire_holds(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Expire up to `limit` overdue pending holds (the sweep); returns the ids it ended."""
    return _end_overdue_holds(_now(now), limit=limit)


# ---------------------------------------------------------------------------- reading


def balance_of(account: Account | int, *, now: datetime | None = None) -> Balance:
    """The account's balance and held amount; holds past their expiry no longer count."""
    account_id = _account_id(account, "account")
    now = _now(now)
    row = db.session.execute(
        sa.select(Account.balance, Account.held).where(Account.id == account_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"account {account_id} does not exist", field="account")
    overdue = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Hold.amount), 0)).where(
            Hold.account_id == account_id, Hold.status == "pending", Hold.expires_at <= now
        )
    )
    return Balance(balance=row.balance, held=row.held - int(overdue))  # SUM is numeric on PG


def _cursor(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,18}", value):
        raise InvalidInput("is not a cursor this statement gave out", field="cursor")
    return int(value)


def statement(
    account: Account | int, *, cursor: str | None = None, limit: int = 50
) -> StatementPage:
    """The account's postings, newest first, `limit` at a time (keyset pagination)."""
    account_id = _account_id(account, "account")
    before = _cursor(cursor)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 200:
        raise InvalidInput("must be between 1 and 200", field="limit")
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


__all__ = [
    "Balance",
    "KINDS",
    "MAX_AMOUNT",
    "StatementItem",
    "StatementPage",
    "TransferSpec",
    "balance_of",
    "expire_holds",
    "get_account",
    "get_hold",
    "get_transfer",
    "hold",
    "member_wallet",
    "post_hold",
    "post_transfer",
    "post_transfers_bulk",
    "reverse_transfer",
    "statement",
    "system_account",
    "transfer",
    "void_hold",
]
