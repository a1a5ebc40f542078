"""The whole resident → volunteer journey, through the pages and through the API, without a
social worker typing anyone's phone number."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.members import services as members
from points.members.models import CourseSession
from tests.conftest import api_token, csrf_token, sign_in


def _schedule_basic(client, token):
    """The social worker schedules both basic courses a week ahead, 10 seats each."""
    day = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%d")
    for code, hour in (("basic-public-good", "09:00"), ("basic-etiquette", "14:00")):
        answer = client.post(
            "/staff/courses",
            data={
                "course": code,
                "starts_at": f"{day}T{hour}",
                "place": "党群服务中心二楼",
                "capacity": "10",
                "csrf_token": token,
            },
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)


def _the_day_comes():
    """Time passes: every session began an hour ago."""
    db.session.execute(sa.update(CourseSession).values(starts_at=utcnow() - timedelta(hours=1)))
    db.session.commit()


def test_a_new_resident_becomes_a_volunteer_through_the_pages(
    app, client, social_worker, courses, places
):
    worker = app.test_client()
    sign_in(worker, social_worker.phone)
    _schedule_basic(worker, csrf_token(worker, "/staff/courses"))

    # Registration offers the communities as a list.
    page = client.get("/register").get_data(as_text=True)
    assert "云溪社区" in page and "滨江社区" in page
    answer = client.post(
        "/register",
        data={
            "phone": "13812340001",
            "name": "小明",
            "password": "secret-99",
            "community_id": places[0].id,
            "grid_id": 0,
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert answer.status_code == 302
    token = csrf_token(client, "/me")
    client.post("/me/pledge", data={"real_name": "陈小明", "csrf_token": token})

    # Home: the basic sessions, with seats; profile: the checklist counts and links.
    home = client.get("/").get_data(as_text=True)
    assert "公益理念" in home and "服务礼仪" in home and "剩余 10 / 10 个名额" in home
    profile = client.get("/me").get_data(as_text=True)
    assert "已完成 0 / 2 门课程" in profile
    assert 'href="/training#needed"' in profile

    page = client.get("/training").get_data(as_text=True)
    ids = re.findall(r'action="/training/sessions/(\d+)/signup"', page)
    assert len(ids) == 2
    for session_id in ids:
        answer = client.post(
            f"/training/sessions/{session_id}/signup",
            data={"csrf_token": token, "next": "home"},
            follow_redirects=True,
        )
        assert "你已报名" in answer.get_data(as_text=True)
    assert "剩余 9 / 10 个名额" in client.get("/training").get_data(as_text=True)

    # The sign-in sheet shows who signed up; ticking the boxes is all it takes.
    _the_day_comes()
    resident = members.find_by_phone("13812340001")
    for session_id in ids:
        sheet = worker.get(f"/staff/courses/sessions/{session_id}").get_data(as_text=True)
        assert "小明" in sheet and f'name="member_ids" value="{resident.id}"' in sheet
        assert "13812340001" not in sheet  # masked
        answer = worker.post(
            f"/staff/courses/sessions/{session_id}",
            data={"member_ids": str(resident.id), "phones": "", "csrf_token": token_of(worker)},
            follow_redirects=True,
        )
        assert "已登记 1 人签到" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert members.find_by_phone("13812340001").level == "volunteer"
    assert "志愿者" in client.get("/me").get_data(as_text=True)


def token_of(client) -> str:
    return csrf_token(client, "/staff/courses")


def test_a_new_resident_becomes_a_volunteer_through_the_api(client, social_worker, courses, places):
    staff = api_token(client, social_worker.phone)
    start = (utcnow() + timedelta(days=7)).isoformat()
    for code in ("basic-public-good", "basic-etiquette"):
        answer = client.post(
            "/api/v1/training/sessions",
            headers=staff,
            json={"course": code, "starts_at": start, "place": "党群服务中心", "capacity": 2},
        )
        assert answer.status_code == 201, answer.get_json()
        assert answer.get_json()["seats_left"] == 2

    listed = client.get("/api/v1/auth/communities").get_json()
    assert [c["name"] for c in listed] == ["云溪社区", "滨江社区"]
    assert [g["name"] for g in listed[0]["grids"]] == ["云溪一网格", "云溪二网格"]
    answer = client.post(
        "/api/v1/auth/register",
        json={
            "phone": "13812340002",
            "password": "secret-99",
            "name": "小明",
            "community_id": listed[0]["id"],
        },
    )
    assert answer.status_code == 201
    me = api_token(client, "13812340002", "secret-99")
    answer = client.post("/api/v1/me/pledge", headers=me, json={"real_name": "陈小明"})
    assert answer.status_code == 200 and answer.get_json()["level"] == "resident"

    progress = client.get("/api/v1/me/progress", headers=me).get_json()
    basic = [r for r in progress["requirements"] if r["code"] == "course_tier:basic"][0]
    assert (basic["have"], basic["need"], basic["met"]) == (0, 2, False)

    offered = client.get("/api/v1/training/sessions", headers=me).get_json()
    assert [s["course"]["tier"] for s in offered] == ["basic", "basic"]
    for s in offered:
        answer = client.post(f"/api/v1/training/sessions/{s['id']}/signup", headers=me)
        assert answer.status_code == 200 and answer.get_json()["status"] == "signed_up"
    mine = client.get("/api/v1/me/training/signups", headers=me).get_json()
    assert {s["id"] for s in mine} == {s["id"] for s in offered}
    assert all(s["signed_up"] and s["seats_left"] == 1 for s in mine)

    _the_day_comes()
    late = client.post(f"/api/v1/training/sessions/{offered[0]['id']}/signup/cancel", headers=me)
    assert late.status_code == 409
    for s in offered:
        roster = client.get(f"/api/v1/training/sessions/{s['id']}/roster", headers=staff)
        entries = roster.get_json()
        assert [(e["name"], e["attended"]) for e in entries] == [("小明", False)]
        assert entries[0]["phone"] == "138****0002"
        answer = client.post(
            f"/api/v1/training/sessions/{s['id']}/attendance",
            headers=staff,
            json={"member_ids": [entries[0]["member_id"]]},
        )
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["roster"][0]["attended"] is True
    assert client.get("/api/v1/me", headers=me).get_json()["level"] == "volunteer"
    assert client.get("/api/v1/me/progress", headers=me).get_json()["next_level"] == "talent"


def test_the_training_api_refuses_cleanly(client, make_member, social_worker, courses, places):
    staff = api_token(client, social_worker.phone)
    resident = make_member("13812340003")
    me = api_token(client, resident.phone)
    start = (utcnow() + timedelta(days=2)).isoformat()
    made = client.post(
        "/api/v1/training/sessions",
        headers=staff,
        json={"course": "basic-etiquette", "starts_at": start, "place": "活动室", "capacity": 1},
    ).get_json()
    assert client.get("/api/v1/training/sessions").status_code == 401
    assert client.post("/api/v1/me/pledge", headers=me, json={"name": "x"}).status_code == 422
    assert (
        client.post(
            "/api/v1/training/sessions",
            headers=me,
            json={"course": "basic-etiquette", "starts_at": start, "place": "x"},
        ).status_code
        == 403
    )
    bad = client.post(
        "/api/v1/training/sessions",
        headers=staff,
        json={"course": "basic-etiquette", "starts_at": "soon", "place": "x"},
    )
    assert bad.status_code == 422 and "starts_at" in bad.get_json()["errors"]
    assert client.post("/api/v1/training/sessions/999/signup", headers=me).status_code == 404
    assert (
        client.post(f"/api/v1/training/sessions/{made['id']}/signup", headers=me).status_code == 200
    )
    other = api_token(client, make_member("13812340004").phone)
    full = client.post(f"/api/v1/training/sessions/{made['id']}/signup", headers=other)
    assert full.status_code == 409 and full.get_json()["code"] == "conflict"
    outsider = api_token(client, make_member("13812340005", community=places[1]).phone)
    hidden = client.post(f"/api/v1/training/sessions/{made['id']}/signup", headers=outsider)
    assert hidden.status_code == 404
    assert (
        client.get(f"/api/v1/training/sessions/{made['id']}/roster", headers=me).status_code == 403
    )
    typo = client.post(
        f"/api/v1/training/sessions/{made['id']}/attendance",
        headers=staff,
        json={"member_ids": [resident.id], "extra": 1},
    )
    assert typo.status_code == 422
    early = client.post(
        f"/api/v1/training/sessions/{made['id']}/attendance",
        headers=staff,
        json={"member_ids": [resident.id]},
    )
    assert early.status_code == 422


def test_members_without_a_community_are_the_street_admins_to_assign(
    client, make_member, social_worker, places
):
    admin = make_member("13812340006", role="admin", name="周站长")
    answer = client.post(
        "/api/v1/auth/register",
        json={"phone": "13812340007", "password": "secret-99", "name": "老用户"},
    )
    assert answer.status_code == 201 and answer.get_json()["community"] is None
    loner = members.find_by_phone("13812340007")

    sign_in(client, social_worker.phone)
    assert "老用户" not in client.get("/staff/members").get_data(as_text=True)
    assert client.get(f"/staff/members/{loner.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    sign_in(client, admin.phone)
    assert "没有社区" in client.get("/").get_data(as_text=True)
    listing = client.get("/staff/members?community=none").get_data(as_text=True)
    assert "老用户" in listing and "周站长" not in listing
    token = csrf_token(client, f"/staff/members/{loner.id}")
    answer = client.post(
        f"/staff/members/{loner.id}/community",
        data={"community_id": places[0].id, "reason": "本人来电", "csrf_token": token},
        follow_redirects=True,
    )
    html = answer.get_data(as_text=True)
    assert "社区已分配" in html and "本人来电" in html
    db.session.expire_all()
    assert members.find_by_phone("13812340007").community_id == places[0].id
    client.post("/logout", data={"csrf_token": token})

    sign_in(client, social_worker.phone)
    assert "老用户" in client.get("/staff/members").get_data(as_text=True)


def test_the_pages_say_why_a_seat_or_a_tick_is_refused(
    client, make_member, social_worker, courses, places
):
    from points.members import training

    session = training.schedule(
        social_worker,
        course_code="basic-etiquette",
        starts_at=utcnow() + timedelta(days=1),
        place="活动室",
        capacity=1,
    )
    training.sign_up(session, make_member("13812340008"))
    db.session.commit()
    make_member("13812340009")
    sign_in(client, "13812340009")
    page = client.get("/training").get_data(as_text=True)
    assert "已满" in page and "剩余 0 / 1 个名额" in page
    token = csrf_token(client, "/training")
    answer = client.post(
        f"/training/sessions/{session.id}/signup", data={"csrf_token": token}, follow_redirects=True
    )
    assert "名额已满" in answer.get_data(as_text=True)
    answer = client.post(
        f"/training/sessions/{session.id}/cancel", data={"csrf_token": token}, follow_redirects=True
    )
    assert "你没有报名这场培训" in answer.get_data(as_text=True)
    hidden = make_member("13812340010", community=places[1])
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, hidden.phone)
    answer = client.post(
        f"/training/sessions/{session.id}/signup",
        data={"csrf_token": csrf_token(client, "/training")},
        follow_redirects=True,
    )
    assert "没有找到这个培训场次" in answer.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    _the_day_comes()
    sign_in(client, social_worker.phone)
    token = csrf_token(client, "/staff/courses")
    answer = client.post(
        f"/staff/courses/sessions/{session.id}",
        data={"phones": "", "csrf_token": token},
        follow_redirects=True,
    )
    assert "请勾选到场的成员" in answer.get_data(as_text=True)
