"""Snapshots of a seeded test database, taken once per test session and backend, and copied
into each test's fresh database that asks for one.

Loading the demo seed costs ~4 s of CPU on SQLite and ~7 s (plus the server's) on
PostgreSQL; a copy of what it wrote costs a few hundred ms. The snapshot is taken from the
first test that needs it, in its freshly migrated, empty database, so it is exactly what the
seed writes there; the xdist workers share it (a file under the session's base temp dir, made
under a lock), so a session loads each seed once per backend whichever worker asks first.

- SQLite: the database file itself, copied over the test's own.
- PostgreSQL: the rows of every table that has some (COPY … TO STDOUT), the sequences' last
  values and the chain head; put back with COPY … FROM STDIN into the test's database, which
  the suite has just emptied, with triggers set aside for the restore's own transaction as
  the reset does (the ledger refuses no INSERT, but the foreign keys would want an order).
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
    """Close the current app's connections (its database file is about to be copied)."""
    db.session.remove()
    db.engine.dispose()


def load(name: str, dialect: str, url: str, where: Path, build: Callable[[], None]) -> None:
    """Make the empty database at `url` (the current app's) hold snapshot `name`: taken here
    by `build()` if this session has none yet, copied from it otherwise."""
    path = where / f"{name}-{dialect}.snapshot"
    with _locked(path):
        if not path.exists():
            build()
            db.session.commit()
            _take(dialect, url, path)
            return
    restore(path, dialect, url)


def _take(dialect: str, url: str, path: Path) -> None:
    partial = path.with_suffix(".partial")
    if dialect == "sqlite":
        _dispose()
        # SQLite's online backup: the committed pages, whether still in the WAL or not.
        source, copy = sqlite3.connect(_sqlite_path(url)), sqlite3.connect(partial)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
    else:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            partial.write_bytes(pickle.dumps(_dump(conn)))
        engine.dispose()
    os.replace(partial, path)


def _tables() -> list[str]:
    return [t.name for t in db.metadata.sorted_tables if t.name != "ledger_head"]


def _dump(conn) -> dict:
    raw = conn.connection.driver_connection  # psycopg 3
    rows: dict[str, bytes] = {}
    with raw.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
    sequences = conn.exec_driver_sql(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value"
        " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    ).all()
    head = conn.exec_driver_sql("SELECT seq, hash FROM ledger_head").one()
    return {"rows": rows, "sequences": [tuple(s) for s in sequences], "head": tuple(head)}


def restore(path: Path, dialect: str, url: str) -> None:
    """Copy snapshot `path` into the empty, migrated database at `url`. The caller's app
    context, if any, must be on `url` (SQLite: its connections are closed first)."""
    if dialect == "sqlite":
        from flask import has_app_context

        if has_app_context():
            _dispose()
        target = _sqlite_path(url)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(path, target)
        return
    snapshot = pickle.loads(path.read_bytes())
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
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
            conn.exec_driver_sql(f"SELECT setval('{sequence}', {int(value)})")
        seq, chain_hash = snapshot["head"]
        conn.execute(
            sa.text("UPDATE ledger_head SET seq = :seq, hash = :hash"),
            {"seq": seq, "hash": chain_hash},
        )
    engine.dispose()
