"""Promotion paths end to end, with every change recorded; staff act only in their scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.members import services as members
from points.members.models import LevelChange


def _history(member):
    return [
        (c.from_level, c.to_level, c.decided_by) for c in reversed(members.level_history(member))
    ]


def test_pledge_and_basic_training_make_a_resident_a_volunteer(make_member, social_worker, courses):
    resident = make_member()
    members.record_pledge(resident, real_name="王秀英")
    members.record_completion(resident, courses["basic-public-good"], actor=social_worker)
    db.session.commit()
    assert resident.level == "resident", "one basic course is not the whole tier"
    members.record_completion(resident, courses["basic-etiquette"], actor=social_worker)
    db.session.commit()
    assert resident.level == "volunteer"
    assert _history(resident) == [("resident", "volunteer", social_worker.id)]
    change = members.level_history(resident)[0]
    assert "pledge" in change.reason and "course_tier:basic" in change.reason


def test_hours_and_a_reviewed_skill_make_a_volunteer_a_talent(
    monkeypatch, make_member, social_worker
):
    volunteer = make_member(level="volunteer")
    hours = {volunteer.id: 0.0}
    monkeypatch.setattr(members, "_measures", {})
    members.register_measure("service_hours", lambda member_id, start, end: hours[member_id])
    skill = members.declare_skill(volunteer, category="义剪", description="每月为老人理发")
    members.review_skill(skill, approve=True, actor=social_worker)
    db.session.commit()
    assert volunteer.level == "volunteer"
    progress = members.progress_of(volunteer)
    assert {r.code: r.met for r in progress.requirements} == {
        "service_hours": False,
        "approved_skill": True,
    }
    hours[volunteer.id] = 20.0
    members.promote_if_eligible(volunteer, actor_id=None)
    db.session.commit()
    assert volunteer.level == "talent"


def test_lapsed_training_no_longer_counts(make_member, social_worker, courses):
    resident = make_member()
    members.record_pledge(resident, real_name="陈")
    long_ago = utcnow() - timedelta(days=800)
    members.record_completion(
        resident, courses["skill-emergency"], actor=social_worker, completed_on=long_ago
    )
    assert members.tiers_done(resident, utcnow()) == frozenset()
    members.record_completion(resident, courses["skill-event-planning"], actor=social_worker)
    assert members.tiers_done(resident, utcnow()) == frozenset()
    members.record_completion(resident, courses["skill-emergency"], actor=social_worker)
    assert members.tiers_done(resident, utcnow()) == frozenset({"specialised"})


def test_a_social_worker_of_another_community_cannot_act(make_member, places, courses):
    _, other = places
    outsider = make_member(role="social_worker", community=other)
    member = make_member()
    with pytest.raises(Forbidden):
        members.record_completion(member, courses["basic-etiquette"], actor=outsider)
    skill = members.declare_skill(member, category="书法", description="周末书法课")
    with pytest.raises(Forbidden):
        members.review_skill(skill, approve=True, actor=outsider)
    with pytest.raises(Forbidden):
        members.set_status(member, "suspended", reason="x", actor=outsider)
    admin = make_member(role="admin", community=None)
    members.review_skill(skill, approve=True, actor=admin)
    assert skill.status == "approved"


def test_members_cannot_promote_or_review_themselves(make_member, social_worker, courses):
    member = make_member()
    with pytest.raises(Forbidden):
        members.record_completion(member, courses["basic-etiquette"], actor=member)
    own = members.declare_skill(social_worker, category="急救", description="救护员证")
    with pytest.raises(Forbidden, match="own skill"):
        members.review_skill(own, approve=True, actor=social_worker)


def test_a_rejection_needs_a_note_and_a_skill_is_reviewed_once(make_member, social_worker):
    member = make_member()
    skill = members.declare_skill(member, category="书法", description="周末书法课")
    with pytest.raises(InvalidInput) as error:
        members.review_skill(skill, approve=False, actor=social_worker)
    assert list(error.value.errors) == ["note"]
    members.review_skill(skill, approve=False, note="请补充证书", actor=social_worker)
    with pytest.raises(Conflict):
        members.review_skill(skill, approve=True, actor=social_worker)


def test_suspension_and_exit_keep_history_and_block_sign_in(make_member, social_worker):
    member = make_member("13812345678", level="volunteer")
    members.set_status(member, "suspended", reason="投诉核实中", actor=social_worker)
    members.set_status(member, "exited", reason="本人申请退出", actor=social_worker)
    db.session.commit()
    rows = db.session.scalars(
        sa.select(LevelChange).filter_by(member_id=member.id).order_by(LevelChange.id)
    ).all()
    assert [(r.from_status, r.to_status, r.reason) for r in rows[-2:]] == [
        ("active", "suspended", "投诉核实中"),
        ("suspended", "exited", "本人申请退出"),
    ]
    assert member.level == "volunteer"
    with pytest.raises(Exception, match="exited"):
        members.authenticate("13812345678", "demo1234")
    with pytest.raises(InvalidInput):
        members.set_status(member, "active", reason=" ", actor=social_worker)
