"""Signing in with an SMS code on the pages, the forgotten password, members without one,
and what the pages say (or do not say) about which numbers have an account."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.members import services as members
from points.members.models import ApiToken, SignInCode
from tests.conftest import csrf_token, sign_in
from tests.members.test_sign_in_codes import sent_code


@pytest.fixture
def wang(make_member):
    return make_member("13800000004", name="王阿姨")


def _ask(client, phone, path="/login/code", **kw):
    return client.post(path, data={"phone": phone, "csrf_token": csrf_token(client, path)}, **kw)


def _enter(client, phone, code, path="/login/code/enter", **extra):
    data = {"phone": phone, "code": code, "csrf_token": csrf_token(client, path), **extra}
    return client.post(path, data=data)


def _without_token(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)


def test_the_login_page_offers_a_code_and_a_forgotten_password(client, ctx):
    html = client.get("/login?next=/me").get_data(as_text=True)
    assert "用短信验证码登录" in html and 'href="/login/code?next=/me"' in html
    assert "忘记密码？" in html and 'href="/password/forgot"' in html


def test_a_member_signs_in_with_a_code_as_with_a_password_and_goes_next(client, wang):
    asked = _ask(client, wang.phone, "/login/code?next=/me")
    assert asked.status_code == 302 and asked.location.endswith("/login/code/enter?next=/me")
    page = client.get(asked.location).get_data(as_text=True)
    assert "验证码已发送，5 分钟内有效" in page
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    assert 'value="13800000004"' in page  # the number is filled in
    answer = _enter(client, wang.phone, sent_code(wang), "/login/code/enter?next=/me")
    assert answer.status_code == 302 and answer.location == "/me"
    assert client.get_cookie("remember_token") is not None
    assert "王阿姨" in client.get("/me").get_data(as_text=True)
    # The same sign-in as a password's: a web sign-in row, ended by signing out.
    (row,) = db.session.scalars(sa.select(ApiToken)).all()
    assert (row.member_id, row.kind, row.revoked_at) == (wang.id, "web", None)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert client.get("/me").status_code == 302


def test_a_wrong_code_on_the_page_is_said_on_the_field_and_counted(client, wang):
    _ask(client, wang.phone)
    code = sent_code(wang)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answer = _enter(client, wang.phone, wrong)
    assert answer.status_code == 401
    assert "验证码不对或已失效" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(SignInCode.attempts)) == 1
    assert _enter(client, wang.phone, code).status_code == 302


def test_an_off_site_next_is_not_followed(client, wang):
    _ask(client, wang.phone)
    answer = _enter(client, wang.phone, sent_code(wang), "/login/code/enter?next=//evil.example")
    assert answer.location == "/"


def test_asking_for_a_code_says_the_same_for_any_number(app, wang, make_member):
    admin = make_member("13900000006", role="admin")
    suspended = make_member("13800000005")
    members.set_status(suspended, "suspended", reason="test", actor=admin)
    db.session.commit()
    app.config["CODE_PHONE_LIMIT"] = "10 per minute"  # each number asks on both pages
    seen = []
    for n, phone in enumerate((wang.phone, "13811112222", suspended.phone)):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        for path in ("/login/code", "/password/forgot"):
            asked = _ask(client, phone, path)
            followed = client.get(asked.location)
            seen.append(
                (path, asked.status_code, asked.location, followed.status_code,
                 _without_token(followed.get_data(as_text=True)).replace(phone, "PHONE"))
            )
    assert len(set(seen)) == 2  # one answer per page, whoever asks
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInCode)) == 2  # wang's


def test_codes_asked_for_one_number_are_throttled(app, wang):
    client = app.test_client()
    assert _ask(client, wang.phone).status_code == 302
    again = _ask(app.test_client(), wang.phone)
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
    assert "分钟后再试" in again.get_data(as_text=True)
    # The reset page and the API share the number's budget; another number has its own.
    assert _ask(app.test_client(), wang.phone, "/password/forgot").status_code == 429
    api = app.test_client().post("/api/v1/auth/code", json={"phone": wang.phone})
    assert api.status_code == 429
    assert _ask(app.test_client(), "13811112222").status_code == 302
    # The same number in full-width digits is the same number.
    assert _ask(app.test_client(), "１３８１１１１２２２２").status_code == 429


def test_codes_asked_from_one_address_are_throttled(app, ctx):
    app.config["CODE_ADDRESS_LIMIT"] = "3 per hour"
    client = app.test_client()
    for n in range(3):
        assert _ask(client, f"1381111000{n}").status_code == 302
    assert _ask(client, "13811110009").status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _ask(elsewhere, "13811110008").status_code == 302


def test_a_forgotten_password_is_replaced_with_a_code(app, wang):
    phone_elsewhere = app.test_client()
    sign_in(phone_elsewhere, wang.phone)
    client = app.test_client()
    asked = _ask(client, wang.phone, "/password/forgot")
    assert asked.location.endswith("/password/forgot/code")
    code = sent_code(wang)
    path = "/password/forgot/code"
    differ = _enter(client, wang.phone, code, path, new_password="a-new-secret-77", again="x")
    assert differ.status_code == 422 and "两次输入的密码不一样" in differ.get_data(as_text=True)
    answer = _enter(
        client, wang.phone, code, path, new_password="a-new-secret-77", again="a-new-secret-77"
    )
    assert answer.status_code == 302
    assert "新密码已设置" in client.get("/").get_data(as_text=True)
    assert phone_elsewhere.get("/me").status_code == 302  # every other sign-in ended
    assert sign_in(app.test_client(), wang.phone).status_code == 401
    assert sign_in(app.test_client(), wang.phone, "a-new-secret-77").status_code == 302


def test_a_sign_in_code_does_not_reset_a_password(client, wang):
    _ask(client, wang.phone)
    answer = _enter(
        client, wang.phone, sent_code(wang), "/password/forgot/code",
        new_password="a-new-secret-77", again="a-new-secret-77",
    )
    assert answer.status_code == 401


def test_signing_up_without_a_password_then_by_code_then_choosing_one(app, client, places):
    form = {
        "phone": "13812345678",
        "name": "李阿婆",
        "password": "",
        "community_id": places[0].id,
        "grid_id": 0,
        "csrf_token": csrf_token(client, "/register"),
    }
    answer = client.post("/register", data=form)
    assert answer.status_code == 302 and "/login/code/enter" in answer.location
    member = members.find_by_phone("13812345678")
    assert not member.has_password
    assert client.get("/me").status_code == 302  # not signed in before the code
    # No password: a password sign-in is refused like any wrong one, with the way out.
    assert sign_in(app.test_client(), member.phone, "").status_code == 401
    wrong = sign_in(app.test_client(), member.phone, "anything-at-all")
    assert wrong.status_code == 401 and "用短信验证码登录" in wrong.get_data(as_text=True)
    signed_in = _enter(client, member.phone, sent_code(member), answer.location)
    assert signed_in.status_code == 302 and signed_in.location == "/password"
    page = client.get("/password").get_data(as_text=True)
    assert 'name="current_password"' not in page and "以后再说" in page
    chosen = client.post(
        "/password",
        data={"new_password": "a-new-secret-77", "csrf_token": csrf_token(client, "/password")},
    )
    assert chosen.status_code == 302
    assert sign_in(app.test_client(), member.phone, "a-new-secret-77").status_code == 302


def test_without_a_fresh_code_sign_in_a_member_without_a_password_is_sent_to_get_one(
    client, places
):
    member = members.register_member(phone="13812345678", password=None, name="李阿婆")
    db.session.commit()
    _ask(client, member.phone, "/login/code?next=/password")
    _enter(client, member.phone, sent_code(member), "/login/code/enter?next=/password")
    with client.session_transaction() as session:
        session["code_sign_in"] = {**session["code_sign_in"], "at": time.time() - 11 * 60}
    page = client.get("/password")
    html = page.get_data(as_text=True)
    assert "你还没有设置密码" in html and 'name="new_password"' not in html
    posted = client.post(
        "/password",
        data={"new_password": "a-new-secret-77", "csrf_token": csrf_token(client, "/me")},
    )
    assert posted.status_code == 422
    db.session.expire_all()
    assert not members.find_by_phone(member.phone).has_password


def test_after_a_code_sign_in_the_old_password_is_not_needed_but_after_a_password_it_is(
    app, wang
):
    by_password = app.test_client()
    sign_in(by_password, wang.phone)
    assert 'name="current_password"' in by_password.get("/password").get_data(as_text=True)
    refused = by_password.post(
        "/password",
        data={"new_password": "a-new-secret-77", "csrf_token": csrf_token(by_password, "/me")},
    )
    assert refused.status_code == 422
    by_code = app.test_client()
    _ask(by_code, wang.phone)
    _enter(by_code, wang.phone, sent_code(wang))
    assert 'name="current_password"' not in by_code.get("/password").get_data(as_text=True)
    changed = by_code.post(
        "/password",
        data={"new_password": "a-new-secret-77", "csrf_token": csrf_token(by_code, "/me")},
    )
    assert changed.status_code == 302
    assert by_password.get("/me").status_code == 302  # the other sign-in ended
    # The freshness belongs to that sign-in: once used, the old password is asked again.
    assert 'name="current_password"' in by_code.get("/password").get_data(as_text=True)


def test_a_sign_up_that_sends_a_code_counts_against_the_code_limits(app, client, places):
    def sign_up(phone, password):
        form = {
            "phone": phone,
            "name": "李阿婆",
            "password": password,
            "community_id": places[0].id,
            "grid_id": 0,
            "csrf_token": csrf_token(client, "/register"),
        }
        return client.post("/register", data=form)

    assert sign_up("13812345678", "a-new-secret-77").status_code == 302  # no code sent
    assert _ask(app.test_client(), "13812345678").status_code == 302
    assert sign_up("13812345679", "").status_code == 302  # a code sent: counted
    assert _ask(app.test_client(), "13812345679").status_code == 429
