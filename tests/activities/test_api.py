"""The earning API: catalogue, claims with photos, approval, statement, activities."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from points.activities.models import Claim
from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from tests.activities.photos import JPEG
from tests.conftest import api_token


def _yesterday(today):
    return (today - timedelta(days=1)).isoformat()


def test_the_catalogue_lists_every_type_with_its_rule(client, catalogue):
    answer = client.get("/api/v1/activity-types")
    assert answer.status_code == 200
    rows = {t["code"]: t for t in answer.get_json()}
    assert len(rows) >= 40
    patrol = rows["patrol-routine"]
    assert patrol["unit"] == "hour" and patrol["points"] == 10 and patrol["evidence"] is True
    assert patrol["name"] == "网格日常巡查" and patrol["category"] == "grid-patrol"
    english = client.get("/api/v1/activity-types", headers={"Accept-Language": "en"})
    assert {t["code"]: t["name"] for t in english.get_json()}["patrol-routine"] in (
        "Routine grid patrol",
        "网格日常巡查",
    )


def test_claim_approve_and_see_it_on_the_statement(client, volunteer, social_worker, today):
    mine = api_token(client, volunteer.phone)
    staff = api_token(client, social_worker.phone)
    photo = client.post(
        "/api/v1/uploads",
        data={"photo": (io.BytesIO(JPEG), "patrol.jpg")},
        headers=mine,
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.get_json()
    body = {
        "activity_type": "patrol-routine",
        "occurred_on": _yesterday(today),
        "quantity": 2,
        "note": "二网格夜巡",
        "photo": photo.get_json()["photo"],
    }
    made = client.post("/api/v1/claims", json=body, headers=mine)
    assert made.status_code == 201, made.get_json()
    claim = made.get_json()
    assert claim["status"] == "submitted" and claim["has_photo"] is True

    queue = client.get("/api/v1/claims", headers=staff).get_json()
    assert [c["id"] for c in queue] == [claim["id"]]
    approved = client.post(f"/api/v1/claims/{claim['id']}/approve", headers=staff)
    assert approved.status_code == 200
    assert (approved.get_json()["status"], approved.get_json()["points"]) == ("approved", 20)
    again = client.post(f"/api/v1/claims/{claim['id']}/approve", headers=staff)
    assert again.get_json()["transfer_id"] == approved.get_json()["transfer_id"]

    balance = client.get("/api/v1/me/balance", headers=mine).get_json()
    assert balance["points"] == {"balance": 20, "held": 0, "available": 20}
    items = client.get("/api/v1/me/statement", headers=mine).get_json()["items"]
    assert len(items) == 1
    assert items[0]["amount"] == 20 and items[0]["balance_after"] == 20
    assert items[0]["claim_id"] == claim["id"]
    assert items[0]["activity"]["code"] == "patrol-routine"
    assert items[0]["activity"]["name_zh"] == "网格日常巡查"
    assert items[0]["activity"]["version"] >= 1 and items[0]["activity"]["name_en"]

    # Taken back: the reversal's line names the same claim; a line no claim is behind, none.
    taken = client.post(
        f"/api/v1/claims/{claim['id']}/reverse", json={"reason": "重复申报"}, headers=staff
    )
    assert taken.status_code == 200, taken.get_json()
    ledger.transfer(
        kind="adjust",
        source=ledger.system_account("issuance"),
        destination=ledger.member_wallet(volunteer.id),
        amount=5,
        memo="补发",
    )
    db.session.commit()
    items = client.get("/api/v1/me/statement", headers=mine).get_json()["items"]
    assert [(i["amount"], i["claim_id"]) for i in items] == [
        (5, None),
        (-20, claim["id"]),
        (20, claim["id"]),
    ]
    assert items[0]["activity"] is None
    assert items[1]["activity"] == items[2]["activity"]


def test_bad_claims_get_a_field_error_and_nothing_is_written(client, volunteer, today):
    mine = api_token(client, volunteer.phone)
    future = (today + timedelta(days=1)).isoformat()
    cases = [
        (
            {"activity_type": "nope", "occurred_on": _yesterday(today), "quantity": 1},
            "activity_type",
        ),
        (
            {"activity_type": "elder-companionship", "occurred_on": future, "quantity": 1},
            "occurred_on",
        ),
        (
            {
                "activity_type": "elder-companionship",
                "occurred_on": _yesterday(today),
                "quantity": -2,
            },
            "quantity",
        ),
        (
            {
                "activity_type": "elder-companionship",
                "occurred_on": _yesterday(today),
                "quantity": 9999,
            },
            "quantity",
        ),
        ({"activity_type": "elder-companionship", "occurred_on": _yesterday(today)}, "quantity"),
        (
            {
                "activity_type": "elder-companionship",
                "occurred_on": _yesterday(today),
                "quantity": 1,
                "points": 500,
            },
            "points",
        ),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/claims", json=body, headers=mine)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["errors"], (body, answer.get_json())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_members_see_only_their_own_claims_and_cannot_approve(
    client, volunteer, make_member, submit
):
    claim = submit()
    other = api_token(client, make_member(level="volunteer").phone)
    assert client.get(f"/api/v1/claims/{claim.id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/claims/{claim.id}/approve", headers=other).status_code == 404
    mine = api_token(client, volunteer.phone)
    assert client.post(f"/api/v1/claims/{claim.id}/approve", headers=mine).status_code == 403
    assert client.get("/api/v1/claims", headers=mine).status_code == 403


def test_reject_and_reverse_need_a_reason(client, social_worker, submit):
    staff = api_token(client, social_worker.phone)
    claim = submit()
    answer = client.post(f"/api/v1/claims/{claim.id}/reject", json={"reason": ""}, headers=staff)
    assert answer.status_code == 422 and "reason" in answer.get_json()["errors"]
    answer = client.post(f"/api/v1/claims/{claim.id}/reject", json={}, headers=staff)
    assert answer.status_code == 422 and "reason" in answer.get_json()["errors"]
    ok = client.post(f"/api/v1/claims/{claim.id}/reject", json={"reason": "重复"}, headers=staff)
    assert ok.get_json()["status"] == "rejected" and ok.get_json()["reason"] == "重复"
    late = client.post(f"/api/v1/claims/{claim.id}/approve", headers=staff)
    assert late.status_code == 409


def test_bulk_approve_reports_each_refusal(client, social_worker, submit):
    staff = api_token(client, social_worker.phone)
    ids = [submit().id for _ in range(3)]
    answer = client.post("/api/v1/claims/approve", json={"claims": ids}, headers=staff)
    result = answer.get_json()
    assert [c["id"] for c in result["approved"]] == ids[:2]
    assert [r["claim"] for r in result["refused"]] == [ids[2]]
    assert "daily cap" in result["refused"][0]["message"]


def test_bulk_approve_by_a_volunteer_is_forbidden_and_approves_nothing(
    client, volunteer, make_member, submit
):
    neighbour = make_member(level="volunteer")
    claim = submit(member=neighbour)
    mine = api_token(client, volunteer.phone)
    answer = client.post("/api/v1/claims/approve", json={"claims": [claim.id]}, headers=mine)
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "forbidden"
    db.session.refresh(claim)
    assert claim.status == "submitted"


def test_an_activity_from_creation_to_award(client, social_worker, volunteer, catalogue):
    staff = api_token(client, social_worker.phone)
    mine = api_token(client, volunteer.phone)
    start = utcnow().replace(microsecond=0) + timedelta(minutes=10)
    made = client.post(
        "/api/v1/activities",
        json={
            "activity_type": "elder-companionship",
            "title": "陪老人下棋",
            "place": "活动室",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "capacity": 8,
        },
        headers=staff,
    )
    assert made.status_code == 201, made.get_json()
    activity_id = made.get_json()["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/signup", headers=mine).status_code == 200
    code = client.get(f"/api/v1/activities/{activity_id}/check-in-code", headers=staff).get_json()
    assert code["url"].endswith(code["token"]) and code["expires_in"] == 300
    forged = client.post(
        "/api/v1/activities/check-in", json={"token": code["token"] + "x"}, headers=mine
    )
    assert forged.status_code == 422 and "token" in forged.get_json()["errors"]
    ok = client.post("/api/v1/activities/check-in", json={"token": code["token"]}, headers=mine)
    assert ok.status_code == 200 and ok.get_json()["checked_in_at"]
    roster = client.get(f"/api/v1/activities/{activity_id}/roster", headers=staff).get_json()
    assert [r["member"]["id"] for r in roster] == [volunteer.id]
    early = client.post(f"/api/v1/activities/{activity_id}/close", headers=staff)
    assert early.status_code == 409
    assert client.get(f"/api/v1/activities/{activity_id}/roster", headers=mine).status_code == 403


def test_admins_change_a_rule_as_a_new_version(client, make_member, social_worker, catalogue):
    admin = api_token(client, make_member(role="admin", community=None).phone)
    staff = api_token(client, social_worker.phone)
    path = "/api/v1/activity-types/elder-companionship"
    assert client.patch(path, json={"points": 9}, headers=staff).status_code == 403
    assert client.patch(path + "x", json={"points": 9}, headers=admin).status_code == 404
    bad = client.patch(path, json={"points": 0}, headers=admin)
    assert bad.status_code == 422 and "points" in bad.get_json()["errors"]
    changed = client.patch(path, json={"points": 9, "daily_cap": 18}, headers=admin)
    assert changed.status_code == 200
    assert (changed.get_json()["version"], changed.get_json()["points"]) == (2, 9)
    versions = client.get(path + "/versions").get_json()
    assert [(v["version"], v["points"]) for v in versions] == [(2, 9), (1, 8)]
    closed = client.patch(path, json={"active": False}, headers=admin).get_json()
    assert closed["version"] == 3
    codes = {t["code"] for t in client.get("/api/v1/activity-types").get_json()}
    assert "elder-companionship" not in codes
