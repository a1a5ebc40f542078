"""Becoming a host: apply → select → public notice with objections → appoint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points import housekeeping
from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.members import applications
from points.members import services as members
from tests.concurrency import race, tally
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def now():
    """The test's own clock, read when the test starts (not when the module is imported: a
    long run may reach these tests many minutes later)."""
    return utcnow()


@pytest.fixture
def trained_talent(make_member, social_worker, courses, now):
    """A talent with all three training tiers finished."""
    talent = make_member("13812345678", level="talent", name="宋老师")
    for course in courses.values():
        members.record_completion(
            talent, course, actor=social_worker, completed_on=now - timedelta(days=30)
        )
    db.session.commit()
    return talent


def _apply(member, now):
    return applications.apply(
        member,
        programme_title="晨间瑜伽",
        proposal="每周二、四早上七点，活动室，面向中老年居民",
        now=now,
    )


def test_the_whole_path_ends_in_a_recorded_appointment(trained_talent, social_worker, now):
    application = _apply(trained_talent, now)
    applications.review(application, select=True, actor=social_worker, now=now)
    assert application.notice_ends_at == now + timedelta(days=5)
    assert members.progress_of(trained_talent, now=now).ready
    with pytest.raises(Conflict, match="notice_running"):
        applications.appoint(application, actor=social_worker, now=now + timedelta(days=4))
    applications.appoint(application, actor=social_worker, now=now + timedelta(days=5))
    db.session.commit()
    assert (trained_talent.level, application.status) == ("host", "appointed")
    change = members.level_history(trained_talent)[0]
    assert (change.from_level, change.to_level, change.decided_by) == (
        "talent",
        "host",
        social_worker.id,
    )
    assert "public notice ended" in change.reason and "晨间瑜伽" in change.reason


def test_the_app_appoints_by_itself_when_the_notice_ends_quietly(
    trained_talent, social_worker, now
):
    application = _apply(trained_talent, now)
    applications.review(application, select=True, actor=social_worker, now=now)
    db.session.commit()
    assert housekeeping.sweep(now=now + timedelta(days=1))["hosts_appointed"] == 0
    assert housekeeping.sweep(now=now + timedelta(days=6))["hosts_appointed"] == 1
    assert trained_talent.level == "host"
    assert members.level_history(trained_talent)[0].decided_by is None


def test_an_open_objection_holds_the_appointment_and_an_upheld_one_declines(
    trained_talent, social_worker, make_member, now
):
    neighbour = make_member(name="邻居")
    application = _apply(trained_talent, now)
    applications.review(application, select=True, actor=social_worker, now=now)
    objection = applications.object_to(
        application, member=neighbour, reason="曾多次扰民", now=now + timedelta(days=1)
    )
    assert housekeeping.sweep(now=now + timedelta(days=6))["hosts_appointed"] == 0
    with pytest.raises(Conflict, match="open_objection"):
        applications.appoint(application, actor=social_worker, now=now + timedelta(days=6))
    applications.resolve_objection(objection, uphold=True, note="经核实属实", actor=social_worker)
    assert application.status == "declined"
    assert "经核实属实" in application.decision_reason
    assert trained_talent.level == "talent"


def test_objections_only_during_the_notice_and_never_ones_own(
    trained_talent, social_worker, make_member, now
):
    application = _apply(trained_talent, now)
    with pytest.raises(Conflict):
        applications.object_to(application, member=make_member(), reason="x", now=now)
    applications.review(application, select=True, actor=social_worker, now=now)
    with pytest.raises(Forbidden):
        applications.object_to(application, member=trained_talent, reason="x", now=now)
    with pytest.raises(Conflict):
        applications.object_to(
            application, member=make_member(), reason="late", now=now + timedelta(days=5)
        )


def test_missing_training_blocks_the_appointment(make_member, social_worker, now):
    talent = make_member(level="talent")
    application = _apply(talent, now)
    applications.review(application, select=True, actor=social_worker, now=now)
    waiting = applications.blockers(application, now + timedelta(days=6))
    assert "course_tier:leadership" in waiting


def test_only_talents_apply_once_at_a_time_and_others_decide(
    trained_talent, make_member, social_worker, places, now
):
    with pytest.raises(Forbidden):
        _apply(make_member(level="volunteer"), now)
    with pytest.raises(InvalidInput) as error:
        applications.apply(trained_talent, programme_title=" ", proposal="x")
    assert list(error.value.errors) == ["programme_title"]
    application = _apply(trained_talent, now)
    with pytest.raises(Conflict):
        _apply(trained_talent, now)
    outsider = make_member(role="social_worker", community=places[1])
    with pytest.raises(Forbidden):
        applications.review(application, select=True, actor=outsider)
    with pytest.raises(InvalidInput) as error:
        applications.review(application, select=False, reason="", actor=social_worker)
    assert list(error.value.errors) == ["reason"]
    applications.review(application, select=False, reason="方案需细化", actor=social_worker)
    with pytest.raises(Conflict):
        applications.review(application, select=True, actor=social_worker)
    assert _apply(trained_talent, now).status == "submitted", "a declined talent may apply again"


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_simultaneous_applications_make_one(app, trained_talent, mode):
    talent_id = trained_talent.id
    db.session.commit()

    def attempt(i):
        return applications.apply(
            members.get_member(talent_id), programme_title=f"项目{i}", proposal="方案"
        ).id

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 1, "Conflict": 7}, outcomes


def test_the_funnel_counts_like_the_pilot(make_member, social_worker, now):
    talents = [make_member(level="talent") for _ in range(5)]
    apps = [_apply(t, now) for t in talents]
    for a in apps[:3]:
        applications.review(a, select=True, actor=social_worker, now=now)
    applications.review(apps[3], select=False, reason="名额已满", actor=social_worker)
    f = applications.funnel(social_worker)
    assert (f.applied, f.selected, f.appointed) == (5, 3, 0)


def test_the_pages_take_a_talent_from_application_to_notice(
    client, trained_talent, social_worker, make_member
):
    sign_in(client, trained_talent.phone)
    answer = client.post(
        "/me/host-application",
        follow_redirects=True,
        data={
            "programme_title": "晨间瑜伽",
            "proposal": "每周两次",
            "csrf_token": csrf_token(client, "/me/host-application"),
        },
    )
    assert "申请已提交" in answer.get_data(as_text=True)
    staff = client.application.test_client()
    sign_in(staff, social_worker.phone)
    queue = staff.get("/staff/applications").get_data(as_text=True)
    assert "晨间瑜伽" in queue and "0 <small>/ 0 / 1</small>" in queue
    application = applications.latest_application(trained_talent)
    answer = staff.post(
        f"/staff/applications/{application.id}/review",
        follow_redirects=True,
        data={"decision": "select", "csrf_token": csrf_token(staff, "/staff/applications")},
    )
    assert "已遴选，开始公示" in answer.get_data(as_text=True)
    neighbour = client.application.test_client()
    make_member("13866666666")
    sign_in(neighbour, "13866666666")
    assert "晨间瑜伽" in neighbour.get("/notices").get_data(as_text=True)
    answer = neighbour.post(
        f"/notices/{application.id}/object",
        follow_redirects=True,
        data={"reason": "扰民", "csrf_token": csrf_token(neighbour, "/notices")},
    )
    assert "异议已记录" in answer.get_data(as_text=True)
    assert "异议处理完毕" in staff.get("/staff/applications").get_data(as_text=True)
