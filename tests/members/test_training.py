"""Training sessions: schedule, record attendance from the sign-in sheet, completions follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.errors import Forbidden, InvalidInput
from points.extensions import db
from points.members import services as members
from points.members import training
from points.members.models import Attendance
from tests.conftest import csrf_token, sign_in


def _session(actor, code="basic-etiquette", days_ago=1):
    return training.schedule(
        actor, course_code=code, place="党群服务中心", starts_at=utcnow() - timedelta(days=days_ago)
    )


def test_attending_both_basic_sessions_makes_a_pledged_resident_a_volunteer(
    make_member, social_worker, courses
):
    resident = make_member("13812345678")
    members.record_pledge(resident, real_name="王秀英")
    for code in ("basic-public-good", "basic-etiquette"):
        training.record_attendance(
            _session(social_worker, code), ["13812345678"], actor=social_worker
        )
    db.session.commit()
    assert resident.level == "volunteer"


def test_a_roster_with_an_unknown_or_outside_phone_writes_nothing(
    make_member, social_worker, courses, places
):
    make_member("13812345678")
    make_member("13812345679", community=places[1])
    session = _session(social_worker)
    with pytest.raises(InvalidInput, match="not registered: 13800000000"):
        training.record_attendance(session, ["13812345678", "13800000000"], actor=social_worker)
    with pytest.raises(Forbidden, match="13812345679"):
        training.record_attendance(session, ["13812345678", "13812345679"], actor=social_worker)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    with pytest.raises(InvalidInput):
        training.record_attendance(
            _session(social_worker, days_ago=-1), ["13812345678"], actor=social_worker
        )


def test_ticking_twice_records_once(make_member, social_worker, courses):
    make_member("13812345678")
    session = _session(social_worker)
    assert (
        len(
            training.record_attendance(session, ["13812345678", "13812345678"], actor=social_worker)
        )
        == 1
    )
    assert training.record_attendance(session, ["13812345678"], actor=social_worker) == []


def test_members_cannot_schedule_and_others_sessions_are_not_found(
    make_member, courses, social_worker, places
):
    with pytest.raises(Forbidden):
        _session(make_member())
    session = _session(social_worker)
    outsider = make_member(role="social_worker", community=places[1])
    with pytest.raises(Exception, match="no such session"):
        training.get_session(session.id, outsider)


def test_the_pages_schedule_and_take_the_roster(client, make_member, social_worker, courses):
    make_member("13812345678", name="学员甲")
    sign_in(client, social_worker.phone)
    token = csrf_token(client, "/staff/courses")
    answer = client.post(
        "/staff/courses",
        follow_redirects=True,
        data={
            "course": "basic-etiquette",
            "starts_at": "2026-11-20T09:00",
            "place": "二楼活动室",
            "csrf_token": token,
        },
    )
    html = answer.get_data(as_text=True)
    assert "培训场次已安排" in html and "二楼活动室" in html
    roster_url = answer.request.path
    answer = client.post(
        roster_url, follow_redirects=True, data={"phones": "13812345678\n", "csrf_token": token}
    )
    assert "已登记 1 人签到" in answer.get_data(as_text=True)
    assert "学员甲" in answer.get_data(as_text=True)
    bad = client.post(
        "/staff/courses",
        data={"course": "basic-etiquette", "starts_at": "soon", "place": "x", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert "请填写日期和时间" in bad.get_data(as_text=True)
