"""Sign-up, tokens and /me over the JSON API."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.members import services as members
from points.members.models import ApiToken, Member
from tests.conftest import api_token


def _members() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Member))


def test_register_then_get_a_token_then_see_myself(client, ctx):
    answer = client.post(
        "/api/v1/auth/register",
        json={"phone": "13812345678", "password": "secret-99", "name": "王阿姨"},
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert (body["phone"], body["level"], body["roles"]) == ("13812345678", "resident", [])
    assert "password" not in body
    headers = api_token(client, "13812345678", "secret-99")
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert (me["id"], me["name"], me["level"]) == (body["id"], "王阿姨", "resident")
    balance = client.get("/api/v1/me/balance", headers=headers).get_json()
    assert balance["points"] == {"balance": 0, "held": 0, "available": 0}
    assert balance["space_minutes"]["available"] == 0


def test_tokens_are_stored_hashed(client, ctx):
    client.post(
        "/api/v1/auth/register",
        json={"phone": "13812345678", "password": "secret-99", "name": "王"},
    )
    raw = api_token(client, "13812345678", "secret-99")["Authorization"].split()[1]
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert len(stored) == 1 and raw not in stored[0] and len(stored[0]) == 64


def test_bad_registrations_name_the_field_and_create_nothing(client, ctx):
    client.post(
        "/api/v1/auth/register",
        json={"phone": "13812345678", "password": "secret-99", "name": "王"},
    )
    cases = [
        ({"phone": "13812345678", "password": "secret-99", "name": "李"}, "phone", "already"),
        ({"phone": "12345", "password": "secret-99", "name": "李"}, "phone", "11-digit"),
        ({"phone": "23812345678", "password": "secret-99", "name": "李"}, "phone", "11-digit"),
        ({"phone": "13812345679", "password": "short", "name": "李"}, "password", "at least 8"),
        ({"phone": "13812345679", "password": "secret-99", "name": " "}, "name", "required"),
        (
            {"phone": "13812345679", "password": "secret-99", "name": "李", "community_id": 999},
            "community_id",
            "not a community",
        ),
    ]
    for body, field, words in cases:
        answer = client.post("/api/v1/auth/register", json=body)
        assert answer.status_code == 422, body
        error = answer.get_json()
        assert field in error["errors"], error
        assert words in " ".join(error["errors"][field])
    assert _members() == 1


def test_malformed_registrations_are_refused_by_field(client, ctx):
    answer = client.post("/api/v1/auth/register", json={"phone": "13812345678"})
    assert answer.status_code == 422
    # The password is optional (a member may sign in by SMS code only); the name is not.
    assert set(answer.get_json()["errors"]) == {"name"}
    answer = client.post(
        "/api/v1/auth/register",
        json={"phone": "13812345678", "password": "x" * 9, "name": "a", "level": "host"},
    )
    assert answer.status_code == 422
    assert "level" in answer.get_json()["errors"]
    assert _members() == 0


def test_a_wrong_password_or_unknown_phone_is_401(client, make_member):
    make_member("13812345678")
    for phone, password in (("13812345678", "wrong-pass"), ("13899999999", "demo1234")):
        answer = client.post("/api/v1/auth/token", json={"phone": phone, "password": password})
        assert answer.status_code == 401
        assert answer.get_json()["code"] == "unauthorized"


def test_me_needs_a_valid_unrevoked_unexpired_token(client, make_member):
    make_member("13812345678")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    headers = api_token(client, "13812345678")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    headers = api_token(client, "13812345678")
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_suspended_member_can_no_longer_use_the_api(client, make_member, social_worker):
    member = make_member("13812345678")
    headers = api_token(client, "13812345678")
    members.set_status(member, "suspended", reason="投诉核实中", actor=social_worker)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    answer = client.post(
        "/api/v1/auth/token", json={"phone": "13812345678", "password": "demo1234"}
    )
    assert answer.status_code == 401


def test_cookie_signed_in_api_writes_need_the_csrf_header(client, make_member):
    from tests.conftest import csrf_token, sign_in

    make_member("13812345678")
    sign_in(client, "13812345678")
    assert client.get("/api/v1/me").status_code == 200
    refused = client.delete("/api/v1/auth/token")
    assert refused.status_code == 400
    token = csrf_token(client, "/me")
    assert client.delete("/api/v1/auth/token", headers={"X-CSRFToken": token}).status_code == 204


def test_the_openapi_document_lists_the_member_calls(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/me/balance",
        "/api/v1/me/statement",
        "/api/v1/me/progress",
    ):
        assert path in paths


def test_progress_and_statement_are_my_own(client, make_member, social_worker, courses):
    from points.ledger import services as ledger

    member = make_member("13812345678")
    other = make_member("13812345679")
    members.record_pledge(member, real_name="王")
    issuance = ledger.system_account("issuance")
    for n in (5, 7, 9):
        ledger.transfer(
            kind="earn",
            source=issuance,
            destination=ledger.member_wallet(member.id),
            amount=n,
            memo=f"服务{n}",
        )
    ledger.transfer(
        kind="earn", source=issuance, destination=ledger.member_wallet(other.id), amount=100
    )
    db.session.commit()
    headers = api_token(client, "13812345678")
    progress = client.get("/api/v1/me/progress", headers=headers).get_json()
    assert progress["level"] == "resident" and progress["next_level"] == "volunteer"
    assert {r["code"]: r["met"] for r in progress["requirements"]} == {
        "real_name": True,
        "pledge": True,
        "course_tier:basic": False,
    }
    first = client.get("/api/v1/me/statement?limit=2", headers=headers).get_json()
    assert [(i["amount"], i["memo"], i["balance_after"]) for i in first["items"]] == [
        (9, "服务9", 21),
        (7, "服务7", 12),
    ]
    rest = client.get(
        f"/api/v1/me/statement?limit=2&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    assert [i["amount"] for i in rest["items"]] == [5] and rest["next_cursor"] is None
    assert client.get("/api/v1/me/balance", headers=headers).get_json()["points"]["available"] == 21
    bad = client.get("/api/v1/me/statement?cursor=zzz", headers=headers)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]
    bad = client.get("/api/v1/me/statement?limit=500", headers=headers)
    assert bad.status_code == 422 and "limit" in bad.get_json()["errors"]


def test_a_bearer_token_finds_its_member_and_roles_in_one_query(ctx, make_member):
    member = make_member(role="social_worker")
    raw, _ = members.issue_token(member)
    db.session.commit()
    member_id = member.id
    db.session.expunge_all()  # as a new request starts: nothing loaded yet
    seen = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        found = members.member_for_token(raw)
        assert found.id == member_id and found.is_staff
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1


def _statements_while(call):
    seen = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        result = call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    return result, seen


def test_a_bearer_token_reads_every_role_and_each_value_as_stored(ctx, make_member):
    staff = make_member(role="social_worker")
    members.grant_role(staff, "admin")
    plain = make_member()
    tokens = {who.id: members.issue_token(who)[0] for who in (staff, plain)}
    db.session.commit()
    staff_id, plain_id, created = staff.id, plain.id, staff.created_at
    db.session.expunge_all()

    found = members.member_for_token(tokens[staff_id])
    assert found.id == staff_id and found.role_names == ["admin", "social_worker"]
    assert found.created_at == created and found.created_at.tzinfo is not None
    assert found.elder_mode is False and found.is_staff
    # A member without roles has none, known without asking the database again.
    resident, seen = _statements_while(lambda: members.member_for_token(tokens[plain_id]))
    assert resident.id == plain_id and resident.role_names == [] and not resident.is_staff
    assert len(seen) == 1
    # Asked again in the same request: the session's own member, its changes kept.
    found.name = "改了名字"
    again = members.member_for_token(tokens[staff_id])
    assert again is found and again.name == "改了名字"


def test_a_revoked_or_expired_token_signs_nobody_in(ctx, make_member):
    member = make_member()
    raw, token = members.issue_token(member)
    db.session.commit()
    assert members.member_for_token(raw, now=token.expires_at - timedelta(seconds=1)) is not None
    assert members.member_for_token(raw, now=token.expires_at) is None
    assert members.member_for_token(raw, kind="web") is None
    members.revoke_token(raw)
    db.session.commit()
    assert members.member_for_token(raw) is None


def test_recorded_queries_include_the_sign_in_statement(db_url, tmp_path):
    # A developer turning on Flask-SQLAlchemy's query recording sees the statements run on
    # the DB-API cursor (points/statements.py) as well, and nothing breaks.
    from flask_sqlalchemy.record_queries import get_recorded_queries

    from points import create_app
    from tests.conftest import app_config

    app = create_app(app_config(db_url, SQLALCHEMY_RECORD_QUERIES=True))
    try:
        with app.app_context():
            member = members.register_member(phone="13800009999", password=None, name="记录")
            raw, _ = members.issue_token(member)
            db.session.commit()
            db.session.expunge_all()
            assert members.member_for_token(raw).phone == "13800009999"
            recorded = get_recorded_queries()
            assert "api_tokens" in recorded[-1].statement
            assert recorded[-1].end_time >= recorded[-1].start_time
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
