"""Rate-limit counters that every gunicorn worker shares, with nothing else to run.

Flask-Limiter (through the `limits` library) keeps its counters in memory unless given a
storage; memory counts per worker, so with two workers a wrong-password limit of 5 lets
10 through. `limits` ships Redis, Memcached and MongoDB storages but no SQL one, so this
module adds a small one (fixed windows only, the strategy the app uses): one row per key,
`count` and `expires_at`, bumped by a single upsert that is atomic on both databases.

Where the counters live (`configure`, unless RATELIMIT_STORAGE_URI is set):
- PostgreSQL: the app's own database, on a separate autocommit connection, so a count
  survives the request's rollback and never waits on the request's transaction.
- SQLite: a file of its own beside the embedded database (`<name>-ratelimits.sqlite3`).
  The embedded database takes its write lock at the start of every transaction, so a
  counter there would wait on the very request that is counting.
The table is made by the storage itself: it is a cache of recent attempts, not app data.

Limits apply only where a view asks for one; Flask-Limiter still works out, on every request,
which limits apply to it (~0.1 ms). `unlimited` tells it at once for the endpoints with none.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_limiter.util import get_qualified_name
from limits.storage import Storage

from points.extensions import limiter

TABLE = "rate_limit_counters"
SCHEME = "pointsdb"

_CREATE = sa.text(
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " key VARCHAR(255) PRIMARY KEY,"
    " count INTEGER NOT NULL,"
    " expires_at DOUBLE PRECISION NOT NULL)"
)
_INCR = sa.text(
    f"INSERT INTO {TABLE} (key, count, expires_at) VALUES (:key, :amount, :now + :expiry) "
    "ON CONFLICT (key) DO UPDATE SET "
    f"count = CASE WHEN {TABLE}.expires_at <= :now THEN :amount "
    f"ELSE {TABLE}.count + :amount END, "
    f"expires_at = CASE WHEN {TABLE}.expires_at <= :now THEN :now + :expiry "
    f"ELSE {TABLE}.expires_at END "
    "RETURNING count"
)
_GET = sa.text(f"SELECT count, expires_at FROM {TABLE} WHERE key = :key AND expires_at > :now")
_CLEAR = sa.text(f"DELETE FROM {TABLE} WHERE key = :key")
_PURGE = sa.text(f"DELETE FROM {TABLE} WHERE expires_at <= :now")
_RESET = sa.text(f"DELETE FROM {TABLE}")


class DatabaseStorage(Storage):
    """`limits` storage over SQLAlchemy: `pointsdb://` with the option `url=<database URL>`."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.url = str(options["url"])
        self._engine: sa.Engine | None = None

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    def _connect(self) -> sa.Connection:
        if self._engine is None:
            self._engine = _engine(self.url)
        return self._engine.connect()

    def _run(self, statement, **params):
        with self._connect() as conn:
            return conn.execute(statement, params).fetchall()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._connect() as conn:
            if random.random() < 0.01:  # keep the table to recent attempts
                conn.execute(_PURGE, {"now": now})
            params = {"key": key, "amount": amount, "now": now, "expiry": float(expiry)}
            return int(conn.execute(_INCR, params).scalar_one())

    def get(self, key: str) -> int:
        rows = self._run(_GET, key=key, now=time.time())
        return int(rows[0][0]) if rows else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        rows = self._run(_GET, key=key, now=now)
        return float(rows[0][1]) if rows else now

    def check(self) -> bool:
        try:
            self._run(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._connect() as conn:
            return conn.execute(_RESET).rowcount

    def clear(self, key: str) -> None:
        with self._connect() as conn:
            conn.execute(_CLEAR, {"key": key})


def _engine(url: str) -> sa.Engine:
    # No pool: a connection per count (only sign-in and wrong-code paths count), so nothing
    # is left open when an app goes away, and a forked worker never shares a socket.
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 30}, poolclass=sa.NullPool
        )

        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    else:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    for attempt in range(3):
        try:
            with engine.connect() as conn:
                conn.execute(_CREATE)
            break
        except sa.exc.IntegrityError:  # two workers made the table at the same instant
            if attempt == 2:
                raise
    return engine


def configure(app: Flask) -> None:
    """Point Flask-Limiter at the shared counters unless RATELIMIT_STORAGE_URI says where."""
    if app.config.get("RATELIMIT_STORAGE_URI"):
        return
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        database = sa.make_url(url).database
        if not database or database == ":memory:":
            app.config["RATELIMIT_STORAGE_URI"] = "memory://"  # one process only anyway
            return
        path = Path(database)
        url = f"sqlite:///{path.with_name(path.stem + '-ratelimits.sqlite3')}"
    app.config["RATELIMIT_STORAGE_URI"] = f"{SCHEME}://"
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"url": url}


# ---------------------------------------------------------------------------- unlimited endpoints

_UNLIMITED = "points.unlimited_endpoints"
_LIMITED_MARK = "__wrapper-limiter-instance"  # Flask-Limiter's mark on a view it wraps


def _limited(app: Flask, endpoint: str, view) -> bool:
    """Whether any limit may apply to the endpoint: a limit decorator inside its view (the mark
    that functools.wraps carries outwards, or a limit kept under the view's name), a hint
    Flask-Limiter took from an earlier request, or a limit on its blueprint."""
    manager = limiter.limit_manager
    blueprint = endpoint.rpartition(".")[0]
    return bool(
        getattr(view, _LIMITED_MARK, None) is not None
        or manager.decorated_limits(get_qualified_name(view))
        or manager.has_hints(endpoint)
        or (blueprint and manager.blueprint_limits(app, blueprint))
    )


def unlimited_endpoints(app: Flask) -> frozenset[str]:
    """The app's endpoints that no rate limit applies to; none while default or application
    limits exist (every endpoint has one then). Worked out once per app."""
    found = app.extensions.get(_UNLIMITED)
    if found is None:
        manager = limiter.limit_manager
        if manager.default_limits or manager.application_limits:
            found = frozenset()
        else:
            found = frozenset(
                endpoint
                for endpoint, view in app.view_functions.items()
                if not _limited(app, endpoint, view)
            )
        app.extensions[_UNLIMITED] = found
    return found


@limiter.request_filter
def _unlimited() -> bool:
    return request.endpoint in unlimited_endpoints(current_app._get_current_object())
