"""Acting for a resident: the helper redeems and claims for her within what she granted;
the resident's wallet pays, the rows are hers and say who acted; she is told; outside the
grant, or at the counter without being her social worker, it is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from points.activities import services as claims
from points.activities.models import Claim
from points.errors import Forbidden
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Hold
from points.marketplace import services as market
from points.members import helpers
from points.members import messages as M
from points.notifications.models import Notification
from tests.marketplace.conftest import available


def _acted(member) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.member_id == member.id, Notification.kind == M.HELPER_ACTED.key
            )
        )
    )


def test_the_helper_redeems_for_the_resident_from_her_wallet(wang, daughter, grant, make_benefit):
    made = grant(scopes=["redeem"])
    benefit = make_benefit(points=30)
    voucher = market.redeem(wang, benefit_id=benefit.id, actor=daughter)
    db.session.commit()
    assert voucher.member_id == wang.id
    assert (voucher.acted_by, voucher.helper_grant_id) == (daughter.id, made.id)
    assert available(wang) == 70
    assert available(daughter) == 0
    hold = db.session.get(Hold, voucher.hold_id)
    assert hold.actor_id == daughter.id
    assert hold.account_id == ledger.member_wallet(wang.id).id
    (told,) = _acted(wang)
    assert [d.channel for d in told.deliveries] == ["sms"]
    assert market.vouchers_of(wang) == [voucher]
    assert market.vouchers_of(daughter) == []


def test_a_helper_outside_her_scope_is_refused_and_nothing_changes(
    wang, daughter, grant, make_benefit
):
    grant(scopes=["balance"])
    benefit = make_benefit(points=30)
    with pytest.raises(Forbidden) as refused:
        market.redeem(wang, benefit_id=benefit.id, actor=daughter)
    assert refused.value.key == M.HELPER_NOT_GRANTED.key
    db.session.rollback()
    assert available(wang) == 100
    assert market.vouchers_of(wang) == []


def test_a_stranger_cannot_redeem_for_the_resident(wang, make_member, make_benefit):
    stranger = make_member()
    with pytest.raises(Forbidden):
        market.redeem(wang, benefit_id=make_benefit(points=10).id, actor=stranger)


def test_a_withdrawn_grant_stops_the_next_redemption(wang, daughter, grant, make_benefit):
    made = grant(scopes=["redeem"])
    benefit = make_benefit(points=10)
    market.redeem(wang, benefit_id=benefit.id, actor=daughter)
    helpers.withdraw_grant(made, actor=wang)
    db.session.commit()
    with pytest.raises(Forbidden):
        market.redeem(wang, benefit_id=benefit.id, actor=daughter)


def test_an_expired_grant_stops_the_helper(wang, daughter, grant, make_benefit):
    grant(scopes=["redeem"], days=0)
    later = ledger_now() + timedelta(days=2)
    with pytest.raises(Forbidden):
        market.redeem(wang, benefit_id=make_benefit(points=10).id, actor=daughter, now=later)


def ledger_now():
    from points.database import utcnow

    return utcnow()


def test_the_helper_claims_for_the_resident(wang, daughter, grant, catalogue, social_worker):
    made = grant(scopes=["claim"])
    claim = claims.submit_claim(
        wang,
        activity_type="elder-companionship",
        occurred_on=claims.local_today() - timedelta(days=1),
        quantity=1,
        actor=daughter,
    )
    db.session.commit()
    assert claim.member_id == wang.id
    assert (claim.acted_by, claim.helper_grant_id) == (daughter.id, made.id)
    assert len(_acted(wang)) == 1
    approved = claims.approve_claim(claim, actor=social_worker)
    db.session.commit()
    assert ledger.balance_of(ledger.member_wallet(wang.id)).balance == 100 + approved.points


def test_a_claim_outside_the_scope_is_refused(wang, daughter, grant, catalogue):
    grant(scopes=["redeem"])
    with pytest.raises(Forbidden):
        claims.submit_claim(
            wang,
            activity_type="elder-companionship",
            occurred_on=claims.local_today() - timedelta(days=1),
            quantity=1,
            actor=daughter,
        )


def test_the_counter_acts_for_a_resident_there_in_person(
    wang, social_worker, make_benefit, catalogue
):
    voucher = market.redeem(
        wang, benefit_id=make_benefit(points=20).id, actor=social_worker, counter=True
    )
    claim = claims.submit_claim(
        wang,
        activity_type="elder-companionship",
        occurred_on=claims.local_today() - timedelta(days=1),
        quantity=1,
        actor=social_worker,
        counter=True,
    )
    db.session.commit()
    for row in (voucher, claim):
        assert (row.acted_by, row.helper_grant_id) == (social_worker.id, None)
    assert len(_acted(wang)) == 2


def test_the_counter_needs_a_social_worker_of_her_community(
    wang, make_member, places, make_benefit
):
    elsewhere = make_member(community=places[1], role="social_worker")
    neighbour = make_member()
    for actor in (elsewhere, neighbour):
        with pytest.raises(Forbidden) as refused:
            market.redeem(wang, benefit_id=make_benefit(points=10).id, actor=actor, counter=True)
        assert refused.value.key == M.COUNTER_NOT_STAFF.key


def test_the_database_refuses_a_claim_under_another_pairs_grant(
    wang, daughter, grant, make_member, catalogue
):
    made = grant(scopes=["claim"])
    claim = claims.submit_claim(
        wang,
        activity_type="elder-companionship",
        occurred_on=claims.local_today() - timedelta(days=1),
        quantity=1,
        actor=daughter,
    )
    db.session.commit()
    someone = make_member()
    for values in ({"acted_by": someone.id}, {"acted_by": None}):
        with pytest.raises(IntegrityError):  # another's grant; a grant with nobody acting
            db.session.execute(sa.update(Claim).where(Claim.id == claim.id).values(**values))
            db.session.flush()
        db.session.rollback()
    assert made.id == claim.helper_grant_id
