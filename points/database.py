"""Database plumbing shared by every domain: engine tuning, a UTC time type, row locks.

SQLite (the embedded default) runs in WAL mode with `synchronous=FULL` and a busy timeout. A
transaction that may write opens with `BEGIN IMMEDIATE`: the write lock is taken at the start,
so a read-then-write can never fail half-way and concurrent writers simply queue. One that only
reads (a page or API answer that changes nothing, as points/boundary.py decides) opens
deferred and reads its snapshot while a writer holds the lock.

Writers queue at a gate before they ask SQLite for its lock: an exclusive `flock` on a file
beside the database (`<name>-writers`), taken just before `BEGIN IMMEDIATE` and let go just
after the COMMIT or ROLLBACK, by every connection of every process on that file. SQLite's own
wait for a busy lock is a poll that sleeps ever longer (up to 100 ms a try), so that under load
the lock often stood free while every writer slept, and an unlucky one waited seconds behind
later arrivals; the kernel wakes a gate's waiter the moment it is let go. Like a PostgreSQL row
lock, the gate waits as long as its holder's transaction lasts; the busy timeout still bounds
every wait on SQLite's lock itself (a writer outside the gate: the sqlite3 shell, a GET that
turned into a write). A process that dies lets its gate go with it. PostgreSQL runs
at READ COMMITTED; writers lock the rows they change (SELECT … FOR UPDATE) in a fixed order
and serialise idempotent requests on an advisory lock (`lock_key`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
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


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that passes the writers' gate (see the module's docstring) before
    it begins writing and lets it go when its transaction ends, however it ends."""

    gate_path: str | None = None
    _gate_fd: int | None = None
    _gate_pid: int | None = None
    _in_gate = False

    def enter_gate(self) -> None:
        if self.gate_path is None:
            return
        if self._gate_pid != os.getpid():  # new, or inherited across a fork: a file of its own
            self._gate_fd = os.open(self.gate_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._gate_pid = os.getpid()
        fcntl.flock(self._gate_fd, fcntl.LOCK_EX)
        self._in_gate = True

    def leave_gate(self) -> None:
        if self._in_gate:
            self._in_gate = False
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()
            if self._gate_fd is not None and self._gate_pid == os.getpid():
                os.close(self._gate_fd)
            self._gate_fd = self._gate_pid = None


def gate_path(database: str | None) -> str | None:
    """The gate's file for a SQLite database path; none for an in-memory or URI database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{os.path.abspath(database)}-writers"


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

    gate = gate_path(engine.url.database)

    @event.listens_for(engine, "do_connect")
    def _gated(_dialect, _record, _cargs, cparams):
        cparams.setdefault("factory", GatedConnection)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if isinstance(dbapi_connection, GatedConnection):
            dbapi_connection.gate_path = gate
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
        if not begins_writing():
            connection.exec_driver_sql("BEGIN")
            return
        gated = connection.connection.dbapi_connection
        if not isinstance(gated, GatedConnection):  # a connection made elsewhere: no gate
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        gated.enter_gate()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gated.leave_gate()
            raise


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
