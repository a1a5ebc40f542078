"""代办 over the API: grants listed, made and withdrawn; acting is the On-Behalf-Of header on
the contract's own calls; outside the grant it is a 403 with a key."""

from __future__ import annotations

from datetime import timedelta

from points import clock
from points.extensions import db
from points.members import helpers
from tests.conftest import api_token


def test_a_resident_names_and_withdraws_a_helper_over_the_api(client, wang, daughter):
    mine = api_token(client, wang.phone)
    ends = (clock.today() + timedelta(days=10)).isoformat()
    made = client.post(
        "/api/v1/helpers",
        json={"helper_phone": daughter.phone, "scopes": ["redeem"], "ends_on": ends},
        headers=mine,
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["helper"]["name"] == "王小红" and body["scopes"] == ["redeem"]
    helping = client.get("/api/v1/helpers", headers=api_token(client, daughter.phone))
    assert [g["resident"]["id"] for g in helping.get_json()["helping"]] == [wang.id]
    gone = client.post(f"/api/v1/helpers/{body['id']}/withdraw", headers=mine)
    assert gone.status_code == 200 and gone.get_json()["withdrawn_at"]


def test_unknown_phone_self_and_past_end_are_field_errors(client, wang, daughter):
    mine = api_token(client, wang.phone)
    today = clock.today()
    for body, field in (
        (
            {"helper_phone": "13912345678", "scopes": ["redeem"], "ends_on": today.isoformat()},
            "helper_phone",
        ),
        (
            {"helper_phone": wang.phone, "scopes": ["redeem"], "ends_on": today.isoformat()},
            "helper_phone",
        ),
        (
            {
                "helper_phone": daughter.phone,
                "scopes": ["redeem"],
                "ends_on": (today - timedelta(days=1)).isoformat(),
            },
            "ends_on",
        ),
        (
            {"helper_phone": "13912345678", "scopes": ["fly"], "ends_on": today.isoformat()},
            "scopes[0]",
        ),
    ):
        answer = client.post("/api/v1/helpers", json=body, headers=mine)
        assert answer.status_code == 422, answer.get_json()
        assert field in answer.get_json()["errors"], answer.get_json()


def test_the_helper_redeems_through_the_contracts_path(client, wang, daughter, grant, make_benefit):
    grant(scopes=["balance", "redeem"])
    benefit = make_benefit(points=30)
    hers = {**api_token(client, daughter.phone), "On-Behalf-Of": str(wang.id)}
    made = client.post("/api/v1/redemptions", json={"benefit_id": benefit.id}, headers=hers)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["on_behalf"] == {
        "id": daughter.id,
        "name": "王小红",
        "at_counter": False,
    }
    balance = client.get("/api/v1/me/balance", headers=hers).get_json()
    assert balance["points"] == {"balance": 100, "held": 30, "available": 70}
    own = client.get("/api/v1/me/balance", headers=api_token(client, daughter.phone)).get_json()
    assert own["points"]["available"] == 0
    theirs = client.get("/api/v1/me/redemptions", headers=hers).get_json()
    assert [r["id"] for r in theirs] == [made.get_json()["id"]]


def test_outside_the_grant_the_header_is_refused(client, wang, daughter, grant, make_benefit):
    made = grant(scopes=["balance"])
    hers = {**api_token(client, daughter.phone), "On-Behalf-Of": str(wang.id)}
    refused = client.post(
        "/api/v1/redemptions", json={"benefit_id": make_benefit(points=10).id}, headers=hers
    )
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "forbidden"
    assert "has not named you their helper for redeem" in refused.get_json()["message"]
    assert client.get("/api/v1/me/balance", headers=hers).status_code == 200
    helpers.withdraw_grant(made, actor=wang)
    db.session.commit()
    assert client.get("/api/v1/me/balance", headers=hers).status_code == 403
    bad = client.get("/api/v1/me/balance", headers={**hers, "On-Behalf-Of": "x1"})
    assert bad.status_code == 422 and "On-Behalf-Of" in bad.get_json()["errors"]
