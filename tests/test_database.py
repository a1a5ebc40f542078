"""Database plumbing: SQLite's durability and locking settings, and aware UTC times."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from points import create_app
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Account
from tests.concurrency import race
from tests.conftest import app_config

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@sqlite_only
def test_sqlite_runs_durable_with_wal_and_a_busy_timeout(db_url, tmp_path):
    # The app as configured by default, not with the suite's faster SQLITE_SYNCHRONOUS.
    config = app_config(db_url, LEDGER_ANCHOR_PATH=str(tmp_path / "anchor.json"))
    del config["SQLITE_SYNCHRONOUS"]
    app = create_app(config)
    with app.app_context():
        pragma = lambda name: db.session.execute(sa.text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") == 30000
        assert pragma("foreign_keys") == 1
        db.session.remove()
        db.engine.dispose()


@sqlite_only
def test_sqlite_transactions_take_the_write_lock_at_their_start(ctx):
    db.session.execute(sa.select(Account.id)).all()  # a read opens the transaction
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
    db.session.rollback()


def test_times_come_back_aware_in_utc_whatever_zone_went_in(ctx):
    shanghai = timezone(timedelta(hours=8))
    at = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=shanghai)
    wallet = ledger.member_wallet(1)
    wallet.created_at = at
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Account, wallet.id).created_at
    assert stored == at
    assert stored.tzinfo == UTC


def test_naive_times_are_refused(ctx):
    wallet = ledger.member_wallet(1)
    wallet.created_at = datetime(2026, 1, 1)
    with pytest.raises(sa.exc.StatementError, match="naive datetimes"):
        db.session.flush()


def _gate_is_free(db_url: str) -> bool:
    """Whether a writer could pass the writers' gate of this SQLite database right now."""
    path = sa.make_url(db_url).database + "-writers"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@sqlite_only
def test_a_writer_holds_the_gate_from_its_first_statement_to_its_end_however_it_ends(ctx):
    url = str(db.engine.url)
    assert _gate_is_free(url)
    db.session.execute(sa.select(Account.id)).all()
    assert not _gate_is_free(url)
    db.session.commit()
    assert _gate_is_free(url)
    ledger.system_account("gate:rolled-back")
    db.session.flush()
    assert not _gate_is_free(url)
    db.session.rollback()
    assert _gate_is_free(url)
    db.session.execute(sa.select(Account.id)).all()
    db.session.connection().invalidate()  # a connection thrown away mid-transaction
    db.session.rollback()
    assert _gate_is_free(url)


def _write_slowly(i: int) -> int:
    account = ledger.system_account(f"gate:{i}")
    db.session.flush()
    time.sleep(0.05)  # holds the write lock 50 times longer than SQLite would wait for it
    return account.id


@sqlite_only
def test_writers_in_threads_queue_at_the_gate_not_in_sqlites_busy_wait(db_url, tmp_path):
    # SQLite alone would give all but the first "database is locked" after 1 ms.
    app = create_app(app_config(db_url, SQLITE_BUSY_TIMEOUT_MS=1))
    outcomes = race(app, _write_slowly, 8, "threads")
    assert [kind for kind, _ in outcomes] == ["ok"] * 8, outcomes
    with app.app_context():
        names = db.session.scalars(sa.select(Account.name).where(Account.name.like("gate:%")))
        assert sorted(names) == sorted(f"gate:{i}" for i in range(8))
        db.session.remove()
        db.engine.dispose()


def _child(db_url: str, i: int, barrier, results) -> None:
    app = create_app(app_config(db_url, SQLITE_BUSY_TIMEOUT_MS=1))
    with app.app_context():
        barrier.wait(timeout=60)
        try:
            _write_slowly(i)
            db.session.commit()
            results.put("ok")
        except Exception as error:  # reported, so that the test names it
            results.put(repr(error))


@sqlite_only
def test_writers_in_processes_queue_at_the_gate_too(db_url):
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.Queue()
    children = [context.Process(target=_child, args=(db_url, i, barrier, results))
                for i in range(4)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert outcomes == ["ok"] * 4
