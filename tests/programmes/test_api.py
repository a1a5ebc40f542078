"""The programmes API: list and detail with sessions and ratings, sign up for a session or
the term, rate a session; bad input is a 422 naming the field and changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from points.extensions import db
from points.programmes import services as programmes
from points.programmes.models import Programme, Rating
from tests.conftest import api_token
from tests.programmes.conftest import after, attend


def test_a_resident_finds_a_programme_signs_up_for_the_term_and_rates_a_session(
    client, programme, session_of, resident, monkeypatch
):
    first, second = session_of(programme, days=1), session_of(programme, days=2)
    first_id, second_id, programme_id = first.id, second.id, programme.id
    db.session.commit()
    mine = api_token(client, resident.phone)
    listed = client.get("/api/v1/programmes", headers=mine).get_json()
    assert [(p["name"], p["tier"], p["fee_fen"], p["fee"]) for p in listed] == [
        ("瑜伽课", "market", 4000, "¥40.00")
    ]
    assert listed[0]["rating"] is None  # fewer than three ratings are not shown
    detail = client.get(f"/api/v1/programmes/{programme_id}", headers=mine).get_json()
    assert [s["id"] for s in detail["sessions"]] == [first_id, second_id]
    assert detail["ratings"] == {"count": 0, "average": None, "good_share": None}
    term = client.post(
        f"/api/v1/programmes/{programme_id}/signups", json={"term": True}, headers=mine
    )
    assert term.status_code == 201, term.get_json()
    assert term.get_json()["session_ids"] == [first_id, second_id]

    session = programmes.get_session(first_id)
    attend(session, resident, actor=programme.host)
    when = after(session)
    db.session.commit()
    monkeypatch.setattr(programmes, "utcnow", lambda: when)
    rated = client.post(
        f"/api/v1/programme-sessions/{first_id}/ratings",
        json={"stars": 5, "comment": "很放松"},
        headers=mine,
    )
    assert rated.status_code == 201, rated.get_json()
    assert rated.get_json()["stars"] == 5 and rated.get_json()["complaint"] is False
    again = client.post(
        f"/api/v1/programme-sessions/{first_id}/ratings", json={"stars": 4}, headers=mine
    )
    assert again.status_code == 409
    summary = client.get(f"/api/v1/programmes/{programme_id}", headers=mine).get_json()
    assert summary["ratings"] == {"count": 1, "average": 5.0, "good_share": 1.0}


def test_a_single_session_sign_up_and_a_full_one(client, programme, session_of, make_member):
    session = session_of(programme)
    for _ in range(3):
        programmes.sign_up_session(session, make_member())
    late = make_member()
    session_id, programme_id = session.id, programme.id
    db.session.commit()
    answer = client.post(
        f"/api/v1/programmes/{programme_id}/signups",
        json={"session_id": session_id},
        headers=api_token(client, late.phone),
    )
    assert answer.status_code == 409 and answer.get_json()["code"] == "conflict"


def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    client, programme, session_of, resident, host
):
    session = session_of(programme)
    attend(session, resident, actor=programme.host)
    session_id, programme_id = session.id, programme.id
    db.session.commit()
    mine, theirs = api_token(client, resident.phone), api_token(client, host.phone)
    cases = [
        (f"/api/v1/programme-sessions/{session_id}/ratings", {"stars": 9}, mine, "stars"),
        (f"/api/v1/programme-sessions/{session_id}/ratings", {"stars": "5"}, mine, "stars"),
        (f"/api/v1/programme-sessions/{session_id}/ratings", {"stars": 5, "x": 1}, mine, "x"),
        (f"/api/v1/programmes/{programme_id}/signups", {}, mine, "session_id"),
        (f"/api/v1/programmes/{programme_id}/signups", {"term": "yes"}, mine, "term"),
        (
            "/api/v1/programmes",
            {"name": "课", "tier": "free", "fee_fen": 100, "capacity": 5},
            theirs,
            "fee_fen",
        ),
        ("/api/v1/programmes", {"name": "课", "tier": "gold", "capacity": 5}, theirs, "tier"),
        ("/api/v1/programmes", {"name": "", "tier": "free", "capacity": 5}, theirs, "name"),
    ]
    for path, body, headers, field in cases:
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["errors"], (body, answer.get_json())
    assert client.get("/api/v1/programmes?tier=gold", headers=mine).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 1


def test_a_host_creates_a_programme_and_a_resident_may_not(client, host, resident):
    body = {"name": "女性工坊", "tier": "low_fee", "fee_fen": 1000, "capacity": 12}
    made = client.post("/api/v1/programmes", json=body, headers=api_token(client, host.phone))
    assert made.status_code == 201 and made.get_json()["fee"] == "¥10.00"
    refused = client.post(
        "/api/v1/programmes", json=body, headers=api_token(client, resident.phone)
    )
    assert refused.status_code == 403
