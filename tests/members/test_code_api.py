"""SMS codes over the JSON API: POST /api/v1/auth/code, a token for {phone, code}, and the
password reset {phone, code, new_password}."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.members import services as members
from points.members.models import SignInCode
from tests.members.test_sign_in_codes import sent_code


@pytest.fixture
def wang(make_member):
    return make_member("13800000004", name="王阿姨")


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_by_sms_then_a_token_for_it(client, wang):
    asked = client.post("/api/v1/auth/code", json={"phone": wang.phone, "purpose": "sign_in"})
    assert asked.status_code == 202 and asked.get_json() == {"minutes": 5}
    code = sent_code(wang)
    answer = client.post("/api/v1/auth/token", json={"phone": wang.phone, "code": code})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["member"]["id"] == wang.id and body["expires_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["id"] == wang.id
    again = client.post("/api/v1/auth/token", json={"phone": wang.phone, "code": code})
    assert again.status_code == 401 and again.get_json()["code"] == "unauthorized"
    assert set(again.get_json()["errors"]) == {"code"}


def test_asking_for_a_code_answers_the_same_whoever_the_number_is(app, wang, make_member):
    admin = make_member("13900000006", role="admin")
    suspended = make_member("13800000005")
    members.set_status(suspended, "suspended", reason="test", actor=admin)
    db.session.commit()
    answers = set()
    for phone in (wang.phone, "13811112222", suspended.phone):
        for purpose in ("sign_in", "reset"):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"198.51.100.{len(answers) + 1}"
            app.config["CODE_PHONE_LIMIT"] = "10 per minute"
            answer = client.post("/api/v1/auth/code", json={"phone": phone, "purpose": purpose})
            # The limiter's own headers count down with the clock, for every number alike.
            headers = {
                k: v
                for k, v in answer.headers
                if not k.lower().startswith("x-ratelimit") and k.lower() != "retry-after"
            }
            answers.add((answer.status_code, answer.get_data(), tuple(sorted(headers.items()))))
    assert len(answers) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInCode)) == 2


def test_a_wrong_code_is_counted_and_the_sign_in_limit_applies(client, wang):
    client.post("/api/v1/auth/code", json={"phone": wang.phone})
    code = sent_code(wang)
    for n in range(1, 5):
        wrong = client.post("/api/v1/auth/token", json={"phone": wang.phone, "code": _wrong(code)})
        assert wrong.status_code == 401
        db.session.expire_all()
        assert db.session.scalar(sa.select(SignInCode.attempts)) == n
    # The fifth wrong try (wrong passwords and codes share the number's budget) …
    wrong = client.post("/api/v1/auth/token", json={"phone": wang.phone, "password": "wrong-99"})
    assert wrong.status_code == 401
    # … and then even the right code waits.
    waits = client.post("/api/v1/auth/token", json={"phone": wang.phone, "code": code})
    assert waits.status_code == 429 and int(waits.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "13800000004", "password": "demo1234", "code": "123456"}, "password"),
        ({"phone": "13800000004"}, "password"),
        ({"phone": "13800000004", "code": "12a"}, "code"),
        ({"phone": "13800000004", "code": "123456", "purpose": "reset"}, "purpose"),
    ],
)
def test_a_token_needs_a_password_or_a_code_and_names_the_field(client, wang, body, field):
    answer = client.post("/api/v1/auth/token", json=body)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {field}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "13800000004", "purpose": "login"}, "purpose"),
        ({"phone": "138"}, "phone"),
        ({"phone": "13800000004", "code": "123456"}, "code"),
        ({}, "phone"),
    ],
)
def test_a_bad_code_request_names_the_field_and_sends_nothing(client, wang, body, field):
    answer = client.post("/api/v1/auth/code", json=body)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {field}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInCode)) == 0


def test_codes_asked_over_the_api_are_throttled_per_number(app, wang):
    first = app.test_client().post("/api/v1/auth/code", json={"phone": wang.phone})
    assert first.status_code == 202
    again = app.test_client().post("/api/v1/auth/code", json={"phone": wang.phone})
    assert again.status_code == 429
    assert again.get_json()["code"] == "too_many_requests"
    assert 0 < int(again.headers["Retry-After"]) <= 60


def test_a_password_is_reset_with_a_code_and_every_sign_in_ends(client, wang):
    old = client.post("/api/v1/auth/token", json={"phone": wang.phone, "password": "demo1234"})
    old_headers = {"Authorization": f"Bearer {old.get_json()['token']}"}
    client.post("/api/v1/auth/code", json={"phone": wang.phone, "purpose": "reset"})
    code = sent_code(wang)
    url = "/api/v1/auth/password/reset"
    weak = client.post(url, json={"phone": wang.phone, "code": code, "new_password": "short"})
    assert weak.status_code == 422 and set(weak.get_json()["errors"]) == {"new_password"}
    wrong = client.post(
        url, json={"phone": wang.phone, "code": _wrong(code), "new_password": "a-new-secret-77"}
    )
    assert wrong.status_code == 401 and set(wrong.get_json()["errors"]) == {"code"}
    done = client.post(
        url, json={"phone": wang.phone, "code": code, "new_password": "a-new-secret-77"}
    )
    assert done.status_code == 200 and done.get_json()["member"]["id"] == wang.id
    assert client.get("/api/v1/me", headers=old_headers).status_code == 401
    new_headers = {"Authorization": f"Bearer {done.get_json()['token']}"}
    assert client.get("/api/v1/me", headers=new_headers).status_code == 200
    signed_in = client.post(
        "/api/v1/auth/token", json={"phone": wang.phone, "password": "a-new-secret-77"}
    )
    assert signed_in.status_code == 200
    extra = client.post(
        url, json={"phone": wang.phone, "code": code, "new_password": "x" * 9, "admin": True}
    )
    assert extra.status_code == 422 and "admin" in extra.get_json()["errors"]


def test_signing_up_without_a_password_then_signing_in_by_code(client, ctx):
    answer = client.post("/api/v1/auth/register", json={"phone": "13812345678", "name": "李阿婆"})
    assert answer.status_code == 201
    member = members.find_by_phone("13812345678")
    refused = client.post("/api/v1/auth/token", json={"phone": member.phone, "password": ""})
    assert refused.status_code == 401
    client.post("/api/v1/auth/code", json={"phone": member.phone})
    body = {"phone": member.phone, "code": sent_code(member)}
    token = client.post("/api/v1/auth/token", json=body)
    assert token.status_code == 200


def test_the_document_describes_the_code_calls(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    def body(method, path):
        ref = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        return schemas[ref["$ref"].rsplit("/", 1)[1]]

    code = body("post", "/api/v1/auth/code")
    assert set(code["properties"]) == {"phone", "purpose"}
    assert code["properties"]["purpose"]["enum"] == ["sign_in", "reset"]
    assert code.get("additionalProperties") is False
    assert "202" in doc["paths"]["/api/v1/auth/code"]["post"]["responses"]
    assert "429" in doc["paths"]["/api/v1/auth/code"]["post"]["responses"]
    assert {"phone", "password", "code"} == set(body("post", "/api/v1/auth/token")["properties"])
    reset = body("post", "/api/v1/auth/password/reset")
    assert set(reset["properties"]) == {"phone", "code", "new_password"}
    assert set(reset["required"]) == {"phone", "code", "new_password"}
