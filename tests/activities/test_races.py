"""Approval and sign-up under concurrency: real threads and real processes, every database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.activities import events
from points.activities import services as claims
from points.activities.models import Claim, Signup
from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.members import services as members
from tests.concurrency import race, tally

MODES = ["threads", "processes"]


def _check_ledger(app):
    with app.app_context():
        report = verify_ledger()
        assert report.ok, report.faults


@pytest.mark.parametrize("mode", MODES)
def test_16_concurrent_approvals_of_one_claim_make_one_transfer(
    app, mode, submit, social_worker, volunteer
):
    claim_id, worker_id, member_id = submit(quantity=2).id, social_worker.id, volunteer.id
    db.session.commit()

    def attempt(i):
        return claims.approve_claim(
            claims.get_claim(claim_id), actor=members.get_member(worker_id)
        ).transfer_id

    outcomes = race(app, attempt, 16, mode)
    assert tally(outcomes) == {"ok": 16}, outcomes
    assert len({value for _, value in outcomes}) == 1  # every press answers the same award
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
        assert ledger.balance_of(ledger.member_wallet(member_id)).balance == 16
    _check_ledger(app)


@pytest.mark.parametrize("mode", MODES)
def test_concurrent_approvals_of_different_claims_respect_the_daily_cap(
    app, mode, submit, social_worker, volunteer
):
    # 8 claims of 8 points on one day; the type's daily cap is 16 → exactly two are paid.
    ids = [submit(quantity=1).id for _ in range(8)]
    worker_id, member_id = social_worker.id, volunteer.id
    db.session.commit()

    def attempt(i):
        return claims.approve_claim(
            claims.get_claim(ids[i]), actor=members.get_member(worker_id)
        ).points

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 2, "Conflict": 6}, outcomes
    with app.app_context():
        assert ledger.balance_of(ledger.member_wallet(member_id)).balance == 16
        approved = db.session.scalar(
            sa.select(sa.func.count()).select_from(Claim).filter_by(status="approved")
        )
        assert approved == 2
    _check_ledger(app)


@pytest.mark.parametrize("mode", MODES)
def test_twelve_members_race_for_five_places(app, mode, make_member, catalogue, social_worker):
    people = [make_member(level="volunteer").id for _ in range(12)]
    start = utcnow() + timedelta(days=1)
    activity = events.create_activity(
        social_worker,
        activity_type="elder-companionship",
        title="重阳节敬老院陪伴",
        place="云溪社区服务中心",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
    )
    activity_id = activity.id
    db.session.commit()  # reading after the commit would open a transaction again

    def attempt(i):
        return events.sign_up(events.get_activity(activity_id), members.get_member(people[i])).id

    outcomes = race(app, attempt, 12, mode)
    assert tally(outcomes) == {"ok": 5, "Conflict": 7}, outcomes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signup)) == 5
