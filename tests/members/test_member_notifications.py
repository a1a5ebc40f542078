"""What members hear about their level, training, host application and assessment, and what
social workers hear of objections they must resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from points import clock, housekeeping
from points.database import utcnow
from points.extensions import db
from points.members import applications, quarterly, training
from points.members import messages as M
from points.members import services as members
from points.members.models import CourseSession
from points.notifications import render
from points.notifications import services as notifications
from tests.notifications.told import link, params, the_one, told

SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------------------- levels


def test_a_level_taken_over_from_a_roster_tells_nobody(make_member):
    assert told(make_member(level="host")) == []


def test_a_demotion_and_its_reversal_tell_the_member_each_level(make_member, places):
    admin = make_member(role="admin")
    host = make_member(level="host")
    change = members.demote(host, "talent", reason="退出主理人", actor_id=admin.id)
    db.session.commit()
    lost = the_one(host, M.LEVEL_LOST)
    assert (params(lost)["was"], params(lost)["level"]) == ("host", "talent")
    assert lost.subject == f"level-change:{change.id}"
    members.reverse_demotion(change, reason="误操作", actor=admin)
    db.session.commit()
    gained = the_one(host, M.LEVEL_GAINED)
    assert (params(gained)["was"], params(gained)["level"]) == ("talent", "host")
    with render.in_locale("zh_Hans_CN"):
        assert render.title(lost) == "您的等级调整为社区能人"
        assert render.title(gained) == "您已成为社区主理人"


# ---------------------------------------------------------------------------- training


def _session(actor, code, starts_at):
    return training.schedule(actor, course_code=code, place="党群服务中心", starts_at=starts_at)


def _begin(session):
    db.session.execute(
        sa.update(CourseSession)
        .where(CourseSession.id == session.id)
        .values(starts_at=utcnow() - timedelta(hours=1))
    )
    db.session.expire(session)


def test_signing_up_attending_and_the_promotion_each_tell_the_member(
    app, make_member, social_worker, courses
):
    resident = make_member()
    members.record_pledge(resident, real_name="陈小明")
    first = _session(social_worker, "basic-public-good", utcnow() + timedelta(days=3))
    second = _session(social_worker, "basic-etiquette", utcnow() + timedelta(days=3))
    for session in (first, second):
        training.sign_up(session, resident)
    db.session.commit()
    signed = told(resident, M.TRAINING_SIGNED_UP)
    assert [n.subject for n in signed] == [
        f"training-session:{first.id}",
        f"training-session:{second.id}",
    ]
    assert params(signed[0])["place"] == "党群服务中心"
    assert params(signed[0])["start"] == first.starts_at
    assert link(app, signed[0]) == "/training"
    for session in (first, second):
        _begin(session)
        training.record_attendance(session, member_ids=[resident.id], actor=social_worker)
    db.session.commit()
    attended = told(resident, M.TRAINING_ATTENDED)
    assert len(attended) == 2 and link(app, attended[0]) == "/me"
    assert params(attended[0])["course"]["zh"] == courses["basic-public-good"].name_zh
    gained = the_one(resident, M.LEVEL_GAINED)
    assert (params(gained)["was"], params(gained)["level"]) == ("resident", "volunteer")
    assert link(app, gained) == "/me"


def test_the_day_before_a_session_its_seats_are_reminded_once(
    app, make_member, social_worker, courses
):
    resident, cancelled = make_member(), make_member()
    today = clock.today()
    tomorrow_at_nine = clock.at(today + timedelta(days=2), datetime.min.time()) + timedelta(hours=9)
    later = _session(social_worker, "basic-etiquette", tomorrow_at_nine + timedelta(days=1))
    session = _session(social_worker, "basic-public-good", tomorrow_at_nine)
    for member in (resident, cancelled):
        training.sign_up(session, member)
        training.sign_up(later, member)
    training.cancel_signup(session, cancelled)
    db.session.commit()
    # The sweep on the day before, at ten in the morning, and again a minute later.
    day_before = clock.at(today + timedelta(days=1), datetime.min.time()) + timedelta(hours=10)
    assert housekeeping.sweep(now=day_before)["training_reminded"] == 1
    db.session.commit()
    assert housekeeping.sweep(now=day_before + timedelta(minutes=1))["training_reminded"] == 0
    db.session.commit()
    reminder = the_one(resident, M.TRAINING_TOMORROW)
    assert params(reminder)["start"] == session.starts_at
    assert link(app, reminder) == "/training"
    assert [d.channel for d in reminder.deliveries] == ["sms"]
    assert told(cancelled, M.TRAINING_TOMORROW) == []


# ---------------------------------------------------------------------------- host applications


@pytest.fixture
def trained_talent(make_member, social_worker, courses):
    talent = make_member("13812345678", level="talent", name="宋老师")
    for course in courses.values():
        members.record_completion(
            talent, course, actor=social_worker, completed_on=utcnow() - timedelta(days=30)
        )
    db.session.commit()
    return talent


def _apply(member, now):
    return applications.apply(
        member, programme_title="晨间瑜伽", proposal="每周二、四早上七点，活动室", now=now
    )


def test_selection_opens_the_notice_and_its_end_is_told_once_then_the_appointment(
    app, trained_talent, social_worker
):
    now = utcnow()
    application = _apply(trained_talent, now)
    applications.review(application, select=True, actor=social_worker, now=now)
    db.session.commit()
    selected = the_one(trained_talent, M.APPLICATION_SELECTED)
    assert params(selected) == {"programme": "晨间瑜伽", "ends": application.notice_ends_at}
    assert link(app, selected) == "/me/host-application"
    assert housekeeping.sweep(now=now + timedelta(days=1))["notices_ended"] == 0
    done = housekeeping.sweep(now=now + timedelta(days=6))
    db.session.commit()
    assert (done["notices_ended"], done["hosts_appointed"]) == (1, 1)
    assert housekeeping.sweep(now=now + timedelta(days=6, minutes=1))["notices_ended"] == 0
    db.session.commit()
    assert [n.kind for n in told(trained_talent)][1:] == [
        M.NOTICE_ENDED.key,
        M.LEVEL_GAINED.key,
    ]


def test_a_declined_application_tells_the_reason(app, trained_talent, social_worker):
    application = _apply(trained_talent, utcnow())
    applications.review(application, select=False, reason="方案需补充安全预案", actor=social_worker)
    db.session.commit()
    declined = the_one(trained_talent, M.APPLICATION_DECLINED)
    assert params(declined)["reason"] == "方案需补充安全预案"
    assert link(app, declined) == "/me/host-application"


def test_an_objection_asks_the_communitys_social_workers_and_its_outcome_is_told(
    app, trained_talent, social_worker, make_member, places
):
    other_worker = make_member(role="social_worker", name="赵社工")
    elsewhere = make_member(role="social_worker", community=places[1])
    neighbour = make_member(name="邻居")
    now = utcnow()
    application = _apply(trained_talent, now)
    applications.review(application, select=True, actor=social_worker, now=now)
    objection = applications.object_to(
        application, member=neighbour, reason="曾多次扰民", now=now + timedelta(hours=1)
    )
    db.session.commit()
    for worker in (social_worker, other_worker):
        lodged = the_one(worker, M.OBJECTION_LODGED)
        assert params(lodged)["reason"] == "曾多次扰民"
        assert params(lodged)["applicant"] == "宋老师"
        assert link(app, lodged) == "/staff/applications"
        assert [d.channel for d in lodged.deliveries] == []  # no email address on record
        assert notifications.needs_answer(worker) == [lodged]
    assert told(elsewhere) == []
    applications.resolve_objection(objection, uphold=True, note="经核实属实", actor=social_worker)
    db.session.commit()
    assert notifications.needs_answer(other_worker) == []  # one social worker resolved it
    upheld = the_one(trained_talent, M.OBJECTION_UPHELD)
    assert params(upheld)["note"] == "经核实属实"
    resolved = the_one(neighbour, M.OBJECTION_RESOLVED)
    assert params(resolved)["outcome"] == "upheld"
    assert link(app, resolved) == "/notices"
    with render.in_locale("zh_Hans_CN"):
        assert render.title(resolved) == "您提出的异议：成立"


def test_staff_kinds_go_by_email_when_the_social_worker_has_an_address(
    trained_talent, social_worker, make_member
):
    social_worker.email = "li@example.org"
    db.session.commit()
    now = utcnow()
    application = _apply(trained_talent, now)
    applications.review(application, select=True, actor=social_worker, now=now)
    applications.object_to(application, member=make_member(), reason="噪音", now=now)
    db.session.commit()
    lodged = the_one(social_worker, M.OBJECTION_LODGED)
    assert [(d.channel, d.address) for d in lodged.deliveries] == [("email", "li@example.org")]


# ---------------------------------------------------------------------------- assessment

# 1 December 2026, 10:00 in the community: 2026Q3 has ended.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _publish(actor, quarter):
    quarterly.run_draft(actor, quarter, now=NOW)
    token = quarterly.summary(actor, quarter).token
    return quarterly.publish(actor, quarter, confirmed=token, now=NOW)


def test_a_published_assessment_tells_the_host_its_colour(
    app, measured, make_member, social_worker
):
    since = datetime(2026, 1, 5, tzinfo=SHANGHAI)
    host = make_member(now=since - timedelta(days=60))
    members.import_level(host, "host", reason="appointed", actor_id=None, now=since)
    measured[("service_hours", host.id, "2026Q3")] = 40
    measured[("programmes_held", host.id, "2026Q3")] = 9
    db.session.commit()
    quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    db.session.commit()
    assert told(host) == [], "a draft tells nobody"
    (published,), _ = _publish(social_worker, "2026Q3")
    db.session.commit()
    told_now = the_one(host, M.ASSESSMENT_PUBLISHED)
    assert params(told_now) == {"quarter": "2026Q3", "colour": published.colour}
    assert published.colour == "green"
    assert link(app, told_now) == "/me"
    with render.in_locale("zh_Hans_CN"):
        assert render.title(told_now) == "2026Q3 季度考核：绿色"
    with render.in_locale("en"):
        assert render.title(told_now) == "Your assessment for 2026Q3: Green"


def test_two_published_reds_tell_the_colour_then_the_level_lost(
    measured, make_member, social_worker
):
    since = datetime(2026, 1, 5, tzinfo=SHANGHAI)
    host = make_member(now=since - timedelta(days=60))
    members.import_level(host, "host", reason="appointed", actor_id=None, now=since)
    db.session.commit()
    _publish(social_worker, "2026Q2")
    _publish(social_worker, "2026Q3")
    db.session.commit()
    assert [(n.kind, params(n).get("colour")) for n in told(host)] == [
        (M.ASSESSMENT_PUBLISHED.key, "red"),
        (M.ASSESSMENT_PUBLISHED.key, "red"),
        (M.LEVEL_LOST.key, None),
    ]
