"""Snapshots of what a seed writes into a test database, taken once per test session and
backend, and copied into each test's fresh database that asks for one.

Loading the demo seed costs ~4 s of CPU on SQLite and ~7 s (plus the server's) on
PostgreSQL; the activity catalogue, loaded by some 200 tests, ~160 statements. A copy of what
they wrote costs a few statements. The snapshot is taken from the first test that needs it,
by running the seed there, so it is exactly what the seed writes; the xdist workers share it
(a file under the session's base temp dir, made under a lock), so a session runs each seed
once per backend whichever worker asks first.

Two kinds:
- Of the whole database (`tables=None`), for a seed that goes into an empty one (the demo).
  SQLite: the file, copied over the test's own. PostgreSQL: the rows of every table that has
  some (COPY … TO STDOUT), the sequences' last values and the chain head.
- Of some tables (`tables=[…]`), for a seed that writes only those, into a database whose
  other tables may already hold rows (the catalogue after a test's places and members).
  The tables must be empty when the seed runs and when the copy goes in: their ids are then
  the ones the seed would have given (their sequences are fresh either way), and rows that
  point elsewhere (a provider's community) point where the seed found them.

A copy goes in with the rows as they were taken, timestamps included (minutes earlier).
PostgreSQL: COPY … FROM STDIN, with triggers set aside for the copy's own transaction as the
suite's reset does (the foreign keys would want an order). SQLite: the tables' rows through
ATTACH, or the whole file.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import has_app_context

from points.extensions import db


def folder(tmp_path_factory) -> Path:
    """Where this session keeps its snapshots: shared by the xdist workers of one run."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    path = base / "snapshots"
    path.mkdir(exist_ok=True)
    return path


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_path(url: str) -> Path:
    return Path(sa.make_url(url).database)


def _dispose() -> None:
    """Close the current app's connections (its database file is about to be replaced)."""
    db.session.remove()
    db.engine.dispose()


def load(
    name: str,
    dialect: str,
    url: str,
    where: Path,
    build: Callable[[], object],
    tables: list[str] | None = None,
) -> None:
    """Make the database at `url` (the current app's) hold snapshot `name`: taken here by
    `build()` if this session has none yet, copied from it otherwise. Without `tables` the
    database must be empty; with them, those tables must be."""
    path = where / f"{name}-{dialect}.snapshot"
    _assert_empty(tables)
    with _locked(path):
        if not path.exists():
            before = _counts()
            build()
            db.session.commit()
            changed = sorted(t for t, n in _counts().items() if n != before[t])
            assert tables is None or set(changed) <= set(tables), (
                f"snapshot {name} is of {tables}, but its seed also wrote {changed}"
            )
            _take(dialect, url, path, tables)
            return
    restore(path, dialect, url, tables)


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in _tables()}


def _assert_empty(tables: list[str] | None) -> None:
    names = tables or _tables()
    with db.engine.connect() as conn:
        written = [t for t in names if conn.scalar(sa.text(f"SELECT EXISTS (SELECT 1 FROM {t})"))]
    assert not written, f"a snapshot goes into empty tables; these have rows: {written}"


def _take(dialect: str, url: str, path: Path, tables: list[str] | None) -> None:
    partial = path.with_suffix(".partial")
    if dialect == "sqlite":
        # SQLite's online backup: the committed pages, whether still in the WAL or not.
        source, copy = sqlite3.connect(_sqlite_path(url)), sqlite3.connect(partial)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
    else:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            partial.write_bytes(pickle.dumps(_dump(conn, tables)))
        engine.dispose()
    os.replace(partial, path)


def _tables() -> list[str]:
    return [t.name for t in db.metadata.sorted_tables if t.name != "ledger_head"]


def _dump(conn, tables: list[str] | None) -> dict:
    raw = conn.connection.driver_connection  # psycopg 3
    rows: dict[str, bytes] = {}
    with raw.cursor() as cursor:
        for table in tables or _tables():
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
    if tables is None:
        sequences = conn.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value"
            " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        ).all()
        head = tuple(conn.exec_driver_sql("SELECT seq, hash FROM ledger_head").one())
    else:
        sequences = []
        for table in tables:
            sequence = conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table})
            if sequence is None:
                continue
            value = conn.scalar(
                sa.text(f"SELECT CASE WHEN is_called THEN last_value END FROM {sequence}")
            )
            if value is not None:
                sequences.append((sequence, value))
        head = None
    return {"rows": rows, "sequences": [tuple(s) for s in sequences], "head": head}


def restore(path: Path, dialect: str, url: str, tables: list[str] | None = None) -> None:
    """Copy snapshot `path` into the database at `url` (see `load`). The caller's app
    context, if any, must be on `url`."""
    if dialect == "sqlite":
        _restore_sqlite(path, url, tables)
        return
    snapshot = pickle.loads(path.read_bytes())
    # The app's own pool where there is one: a new connection costs more than the copy.
    engine = db.engine if has_app_context() else sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        except sa.exc.DBAPIError:
            pass  # not a superuser: the tables go in foreign-key order instead
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            for table in _tables():
                if table in snapshot["rows"]:
                    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                        copy.write(snapshot["rows"][table])
        for sequence, value in snapshot["sequences"]:
            conn.execute(sa.text("SELECT setval(:s, :v)"), {"s": sequence, "v": value})
        if snapshot["head"] is not None:
            seq, chain_hash = snapshot["head"]
            conn.execute(
                sa.text("UPDATE ledger_head SET seq = :seq, hash = :hash"),
                {"seq": seq, "hash": chain_hash},
            )
    if engine is not db.engine:
        engine.dispose()


def _restore_sqlite(path: Path, url: str, tables: list[str] | None) -> None:
    target = _sqlite_path(url)
    if tables is None:
        if has_app_context():
            _dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(path, target)
        return
    # The tables' rows only (their INTEGER PRIMARY KEY ids as taken: the next id is the
    # highest plus one, as after the seed). Its own connection, outside the app's.
    conn = sqlite3.connect(target, timeout=30, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS snapshot", (str(path),))
        conn.execute("BEGIN IMMEDIATE")
        for table in [t for t in _tables() if t in tables]:
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM snapshot.{table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE snapshot")
    finally:
        conn.close()
