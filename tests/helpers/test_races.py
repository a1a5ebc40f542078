"""The resident and her helper redeem at the same instant: the ledger's holds keep her wallet
from being overspent, on every database."""

from __future__ import annotations

from datetime import timedelta

from points import clock
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import helpers
from points.members import services as members
from tests.concurrency import race, tally


def test_resident_and_helper_redeeming_at_once_cannot_overspend(app, wang, daughter, make_benefit):
    helpers.grant_helper(
        wang,
        helper_phone=daughter.phone,
        scopes=["redeem"],
        ends_on=clock.today() + timedelta(days=5),
        granted_by=wang,
    )
    benefit_id = make_benefit(points=60).id  # 100 points: one of the two, never both
    wang_id, daughter_id = wang.id, daughter.id
    db.session.commit()

    def attempt(i):
        resident = members.get_member(wang_id)
        actor = members.get_member(daughter_id) if i % 2 else None
        return market.redeem(resident, benefit_id=benefit_id, actor=actor).id

    outcomes = race(app, attempt, 8, "threads")
    assert tally(outcomes) == {"ok": 1, "InsufficientPoints": 7}, outcomes
    with app.app_context():
        b = ledger.balance_of(ledger.member_wallet(wang_id))
        assert (b.balance, b.held, b.available) == (100, 60, 40)
