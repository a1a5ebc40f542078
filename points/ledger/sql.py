"""The write path's SQL: statements built once with Core, run on the session's DB-API cursor.

A transfer is a handful of one-row statements. On SQLite each takes a few microseconds, and
SQLAlchemy's work around each one (building it, its cache key, the execution context, the
result) costs several times more, as does the unit of work. So the write path builds every
statement once with Core, compiles it once per dialect, and runs the compiled SQL through a
DB-API cursor on the session's own connection: the same SQL in the same transaction, minus
the per-call machinery. Driver errors come out as SQLAlchemy's exception types, as from
`Session.execute`; callers tell the identity map about the balances they changed
(`accounts.forget_cached_balances`).

A builder is a function of a size (how many rows or ids the statement covers) whose every
parameter is a named bindparam; `Statements.run(builder, size, params)` executes it.
"""

from __future__ import annotations

import weakref
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.instrumentation import manager_of_class

from points.extensions import db
from points.ledger import rules
from points.ledger.models import Account, Hold, LedgerHead, Posting, Transfer

accounts = Account.__table__
transfers = Transfer.__table__
postings = Posting.__table__
holds = Hold.__table__
head = LedgerHead.__table__

# dialect → {(builder, size): (sql, parameter order or None for named parameters)}
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT_SIZE = 16  # statements over more rows are compiled when used, unless a power of two


class Statements:
    """A DB-API cursor on the session's connection that runs the builders' statements."""

    __slots__ = ("connection", "cursor", "dialect", "known")

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.cursor = self.connection.connection.cursor()
        known = _compiled.get(self.dialect)
        if known is None:
            known = _compiled[self.dialect] = {
                "stamp": transfers.c.created_at.type.dialect_impl(self.dialect).bind_processor(
                    self.dialect
                )
            }
        self.known = known

    def __enter__(self) -> Statements:
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


def persistent(model: type, **values):
    """A persistent `model` object for a row a statement just wrote, without reading it back:
    its state is filled in as a loader fills it (no attribute events, no history), then it
    joins the session's identity map. `values` must hold every column."""
    made = manager_of_class(model).new_instance()
    instance_dict(made).update(values)
    make_transient_to_detached(made)
    db.session.add(made)
    return made


# ---------------------------------------------------------------------------- accounts


def account_by_name(_size: int):
    c = accounts.c
    return sa.select(c.id).where(
        c.name == sa.bindparam("name", type_=sa.String),
        c.asset == sa.bindparam("asset", type_=sa.String),
    )


def _ids(size: int) -> list:
    return [sa.bindparam(f"a{i}", type_=sa.Integer) for i in range(size)]


def _deltas(size: int):
    """`balance + d<i>` for the row whose id is a<i>, i < size."""
    c, ids = accounts.c, _ids(size)
    moves = [(c.id == a, sa.bindparam(f"d{i}", type_=sa.BigInteger)) for i, a in enumerate(ids)]
    return ids, c.balance + sa.case(*moves)


def select_accounts(size: int):
    """Accounts a0 … a<size-1>, ascending, locked (SQLite: the transaction already is)."""
    c = accounts.c
    return (
        sa.select(c.id, c.asset, c.may_go_negative, c.balance, c.held)
        .where(c.id.in_(_ids(size)))
        .order_by(c.id)
        .with_for_update()
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
