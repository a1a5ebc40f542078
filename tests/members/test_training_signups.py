"""Seats at training sessions: sign up, cancel, the roster, and the checklist's counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.members import services as members
from points.members import training
from points.members.models import CourseSession, CourseSignup
from tests.concurrency import race, tally


def _upcoming(actor, code="basic-etiquette", capacity=30, days=3):
    return training.schedule(
        actor,
        course_code=code,
        place="党群服务中心",
        starts_at=utcnow() + timedelta(days=days),
        capacity=capacity,
    )


def _begin(session):
    """The day of the session comes: it began an hour ago."""
    db.session.execute(
        sa.update(CourseSession)
        .where(CourseSession.id == session.id)
        .values(starts_at=utcnow() - timedelta(hours=1))
    )
    db.session.expire(session)


def test_a_resident_sees_the_basic_sessions_takes_a_seat_and_frees_it(
    make_member, social_worker, courses
):
    resident = make_member()
    basic = _upcoming(social_worker, "basic-etiquette", capacity=2)
    _upcoming(social_worker, "lead-teams")  # not what a resident's next level needs
    offers = training.sessions_needed(resident)
    assert [o.session.id for o in offers] == [basic.id]
    assert offers[0].seats_left == 2 and not offers[0].signed_up
    training.sign_up(basic, resident)
    training.sign_up(basic, resident)  # twice: still one seat
    assert training.seats_left(basic) == 1
    assert [o.session.id for o in training.my_signups(resident)] == [basic.id]
    assert [s.member_id for s in training.roster(basic, actor=social_worker)] == [resident.id]
    training.cancel_signup(basic, resident)
    assert training.seats_left(basic) == 2 and training.my_signups(resident) == []
    with pytest.raises(NotFound):
        training.cancel_signup(basic, resident)
    training.sign_up(basic, resident)  # the freed row is reused
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseSignup)) == 1


def test_a_full_or_begun_session_refuses_and_another_community_is_not_found(
    make_member, social_worker, courses, places
):
    session = _upcoming(social_worker, capacity=1)
    training.sign_up(session, make_member())
    with pytest.raises(Conflict, match="all 1 places are taken"):
        training.sign_up(session, make_member())
    outsider = make_member(community=places[1])
    with pytest.raises(NotFound):
        training.visible_session(session.id, outsider)
    with pytest.raises(NotFound):
        training.sign_up(session, outsider)
    _begin(session)
    with pytest.raises(Conflict, match="begun"):
        training.sign_up(session, make_member())


def test_schedule_checks_the_seats(social_worker, courses):
    for bad in (0, -1, 501, "30", True, None):
        with pytest.raises(InvalidInput) as caught:
            _upcoming(social_worker, capacity=bad)
        assert "capacity" in caught.value.errors


def test_ticking_signed_up_members_by_id_finishes_the_tier_and_promotes(
    make_member, social_worker, courses
):
    resident = make_member()
    members.record_pledge(resident, real_name="陈小明")
    first, second = _upcoming(social_worker, "basic-public-good"), _upcoming(social_worker)
    for session in (first, second):
        training.sign_up(session, resident)
        _begin(session)
    basic = {r.code: r for r in members.progress_of(resident).requirements}["course_tier:basic"]
    assert (basic.have, basic.need, basic.met) == (0, 2, False)
    training.record_attendance(first, member_ids=[resident.id], actor=social_worker)
    basic = {r.code: r for r in members.progress_of(resident).requirements}["course_tier:basic"]
    assert (basic.have, basic.need, basic.met) == (1, 2, False)
    assert resident.level == "resident"
    training.record_attendance(second, member_ids=[resident.id], actor=social_worker)
    assert resident.level == "volunteer"
    assert members.level_history(resident)[0].decided_by == social_worker.id


def test_attendance_by_id_is_checked_before_anything_is_written(
    make_member, social_worker, courses, places
):
    session = _upcoming(social_worker)
    _begin(session)
    mine, outsider = make_member(), make_member(community=places[1])
    with pytest.raises(InvalidInput, match="no such member"):
        training.record_attendance(session, member_ids=[mine.id, 999999], actor=social_worker)
    with pytest.raises(Forbidden):
        training.record_attendance(session, member_ids=[mine.id, outsider.id], actor=social_worker)
    with pytest.raises(InvalidInput):
        training.record_attendance(session, member_ids=["x"], actor=social_worker)
    with pytest.raises(Forbidden):
        training.record_attendance(session, member_ids=[mine.id], actor=mine)
    assert session.attendances == []


def test_the_street_admin_assigns_a_member_without_a_community(make_member, places):
    admin = make_member(role="admin", community=False)
    worker = make_member(role="social_worker")
    loner = make_member(community=False)  # False: no community
    assert members.unassigned_count(admin) == 2  # the admin has none either
    assert members.unassigned_count(worker) == 0
    with pytest.raises(Forbidden):
        members.assign_community(loner, community_id=places[0].id, actor=worker)
    with pytest.raises(InvalidInput):
        members.assign_community(loner, community_id=999, actor=admin)
    change = members.assign_community(
        loner, community_id=places[0].id, reason="住在云溪", actor=admin
    )
    assert loner.community_id == places[0].id
    assert "云溪社区" in change.reason and "住在云溪" in change.reason
    assert change.decided_by == admin.id
    with pytest.raises(Conflict):
        members.assign_community(loner, community_id=places[0].id, actor=admin)
    assert members.can_manage(worker, loner)


@pytest.mark.slow
def test_more_members_than_seats_race_and_exactly_the_capacity_get_one(
    app, make_member, social_worker, courses
):
    people = [make_member().id for _ in range(12)]
    session_id = _upcoming(social_worker, capacity=5).id
    db.session.commit()

    def attempt(i):
        return training.sign_up(
            training.get_session(session_id, members.get_member(people[i])),
            members.get_member(people[i]),
        ).id

    outcomes = race(app, attempt, 12, "threads")
    assert tally(outcomes) == {"ok": 5, "Conflict": 7}, outcomes
    with app.app_context():
        taken = db.session.scalar(
            sa.select(sa.func.count()).select_from(CourseSignup).filter_by(status="signed_up")
        )
        assert taken == 5


def test_the_demo_resident_can_finish_with_the_seeded_sessions(ctx, demo):
    from datetime import UTC, datetime

    chen = members.find_by_phone("13900000005")
    worker = members.find_by_phone("13900000001")
    today = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    offers = training.sessions_needed(chen, now=today)
    assert {o.session.course.code for o in offers} == {"basic-public-good", "basic-etiquette"}
    tiers = {
        s.course.tier
        for s in db.session.scalars(sa.select(CourseSession))
        if s.community.name == "云溪社区" and s.starts_at > today
    }
    assert tiers == {"basic", "specialised", "leadership"}
    members.record_pledge(chen, real_name="陈小明", now=today)
    first_day = sorted(offers, key=lambda o: o.session.starts_at)[:2]
    for offer in first_day:
        training.sign_up(offer.session, chen, now=today)
    for offer in first_day:
        training.record_attendance(
            offer.session, member_ids=[chen.id], actor=worker, now=offer.session.starts_at
        )
    assert chen.level == "volunteer"
