"""Database plumbing: SQLite's durability and locking settings, and aware UTC times."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from points import create_app
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Account
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
