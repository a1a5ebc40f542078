"""Claims: approval pays the rule's points exactly once; caps, scope and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.activities import catalogue as types
from points.activities import services as claims
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Posting, Transfer
from points.ledger.verify import verify_ledger
from tests.activities.conftest import claim_count, points_of, transfers_for
from tests.activities.photos import JPEG


def test_the_catalogue_has_at_least_40_types_in_8_categories(catalogue):
    current = types.catalogue()
    assert len(current) >= 40
    assert len({t.category.code for t in current}) >= 8
    assert all(t.version == 1 for t in current)


def test_approval_credits_exactly_the_rules_points_on_both_sides(submit, social_worker, volunteer):
    claim = submit("elder-companionship", quantity="1.5")  # 8 points an hour
    issuance = ledger.system_account("issuance")
    claims.approve_claim(claim, actor=social_worker)
    db.session.commit()

    assert (claim.status, claim.points) == ("approved", 12)
    award = db.session.get(Transfer, claim.transfer_id)
    legs = sorted((p.account_id, p.amount) for p in award.postings)
    assert legs == sorted([(issuance.id, -12), (ledger.member_wallet(volunteer.id).id, 12)])
    assert award.kind == "earn" and award.actor_id == social_worker.id
    assert "陪伴" in award.memo or "#" in award.memo
    assert points_of(volunteer) == 12


def test_half_points_are_rounded_down(submit, social_worker, volunteer, today):
    claim = submit("patrol-home-visit", quantity=3)  # 3 points each → 9
    claims.approve_claim(claim, actor=social_worker)
    assert claim.points == 9
    # 15 points an hour × 0.5 h = 7.5 → 7 (a talent-level type: use an hour type at 15)
    t = types.current_type("elder-companionship")
    assert claims.points_for(t, 5) == 4


def test_approving_twice_pays_once(submit, social_worker, volunteer):
    claim = submit()
    claims.approve_claim(claim, actor=social_worker)
    db.session.commit()
    again = claims.approve_claim(claims.get_claim(claim.id), actor=social_worker)
    db.session.commit()
    assert again.status == "approved"
    assert transfers_for(claim.id) == 1
    assert points_of(volunteer) == 8


def test_the_daily_cap_refuses_the_approval_that_would_pass_it(submit, social_worker, volunteer):
    first, second, third = (submit(quantity=1) for _ in range(3))  # 8 each, cap 16 a day
    for claim in (first, second):
        claims.approve_claim(claim, actor=social_worker)
    db.session.commit()
    with pytest.raises(Conflict, match="daily cap of 16 points"):
        claims.approve_claim(third, actor=social_worker)
    db.session.rollback()
    assert claims.get_claim(third.id).status == "submitted"
    assert points_of(volunteer) == 16


def test_the_monthly_cap_counts_every_day_of_the_month(make_member, catalogue, social_worker):
    volunteer = make_member(level="volunteer")
    # patrol-home-visit: 3 points each, 30 a day, 150 a month. Claim on days of last month.
    today = claims.local_today()
    first = today.replace(day=1) - timedelta(days=1)
    month_start = first.replace(day=1)
    for offset in range(5):
        claim = claims.submit_claim(
            volunteer,
            activity_type="patrol-home-visit",
            occurred_on=month_start + timedelta(days=offset),
            quantity=10,
        )
        claims.approve_claim(claim, actor=social_worker)
    db.session.commit()
    assert points_of(volunteer) == 150
    with pytest.raises(Conflict, match="monthly cap of 150 points"):
        claims.submit_claim(
            volunteer,
            activity_type="patrol-home-visit",
            occurred_on=month_start + timedelta(days=6),
            quantity=1,
        )


def test_a_reversed_award_no_longer_counts_against_the_cap(submit, social_worker, volunteer):
    a, b, c = (submit(quantity=1) for _ in range(3))
    claims.approve_claim(a, actor=social_worker)
    claims.approve_claim(b, actor=social_worker)
    claims.reverse_claim(a, actor=social_worker, reason="重复申报")
    claims.approve_claim(c, actor=social_worker)
    db.session.commit()
    assert points_of(volunteer) == 16


def test_nobody_approves_their_own_claim(make_member, catalogue, social_worker):
    colleague = make_member(role="social_worker", level="volunteer")
    claim = claims.submit_claim(
        colleague,
        activity_type="elder-companionship",
        occurred_on=claims.local_today(),
        quantity=1,
    )
    db.session.commit()
    with pytest.raises(Forbidden, match="own claim"):
        claims.approve_claim(claim, actor=colleague)
    claims.approve_claim(claim, actor=social_worker)  # a colleague may
    assert claim.status == "approved"


def test_a_social_worker_cannot_approve_in_another_community(
    make_member, places, catalogue, submit
):
    other = make_member(community=places[1], role="social_worker")
    claim = submit()
    with pytest.raises(Forbidden, match="not in your community"):
        claims.approve_claim(claim, actor=other)
    db.session.rollback()
    assert transfers_for(claim.id) == 0


def test_admin_only_types_need_the_street_admin(make_member, catalogue, social_worker):
    volunteer = make_member(level="volunteer")
    admin = make_member(role="admin", community=None)
    claims.save_evidence(volunteer, JPEG)
    photo = claims.save_evidence(volunteer, JPEG).token
    claim = claims.submit_claim(
        volunteer,
        activity_type="emergency-rescue",
        occurred_on=claims.local_today(),
        quantity=1,
        photo=photo,
    )
    db.session.commit()
    with pytest.raises(Forbidden, match="street admin"):
        claims.approve_claim(claim, actor=social_worker)
    db.session.rollback()
    claims.approve_claim(claims.get_claim(claim.id), actor=admin)
    assert claim.points == 60


def test_a_rejected_claim_stays_visible_with_its_reason(submit, social_worker, volunteer):
    claim = submit()
    claims.reject_claim(claim, actor=social_worker, reason="当天无巡查记录")
    db.session.commit()
    mine = claims.claims_of(volunteer)
    assert [(c.id, c.status, c.reason) for c in mine] == [(claim.id, "rejected", "当天无巡查记录")]
    with pytest.raises(Conflict, match="already rejected"):
        claims.approve_claim(claim, actor=social_worker)
    with pytest.raises(InvalidInput) as error:
        claims.reject_claim(submit(), actor=social_worker, reason="  ")
    assert "reason" in error.value.errors


def test_a_reversal_shows_on_the_statement_with_its_reason(submit, social_worker, volunteer):
    claim = submit(quantity=2)
    claims.approve_claim(claim, actor=social_worker)
    claims.reverse_claim(claim, actor=social_worker, reason="照片与时间不符")
    db.session.commit()
    page = ledger.statement(ledger.member_wallet(volunteer.id))
    assert [(i.kind, i.amount, i.balance_after) for i in page.items] == [
        ("reverse", -16, 0),
        ("earn", 16, 16),
    ]
    assert "照片与时间不符" in page.items[0].memo
    with pytest.raises(Conflict, match="only an approved claim"):
        claims.reverse_claim(claim, actor=social_worker, reason="again")
    assert verify_ledger().ok


def test_bulk_approval_approves_what_it_can_and_says_why_not(submit, social_worker, volunteer):
    ids = [submit(quantity=1).id for _ in range(3)]  # the third passes the 16-point daily cap
    result = claims.approve_many([*ids, 99999], actor=social_worker)
    db.session.commit()
    assert [c.id for c in result.approved] == ids[:2]
    assert set(result.refused) == {ids[2], 99999}
    assert "daily cap" in result.refused[ids[2]].message
    assert claims.get_claim(ids[2]).status == "submitted"
    assert points_of(volunteer) == 16
    assert verify_ledger().ok


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"activity_type": "no-such-type"}, "activity_type"),
        ({"activity_type": None}, "activity_type"),
        ({"occurred_on": "tomorrow"}, "occurred_on"),
        ({"occurred_on": "FUTURE"}, "occurred_on"),
        ({"occurred_on": "LONG_AGO"}, "occurred_on"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": "1.25"}, "quantity"),
        ({"quantity": 25}, "quantity"),
        ({"quantity": "nan"}, "quantity"),
        ({"quantity": "1e9"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"activity_type": "patrol-home-visit", "quantity": "1.5"}, "quantity"),
        ({"activity_type": "patrol-home-visit", "quantity": 500}, "quantity"),
        ({"note": "x" * 501}, "note"),
        ({"photo": "not-a-token"}, "photo"),
        ({"activity_type": "patrol-routine"}, "photo"),  # needs a photo
    ],
)
def test_bad_claims_name_the_field_and_write_nothing(volunteer, today, changes, field):
    values = {
        "activity_type": "elder-companionship",
        "occurred_on": (today - timedelta(days=1)).isoformat(),
        "quantity": 1,
        "note": "",
    }
    values.update(changes)
    if values["occurred_on"] == "FUTURE":
        values["occurred_on"] = (today + timedelta(days=1)).isoformat()
    if values["occurred_on"] == "LONG_AGO":
        values["occurred_on"] = (today - timedelta(days=400)).isoformat()
    with pytest.raises(InvalidInput) as error:
        claims.submit_claim(volunteer, **values)
    db.session.rollback()
    assert field in error.value.errors, error.value.errors
    assert claim_count() == 0


def test_a_resident_cannot_claim_volunteer_work(make_member, catalogue, today):
    resident = make_member()
    with pytest.raises(Forbidden, match="level volunteer"):
        claims.submit_claim(
            resident, activity_type="elder-companionship", occurred_on=today, quantity=1
        )
    photo = claims.save_evidence(resident, JPEG).token
    claim = claims.submit_claim(
        resident, activity_type="snap-elevator", occurred_on=today, quantity=1, photo=photo
    )
    assert claim.status == "submitted"


def test_photos_must_be_real_images_of_a_sensible_size(app, volunteer):
    with pytest.raises(InvalidInput, match="JPEG or PNG"):
        claims.save_evidence(volunteer, b"<html>not a photo</html>")
    with pytest.raises(InvalidInput, match="at most 5 MB"):
        claims.save_evidence(volunteer, JPEG + b"\x00" * (5 * 1024 * 1024))
    evidence = claims.save_evidence(volunteer, JPEG)
    assert claims.evidence_path(evidence).read_bytes()[:3] == b"\xff\xd8\xff"
    assert evidence.size == claims.evidence_path(evidence).stat().st_size
    assert str(claims.evidence_path(evidence)).startswith(app.config["UPLOAD_FOLDER"])


def test_one_photo_backs_one_claim(volunteer, today):
    photo = claims.save_evidence(volunteer, JPEG).token
    claims.submit_claim(
        volunteer, activity_type="patrol-routine", occurred_on=today, quantity=1, photo=photo
    )
    with pytest.raises(InvalidInput, match="another claim"):
        claims.submit_claim(
            volunteer, activity_type="patrol-routine", occurred_on=today, quantity=1, photo=photo
        )


def test_editing_a_type_makes_a_new_version_and_awards_keep_theirs(
    make_member, submit, social_worker, volunteer
):
    admin = make_member(role="admin", community=None)
    old = submit("elder-companionship", quantity=1)
    v2 = types.edit_type(
        "elder-companionship", actor=admin, changes={"points": 10, "daily_cap": 20}
    )
    db.session.commit()
    new = submit("elder-companionship", quantity=1)
    claims.approve_claim(old, actor=social_worker)
    claims.approve_claim(new, actor=social_worker)
    db.session.commit()
    assert (old.activity_type.version, old.points) == (1, 8)
    assert (new.activity_type.version, new.points) == (2, 10)
    assert v2.version == 2 and types.current_type("elder-companionship").id == v2.id
    assert [v.version for v in types.versions("elder-companionship")] == [2, 1]
    with pytest.raises(Forbidden):
        types.edit_type("elder-companionship", actor=social_worker, changes={"points": 99})
    with pytest.raises(InvalidInput) as error:
        types.edit_type("elder-companionship", actor=admin, changes={"daily_cap": 1})
    assert "daily_cap" in error.value.errors


def test_postings_of_awards_sum_to_zero(submit, social_worker):
    for _ in range(2):
        claims.approve_claim(submit(), actor=social_worker)
    db.session.commit()
    total = db.session.scalar(sa.select(sa.func.sum(Posting.amount)))
    assert total == 0
