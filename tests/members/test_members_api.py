"""Skills, becoming a host and the staff's member record over the API, on the same
services as the pages: happy paths, refusals, and the whole flows with bearer tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.members import services as members
from points.members.models import HostApplication, PhoneView
from tests.conftest import api_token


@pytest.fixture
def staff(client, social_worker):
    return api_token(client, social_worker.phone)


@pytest.fixture
def trained_talent(make_member, social_worker, courses):
    """A talent with all three training tiers finished."""
    talent = make_member("13812345678", level="talent", name="宋老师")
    for course in courses.values():
        members.record_completion(
            talent, course, actor=social_worker, completed_on=utcnow() - timedelta(days=30)
        )
    db.session.commit()
    return talent


PROPOSAL = {"programme_title": "晨间瑜伽", "proposal": "每周二、四早上七点，活动室"}


# ---------------------------------------------------------------------------- skills


def test_a_skill_is_declared_reviewed_and_approved_over_the_api(client, make_member, staff):
    volunteer = make_member("13800000011", level="volunteer", name="王阿姨")
    mine = api_token(client, volunteer.phone)
    declared = client.post(
        "/api/v1/me/skills", json={"category": "瑜伽", "description": "教中老年人"}, headers=mine
    )
    assert declared.status_code == 201, declared.get_json()
    skill = declared.get_json()
    assert skill["status"] == "declared"
    assert [s["id"] for s in client.get("/api/v1/me/skills", headers=mine).get_json()] == [
        skill["id"]
    ]

    (queued,) = client.get("/api/v1/skills", headers=staff).get_json()
    assert queued["id"] == skill["id"]
    assert queued["member"]["phone"] == "138****0011", "lists mask phones"
    assert client.get("/api/v1/skills?status=approved", headers=staff).get_json() == []

    approved = client.post(
        f"/api/v1/skills/{skill['id']}/review", json={"approve": True}, headers=staff
    )
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    again = client.post(
        f"/api/v1/skills/{skill['id']}/review", json={"approve": True}, headers=staff
    )
    assert again.status_code == 409
    assert client.get("/api/v1/me/skills", headers=mine).get_json()[0]["status"] == "approved"


def test_skill_refusals(client, make_member, places, staff):
    volunteer = make_member(level="volunteer")
    mine = api_token(client, volunteer.phone)
    bad = client.post("/api/v1/me/skills", json={"category": "瑜伽"}, headers=mine)
    assert bad.status_code == 422 and "description" in bad.get_json()["errors"]
    skill = members.declare_skill(volunteer, category="急救", description="红十字证书")
    elsewhere = make_member(community=places[1])
    theirs = members.declare_skill(elsewhere, category="编织", description="手工编织")
    db.session.commit()

    assert client.get("/api/v1/skills", headers=mine).status_code == 403
    by_volunteer = client.post(
        f"/api/v1/skills/{skill.id}/review", json={"approve": True}, headers=mine
    )
    assert by_volunteer.status_code == 403
    other = client.post(f"/api/v1/skills/{theirs.id}/review", json={"approve": True}, headers=staff)
    assert other.status_code == 404
    no_note = client.post(
        f"/api/v1/skills/{skill.id}/review", json={"approve": False}, headers=staff
    )
    assert no_note.status_code == 422 and "note" in no_note.get_json()["errors"]
    rejected = client.post(
        f"/api/v1/skills/{skill.id}/review",
        json={"approve": False, "note": "请补充证书"},
        headers=staff,
    )
    assert rejected.get_json()["review_note"] == "请补充证书"
    assert [s["id"] for s in client.get("/api/v1/skills", headers=staff).get_json()] == []


# ---------------------------------------------------------------------------- hosting


def test_apply_select_notice_objection_appoint_over_the_api(
    client, trained_talent, social_worker, make_member, staff
):
    talent = api_token(client, trained_talent.phone)
    neighbour = make_member("13800000022", name="邻居")
    theirs = api_token(client, neighbour.phone)
    assert client.get("/api/v1/me/host-application", headers=talent).status_code == 404

    applied = client.post("/api/v1/me/host-application", json=PROPOSAL, headers=talent)
    assert applied.status_code == 201, applied.get_json()
    app_id = applied.get_json()["id"]
    twice = client.post("/api/v1/me/host-application", json=PROPOSAL, headers=talent)
    assert twice.status_code == 409
    assert client.get("/api/v1/me/host-application", headers=talent).get_json()["status"] == (
        "submitted"
    )
    (queued,) = client.get("/api/v1/host-applications", headers=staff).get_json()
    assert queued["id"] == app_id and queued["member"]["phone"] == "138****5678"

    selected = client.post(
        f"/api/v1/host-applications/{app_id}/review", json={"select": True}, headers=staff
    )
    assert selected.status_code == 200 and selected.get_json()["status"] == "selected"
    assert "notice_running" in selected.get_json()["blockers"]

    (notice,) = client.get("/api/v1/notices").get_json()  # no sign-in needed
    assert (notice["id"], notice["applicant"]) == (app_id, "宋老师")
    assert "phone" not in notice
    own = client.post(
        f"/api/v1/notices/{app_id}/objections", json={"reason": "我自己"}, headers=talent
    )
    assert own.status_code == 403
    assert client.post(
        f"/api/v1/notices/{app_id}/objections", json={"reason": "x"}
    ).status_code == (401)
    objected = client.post(
        f"/api/v1/notices/{app_id}/objections", json={"reason": "时间冲突"}, headers=theirs
    )
    assert objected.status_code == 201, objected.get_json()
    objection_id = objected.get_json()["id"]

    application = db.session.get(HostApplication, app_id)
    application.notice_ends_at = utcnow() - timedelta(minutes=1)  # the notice has ended
    db.session.commit()
    held = client.post(f"/api/v1/host-applications/{app_id}/appoint", headers=staff)
    assert held.status_code == 409 and "open_objection" in held.get_json()["message"]

    dismissed = client.post(
        f"/api/v1/objections/{objection_id}/resolve", json={"note": "已协调"}, headers=staff
    )
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "dismissed"
    appointed = client.post(f"/api/v1/host-applications/{app_id}/appoint", headers=staff)
    assert appointed.status_code == 200, appointed.get_json()
    assert appointed.get_json()["status"] == "appointed"
    db.session.expire_all()
    assert members.get_member(trained_talent.id).level == "host"


def test_hosting_refusals(client, trained_talent, make_member, places, staff):
    talent = api_token(client, trained_talent.phone)
    resident = api_token(client, make_member().phone)
    assert client.post(
        "/api/v1/me/host-application", json=PROPOSAL, headers=resident
    ).status_code == (403)
    bad = client.post(
        "/api/v1/me/host-application", json={"programme_title": "瑜伽"}, headers=talent
    )
    assert bad.status_code == 422 and "proposal" in bad.get_json()["errors"]
    app_id = client.post("/api/v1/me/host-application", json=PROPOSAL, headers=talent).get_json()[
        "id"
    ]
    assert client.get("/api/v1/host-applications", headers=resident).status_code == 403
    by_resident = client.post(
        f"/api/v1/host-applications/{app_id}/review", json={"select": True}, headers=resident
    )
    assert by_resident.status_code == 403
    other_worker = make_member(community=places[1], role="social_worker")
    other = api_token(client, other_worker.phone)
    elsewhere = client.post(
        f"/api/v1/host-applications/{app_id}/review", json={"select": True}, headers=other
    )
    assert elsewhere.status_code == 404
    no_reason = client.post(
        f"/api/v1/host-applications/{app_id}/review", json={"select": False}, headers=staff
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    declined = client.post(
        f"/api/v1/host-applications/{app_id}/review",
        json={"select": False, "reason": "方案不完整"},
        headers=staff,
    )
    assert declined.get_json()["status"] == "declined"
    assert client.get("/api/v1/notices", headers=resident).get_json() == []
    gone = client.post(
        f"/api/v1/notices/{app_id}/objections", json={"reason": "x"}, headers=resident
    )
    assert gone.status_code == 404


def test_an_upheld_objection_declines_the_application(
    client, trained_talent, social_worker, make_member, places, staff
):
    from points.members import applications

    application = applications.apply(trained_talent, **PROPOSAL)
    applications.review(application, select=True, actor=social_worker)
    neighbour = make_member()
    objection = applications.object_to(application, member=neighbour, reason="资质存疑")
    db.session.commit()
    neighbour_token = api_token(client, neighbour.phone)
    assert (
        client.post(
            f"/api/v1/objections/{objection.id}/resolve",
            json={"note": "x", "uphold": True},
            headers=neighbour_token,
        ).status_code
        == 403
    )
    other = api_token(client, make_member(community=places[1], role="social_worker").phone)
    assert (
        client.post(
            f"/api/v1/objections/{objection.id}/resolve", json={"note": "x"}, headers=other
        ).status_code
        == 404
    )
    no_note = client.post(f"/api/v1/objections/{objection.id}/resolve", json={}, headers=staff)
    assert no_note.status_code == 422 and "note" in no_note.get_json()["errors"]
    upheld = client.post(
        f"/api/v1/objections/{objection.id}/resolve",
        json={"note": "核实属实", "uphold": True},
        headers=staff,
    )
    assert upheld.get_json()["status"] == "upheld"
    mine = client.get(
        "/api/v1/me/host-application", headers=api_token(client, trained_talent.phone)
    )
    assert mine.get_json()["status"] == "declined"


# ---------------------------------------------------------------------------- records


def test_the_member_record_shows_the_phone_and_records_the_look(
    client, make_member, places, social_worker, staff
):
    member = make_member("13800000033", level="volunteer", name="赵大爷")
    record = client.get(f"/api/v1/members/{member.id}", headers=staff)
    assert record.status_code == 200
    body = record.get_json()
    assert body["phone"] == "13800000033" and body["member"]["name"] == "赵大爷"
    assert body["progress"]["level"] == "volunteer"
    views = db.session.scalars(sa.select(PhoneView).filter_by(member_id=member.id)).all()
    assert [v.viewer_id for v in views] == [social_worker.id]

    volunteer = api_token(client, make_member(level="volunteer").phone)
    assert client.get(f"/api/v1/members/{member.id}", headers=volunteer).status_code == 403
    elsewhere = make_member(community=places[1])
    assert client.get(f"/api/v1/members/{elsewhere.id}", headers=staff).status_code == 404
    assert client.get("/api/v1/members/99999", headers=staff).status_code == 404


def test_staff_suspend_and_reinstate_a_member(client, make_member, places, staff):
    member = make_member("13800000044")
    theirs = api_token(client, member.phone)
    suspended = client.post(
        f"/api/v1/members/{member.id}/status",
        json={"status": "suspended", "reason": "多次爽约"},
        headers=staff,
    )
    assert suspended.status_code == 200, suspended.get_json()
    assert suspended.get_json()["to_status"] == "suspended"
    assert client.get("/api/v1/me/skills", headers=theirs).status_code == 401, "signed out"
    again = client.post(
        f"/api/v1/members/{member.id}/status",
        json={"status": "suspended", "reason": "再次"},
        headers=staff,
    )
    assert again.status_code == 409
    back = client.post(
        f"/api/v1/members/{member.id}/status",
        json={"status": "active", "reason": "已沟通"},
        headers=staff,
    )
    assert back.get_json()["to_status"] == "active"

    bad = client.post(
        f"/api/v1/members/{member.id}/status", json={"status": "gone", "reason": "x"}, headers=staff
    )
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]
    volunteer = api_token(client, make_member(level="volunteer").phone)
    by_volunteer = client.post(
        f"/api/v1/members/{member.id}/status",
        json={"status": "exited", "reason": "x"},
        headers=volunteer,
    )
    assert by_volunteer.status_code == 403
    elsewhere = make_member(community=places[1])
    assert (
        client.post(
            f"/api/v1/members/{elsewhere.id}/status",
            json={"status": "exited", "reason": "x"},
            headers=staff,
        ).status_code
        == 404
    )
