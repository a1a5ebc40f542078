"""Naming a helper (代办): who may, for what and until when; withdrawing; the one rule
`may_act_for`; the resident told by SMS."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from points import clock
from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.members import helpers
from points.members import messages as M
from points.members import services as members
from points.members.models import HelperGrant
from points.notifications.models import Notification


def _grant(wang, phone, *, scopes=("redeem",), ends_on=None, by=None):
    return helpers.grant_helper(
        wang,
        helper_phone=phone,
        scopes=list(scopes),
        ends_on=ends_on or clock.today() + timedelta(days=30),
        granted_by=by or wang,
    )


def test_a_resident_names_her_daughter_and_is_told_by_sms(wang, daughter):
    grant = _grant(wang, daughter.phone, scopes=["balance", "redeem"])
    db.session.commit()
    assert (grant.resident_id, grant.helper_id, grant.witnessed) == (wang.id, daughter.id, False)
    assert grant.scopes == ("balance", "redeem")
    assert helpers.may_act_for(daughter, wang, "redeem")
    assert not helpers.may_act_for(daughter, wang, "claim")
    assert not helpers.may_act_for(wang, daughter, "redeem")  # it goes one way
    told = db.session.scalars(
        sa.select(Notification).where(
            Notification.member_id == wang.id, Notification.kind == M.HELPER_GRANTED.key
        )
    ).one()
    assert [d.channel for d in told.deliveries] == ["sms"]


def test_naming_yourself_is_refused_on_the_phone_field(wang):
    with pytest.raises(InvalidInput) as refused:
        _grant(wang, wang.phone)
    assert refused.value.key == M.HELPER_SELF.key
    assert list(refused.value.errors) == ["helper_phone"]


def test_an_unknown_phone_is_refused_on_the_phone_field(wang):
    with pytest.raises(InvalidInput) as refused:
        _grant(wang, "13912345678")
    assert refused.value.key == M.HELPER_UNKNOWN_PHONE.key
    assert list(refused.value.errors) == ["helper_phone"]


@pytest.mark.parametrize(
    ("days", "key"), [(-1, M.HELPER_END_PAST.key), (helpers.MAX_DAYS + 1, M.HELPER_END_TOO_FAR.key)]
)
def test_a_last_day_in_the_past_or_too_far_is_refused(wang, daughter, days, key):
    with pytest.raises(InvalidInput) as refused:
        _grant(wang, daughter.phone, ends_on=clock.today() + timedelta(days=days))
    assert refused.value.key == key
    assert list(refused.value.errors) == ["ends_on"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HelperGrant)) == 0


@pytest.mark.parametrize("scopes", [[], ["fly"], "everything"])
def test_scopes_must_be_chosen_from_the_four(wang, daughter, scopes):
    with pytest.raises(InvalidInput) as refused:
        _grant(wang, daughter.phone, scopes=scopes if isinstance(scopes, list) else [scopes])
    assert list(refused.value.errors) == ["scopes"]


def test_an_expired_grant_is_refused(wang, daughter):
    _grant(wang, daughter.phone, ends_on=clock.today())
    db.session.commit()
    assert helpers.may_act_for(daughter, wang, "redeem")
    tomorrow = utcnow() + timedelta(days=1, hours=1)
    assert not helpers.may_act_for(daughter, wang, "redeem", tomorrow)
    with pytest.raises(Forbidden) as refused:
        helpers.authorise(daughter, wang, "redeem", now=tomorrow)
    assert refused.value.key == M.HELPER_NOT_GRANTED.key


def test_a_withdrawn_grant_is_refused_and_the_resident_told(wang, daughter):
    grant = _grant(wang, daughter.phone)
    db.session.commit()
    helpers.withdraw_grant(grant, actor=wang)
    db.session.commit()
    assert grant.withdrawn_by == wang.id
    assert not helpers.may_act_for(daughter, wang, "redeem")
    assert helpers.helped_by(daughter) == []
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.member_id == wang.id)
    ).all()
    assert M.HELPER_WITHDRAWN.key in kinds
    with pytest.raises(Conflict):
        helpers.withdraw_grant(grant, actor=wang)


def test_the_helper_cannot_withdraw_for_the_resident_nor_a_stranger(wang, daughter, make_member):
    grant = _grant(wang, daughter.phone)
    db.session.commit()
    stranger = make_member()
    with pytest.raises(Exception) as refused:
        helpers.withdraw_grant(grant, actor=stranger)
    assert refused.value.status == 404


def test_a_suspended_resident_has_no_helper_acting(wang, daughter, social_worker):
    _grant(wang, daughter.phone)
    members.set_status(wang, "suspended", reason="搬走了", actor=social_worker)
    db.session.commit()
    assert not helpers.may_act_for(daughter, wang, "redeem")


def test_a_social_worker_records_a_witnessed_grant(wang, daughter, social_worker):
    grant = _grant(wang, daughter.phone, by=social_worker)
    db.session.commit()
    assert grant.witnessed and grant.granted_by == social_worker.id
    assert helpers.may_act_for(daughter, wang, "redeem")


def test_only_the_resident_or_her_social_worker_grants(wang, daughter, make_member, places):
    other_worker = make_member(community=places[1], role="social_worker")
    with pytest.raises(Forbidden):
        _grant(wang, daughter.phone, by=other_worker)
    with pytest.raises(Forbidden):
        _grant(wang, daughter.phone, by=daughter)


def test_naming_the_same_helper_again_replaces_the_grant(wang, daughter):
    first = _grant(wang, daughter.phone, scopes=["redeem"])
    second = _grant(wang, daughter.phone, scopes=["claim"])
    db.session.commit()
    assert first.withdrawn_at is not None and second.withdrawn_at is None
    assert helpers.may_act_for(daughter, wang, "claim")
    assert not helpers.may_act_for(daughter, wang, "redeem")


def test_the_database_keeps_one_grant_in_force_per_pair(wang, daughter):
    _grant(wang, daughter.phone)
    db.session.commit()
    db.session.add(
        HelperGrant(
            resident_id=wang.id,
            helper_id=daughter.id,
            may_redeem=True,
            ends_on=clock.today(),
            granted_by=wang.id,
            witnessed=False,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_grant_to_oneself(wang):
    db.session.add(
        HelperGrant(
            resident_id=wang.id,
            helper_id=wang.id,
            may_redeem=True,
            ends_on=clock.today(),
            granted_by=wang.id,
            witnessed=False,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
