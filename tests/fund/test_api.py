"""The fund over the API: the public account without a token, income with Idempotency-Key,
a grant's steps, field errors."""

from __future__ import annotations

from points import clock
from points.extensions import db
from tests.conftest import api_token
from tests.fund.conftest import seed_fund


def _income(**change):
    body = {
        "source": "session_fee",
        "tier": "low_fee",
        "amount_fen": 5000,
        "collector_id": None,
        "payer_name": "居民甲",
        "payer_phone": "13900000005",
        "method": "transfer",
        "reference": "WX-9",
        "paid_on": clock.today().isoformat(),
    }
    body.update(change)
    return body


def test_the_public_account_needs_no_token_and_names_no_resident(client, people, rates):
    host = api_token(client, "13900000003")
    body = _income(collector_id=people.host.id)
    first = client.post("/api/v1/fund/income", json=body, headers={**host, "Idempotency-Key": "k1"})
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/fund/income", json=body, headers={**host, "Idempotency-Key": "k1"})
    assert again.get_json()["id"] == first.get_json()["id"]
    assert first.get_json()["share_fen"] == 500 and first.get_json()["amount"] == "¥50.00"
    other = client.post(
        "/api/v1/fund/income",
        json={**body, "amount_fen": 7000},
        headers={**host, "Idempotency-Key": "k1"},
    )
    assert other.status_code == 409 and "amount_fen" in other.get_json()["errors"]
    public = client.get(f"/api/v1/communities/{people.community.id}/fund", headers={})
    assert public.status_code == 200
    page = public.get_json()
    assert page["income"][0]["amount_fen"] == 5000 and page["total_share_fen"] == 500
    assert "居民甲" not in public.get_data(as_text=True)
    assert "13900000005" not in public.get_data(as_text=True)


def test_bad_income_gets_field_errors(client, people, rates):
    host = api_token(client, "13900000003")
    answer = client.post(
        "/api/v1/fund/income",
        json=_income(collector_id=people.host.id, amount_fen="lots", method="card"),
        headers={**host, "Idempotency-Key": "k2"},
    )
    assert answer.status_code == 422
    assert "amount_fen" in answer.get_json()["errors"]
    missing = client.post(
        "/api/v1/fund/income", json=_income(collector_id=people.host.id), headers=host
    )
    assert missing.status_code == 422 and "idempotency_key" in missing.get_json()["errors"]


def test_a_grant_through_its_steps(client, people):
    seed_fund(people, 100_000)
    db.session.commit()
    sw1, sw2, sw3 = (api_token(client, p) for p in ("13900000001", "13900000012", "13900000013"))
    made = client.post(
        "/api/v1/fund/grants",
        json={"purpose": "楼道灯", "project": "楼道微更新", "amount_fen": 30_000},
        headers=sw1,
    )
    assert made.status_code == 201, made.get_json()
    grant_id = made.get_json()["id"]
    assert client.post(f"/api/v1/fund/grants/{grant_id}/approve", headers=sw1).status_code == 403
    assert client.post(f"/api/v1/fund/grants/{grant_id}/approve", headers=sw2).status_code == 200
    assert client.post(f"/api/v1/fund/grants/{grant_id}/approve", headers=sw2).status_code == 409
    done = client.post(f"/api/v1/fund/grants/{grant_id}/approve", headers=sw3)
    assert done.get_json()["status"] == "approved"
    paid = client.post(f"/api/v1/fund/grants/{grant_id}/pay", headers=sw1)
    assert paid.get_json()["status"] == "paid"
    page = client.get(f"/api/v1/communities/{people.community.id}/fund").get_json()
    assert page["balance_fen"] == 70_000 and page["grants"][0]["status"] == "paid"
