"""Earning fixtures: the seeded catalogue, a volunteer and the social worker who reviews them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from points.activities import services as claims
from points.activities.models import Claim
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Transfer
from tests.conftest import load_catalogue


@pytest.fixture
def catalogue(ctx, backend, db_url, tmp_path_factory):
    """The seeded catalogue (seed/activity_types.toml), with the system accounts."""
    ledger.system_account("issuance")
    db.session.commit()
    load_catalogue(backend, db_url, tmp_path_factory)


@pytest.fixture
def volunteer(make_member, catalogue):
    return make_member("13900000004", level="volunteer", name="王阿姨")


@pytest.fixture
def today(ctx) -> date:
    return claims.local_today()


@pytest.fixture
def submit(volunteer, today):
    """submit(type="elder-companionship", quantity=1, member=volunteer, **kw) → a claim,
    committed."""

    def make(activity_type="elder-companionship", quantity=1, member=None, **kw):
        kw.setdefault("occurred_on", today - timedelta(days=1))
        claim = claims.submit_claim(
            member or volunteer, activity_type=activity_type, quantity=quantity, **kw
        )
        db.session.commit()
        return claim

    return make


def points_of(member) -> int:
    return ledger.balance_of(ledger.member_wallet(member.id)).balance


def transfers_for(claim_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Transfer)
        .where(Transfer.idempotency_key == f"claim:{claim_id}")
    )


def claim_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Claim))
