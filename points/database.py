"""Database plumbing shared by every domain: engine tuning, a UTC time type, row locks.

SQLite (the embedded default) runs in WAL mode with `synchronous=FULL` and a busy timeout. A
transaction that may write opens with `BEGIN IMMEDIATE`: the write lock is taken at the start,
so a read-then-write can never fail half-way and concurrent writers simply queue. One that only
reads (a page or API answer that changes nothing, as points/boundary.py decides) opens
deferred and reads its snapshot while a writer holds the lock. PostgreSQL runs
at READ COMMITTED; writers lock the rows they change (SELECT … FOR UPDATE) in a fixed order
and serialise idempotent requests on an advisory lock (`lock_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC; SQLite's naive values come back as UTC too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def always_writing() -> bool:
    return True


def configure_engine(
    engine: Engine,
    *,
    busy_timeout_ms: int,
    synchronous: str,
    begins_writing: Callable[[], bool] = always_writing,
) -> None:
    """Apply the durability and locking settings for the engine's dialect. `begins_writing`
    says, as each SQLite transaction begins, whether it takes the write lock at once."""
    if engine.dialect.name != "sqlite":
        return
    if synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if begins_writing() else "BEGIN")


def is_stale_read(error: BaseException) -> bool:
    """SQLite refused to turn a deferred (reading) transaction into a writing one: another
    connection wrote since its snapshot, or holds the write lock. Run again, writing."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    # SQLITE_BUSY (5) and its extended codes: BUSY_RECOVERY 261, BUSY_SNAPSHOT 517.
    return code is not None and code & 0xFF == 5


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint: `column IN ('a', 'b')`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


MAX_ID = 2**31 - 1  # id columns are INTEGER: 32 bits on PostgreSQL


def is_id(value) -> bool:
    """A whole number that can be a row id on every database (bigger ones are not found)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_row(session: Session, row):
    """Re-read an ORM row under a row lock (FOR UPDATE on PostgreSQL; SQLite's transaction
    already holds the write lock). Locks only the row's own table, never joined ones."""
    row = getattr(row, "_get_current_object", lambda: row)()  # Flask-Login's current_user
    model = type(row)
    session.execute(sa.select(model.id).where(model.id == row.id).with_for_update())
    session.refresh(row)
    return row


def lock_key(session: Session, key: str) -> None:
    """Serialise transactions that use the same idempotency key (PostgreSQL advisory lock)."""
    if is_postgresql(session):
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))
