"""Sign-up, sign-in, profile and the social worker's pages, through the browser's forms."""

from __future__ import annotations

import sqlalchemy as sa

from points.extensions import db
from points.members import services as members
from points.members.models import Member
from tests.conftest import csrf_token, sign_in


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Member))


def test_a_resident_signs_up_on_a_phone_and_lands_on_the_profile(client, places):
    a, _ = places
    form = {
        "phone": "13812345678",
        "name": "王阿姨",
        "password": "secret-99",
        "community_id": a.id,
        "grid_id": a.grids[0].id,
        "csrf_token": csrf_token(client, "/register"),
    }
    answer = client.post("/register", data=form, follow_redirects=True)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "欢迎你，王阿姨" in html
    assert "成为志愿者还需要" in html
    assert members.find_by_phone("13812345678").grid_id == a.grids[0].id


def test_bad_sign_up_input_is_shown_on_the_fields_and_nothing_is_created(client, places):
    members.register_member(
        phone="13812345678", password="secret-99", name="王", community_id=places[0].id
    )
    db.session.commit()
    token = csrf_token(client, "/register")
    cases = [
        ({"phone": "13812345678"}, "这个手机号已注册，请直接登录。"),
        ({"phone": "1381234"}, "请输入 11 位手机号"),
        ({"password": "short"}, "至少 8 个字符。"),
        ({"community_id": 0}, "请选择你所在的社区。"),
    ]
    for change, message in cases:
        form = {
            "phone": "13812345679",
            "name": "李",
            "password": "secret-99",
            "community_id": places[0].id,
            "grid_id": 0,
            "csrf_token": token,
            **change,
        }
        answer = client.post("/register", data=form)
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert message in html, message
        assert 'aria-invalid="true"' in html
    assert _count() == 1


def test_forms_without_the_csrf_token_are_refused(client, make_member):
    make_member("13812345678")
    answer = client.post("/login", data={"phone": "13812345678", "password": "demo1234"})
    assert answer.status_code == 400
    assert "请返回并刷新页面后再试" in answer.get_data(as_text=True)
    assert client.get("/me").status_code == 302, "not signed in"


def test_sign_in_shows_the_members_home_and_sign_out_ends_it(client, make_member):
    make_member("13812345678", name="陈小明")
    assert sign_in(client, "13812345678", "wrong-pass").status_code == 401
    answer = sign_in(client, "13812345678")
    assert answer.status_code == 302
    assert "你好，陈小明" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert client.get("/me").status_code == 302


def test_the_pledge_form_records_real_name(client, make_member):
    member = make_member("13812345678")
    sign_in(client, "13812345678")
    answer = client.post(
        "/me/pledge",
        data={"real_name": "陈晓东", "csrf_token": csrf_token(client, "/me")},
        follow_redirects=True,
    )
    assert "感谢你的承诺" in answer.get_data(as_text=True)
    db.session.refresh(member)
    assert member.real_name == "陈晓东" and member.pledged_at is not None


def test_the_language_switch_turns_pages_english_and_remembers_it(client, make_member):
    make_member("13812345678")
    sign_in(client, "13812345678")
    assert "我的" in client.get("/me").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf_token(client, "/me"), "next": "/me"})
    html = client.get("/me").get_data(as_text=True)
    assert "My profile" in html and "For Volunteer you still need:" in html
    assert members.find_by_phone("13812345678").locale == "en"


def test_staff_pages_are_closed_to_members(client, make_member):
    make_member("13812345678")
    sign_in(client, "13812345678")
    assert client.get("/staff/members").status_code == 403
    assert "你没有权限查看" in client.get("/staff/skills").get_data(as_text=True)


def test_a_social_worker_sees_only_their_community(client, make_member, social_worker, places):
    _, other = places
    mine = make_member(name="本社区居民", level="volunteer")
    theirs = make_member(name="外社区居民", community=other)
    sign_in(client, social_worker.phone)
    html = client.get("/staff/members").get_data(as_text=True)
    assert "本社区居民" in html and "外社区居民" not in html
    assert "本社区居民" in client.get("/staff/members?level=volunteer").get_data(as_text=True)
    assert "本社区居民" not in client.get("/staff/members?level=host").get_data(as_text=True)
    assert client.get(f"/staff/members/{mine.id}").status_code == 200
    assert client.get(f"/staff/members/{theirs.id}").status_code == 404


def test_the_resource_map_finds_members_by_approved_skill(client, make_member, social_worker):
    cook = make_member(name="烘焙能手")
    members.review_skill(
        members.declare_skill(cook, category="甜品烘焙", description="青年夜校"),
        approve=True,
        actor=social_worker,
    )
    pending = make_member(name="未审核")
    members.declare_skill(pending, category="甜品烘焙", description="想教烘焙")
    db.session.commit()
    sign_in(client, social_worker.phone)
    html = client.get("/staff/members?skill=烘焙").get_data(as_text=True)
    assert "烘焙能手" in html and "未审核" not in html


def test_a_social_worker_records_attendance_and_reviews_skills(
    client, make_member, social_worker, courses
):
    member = make_member(name="学员")
    skill = members.declare_skill(member, category="摄影", description="活动拍照")
    db.session.commit()
    sign_in(client, social_worker.phone)
    token = csrf_token(client, f"/staff/members/{member.id}")
    answer = client.post(
        f"/staff/members/{member.id}/courses",
        data={"course": "basic-etiquette", "csrf_token": token},
        follow_redirects=True,
    )
    assert "已记录培训完成" in answer.get_data(as_text=True)
    answer = client.post(
        f"/staff/skills/{skill.id}/review",
        data={"decision": "reject", "note": "", "csrf_token": token},
        follow_redirects=True,
    )
    assert "此项必填" in answer.get_data(as_text=True)
    answer = client.post(
        f"/staff/skills/{skill.id}/review",
        data={"decision": "approve", "csrf_token": token},
        follow_redirects=True,
    )
    assert "特长已审核通过" in answer.get_data(as_text=True)
    assert len(members.completions_of(member)) == 1
