"""Ledger factories: wallets with points in them, and a way to read both sides."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Hold, Posting, Transfer


@pytest.fixture
def issuance(ctx):
    return ledger.system_account("issuance")


@pytest.fixture
def make_wallet(ctx, issuance):
    """make_wallet(member_id, points=0, asset="points") → a wallet holding `points`."""

    def make(member_id: int, points: int = 0, asset: str = "points"):
        wallet = ledger.member_wallet(member_id, asset)
        if points:
            source = issuance if asset == "points" else ledger.system_account("issuance", asset)
            ledger.transfer(kind="earn", source=source, destination=wallet, amount=points)
        db.session.commit()
        return wallet

    return make


def balances(*accounts, now=None) -> list[tuple[int, int, int]]:
    """(balance, held, available) of each account, read fresh, as at `now` (default: now)."""
    out = []
    for account in accounts:
        b = ledger.balance_of(account, now=now)
        out.append((b.balance, b.held, b.available))
    return out


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Transfer, Posting, Hold)
    }


def raw(sql: str, **params) -> None:
    """Run `sql` and commit, as someone with the database but not the app would."""
    db.session.execute(sa.text(sql), params)
    db.session.commit()


@pytest.fixture
def unguarded(dialect):
    """Switch off the immutability triggers, as an attacker with raw SQL access would;
    they are back for the next test (SQLite's per-test file goes; PostgreSQL re-enables)."""
    guarded = ("postings", "transfers")
    if dialect == "sqlite":
        for table in guarded:
            raw(f"DROP TRIGGER {table}_no_update")
            raw(f"DROP TRIGGER {table}_no_delete")
    else:
        for table in guarded:
            raw(f"ALTER TABLE {table} DISABLE TRIGGER {table}_immutable")
    yield
    db.session.rollback()
    if dialect == "postgresql":
        for table in guarded:
            raw(f"ALTER TABLE {table} ENABLE TRIGGER {table}_immutable")
