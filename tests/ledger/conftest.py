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
