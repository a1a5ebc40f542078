"""The marketplace API: benefits, redemptions with Idempotency-Key, 核销 at the counter."""

from __future__ import annotations

from datetime import timedelta

from points.database import utcnow
from points.extensions import db
from points.marketplace import services as market
from points.marketplace.models import Redemption
from tests.conftest import api_token


def test_benefits_are_listed_with_filters(client, rich_member, make_benefit):
    cheap, dear = make_benefit(points=10, stock=3), make_benefit(points=500)
    everything = client.get("/api/v1/benefits").get_json()
    assert {b["id"] for b in everything} == {cheap.id, dear.id}
    row = next(b for b in everything if b["id"] == cheap.id)
    assert row["merchant"]["name"] == "云溪老街理发店" and row["stock"] == 3
    assert row["points"] == 10 and row["min_level"] == "volunteer"
    member = api_token(client, rich_member(100).phone)
    mine = client.get("/api/v1/benefits?affordable=true", headers=member).get_json()
    assert [b["id"] for b in mine] == [cheap.id]
    bad = client.get("/api/v1/benefits?provider_id=abc")
    assert bad.status_code == 422 and "provider_id" in bad.get_json()["errors"]


def test_benefits_come_a_page_at_a_time_when_a_page_is_asked_for(client, make_benefit):
    made = [make_benefit(points=n) for n in range(1, 26)]  # cheapest first, as on the pages
    assert len(client.get("/api/v1/benefits").get_json()) == 25, "no page: every match"
    first = client.get("/api/v1/benefits?page=1")
    assert [b["id"] for b in first.get_json()] == [b.id for b in made[:20]]
    assert first.headers["X-Total-Count"] == "25" and first.headers["X-Pages"] == "2"
    second = client.get("/api/v1/benefits?page=2").get_json()
    assert [b["id"] for b in second] == [b.id for b in made[20:]]
    small = client.get("/api/v1/benefits?per_page=10&page=3")
    assert len(small.get_json()) == 5 and small.headers["X-Pages"] == "3"
    for bad in ("page=0", "page=abc", "per_page=101"):
        answer = client.get(f"/api/v1/benefits?{bad}")
        assert answer.status_code == 422 and bad.split("=")[0] in answer.get_json()["errors"]


def test_redeem_confirm_and_the_balance_follows(client, rich_member, make_benefit, barber_staff):
    member = rich_member(100)
    me = api_token(client, member.phone)
    staff = api_token(client, barber_staff.phone)
    benefit = make_benefit(points=30, stock=5)
    made = client.post(
        "/api/v1/redemptions",
        json={"benefit_id": benefit.id, "quantity": 1},
        headers={**me, "Idempotency-Key": "order-1"},
    )
    assert made.status_code == 201, made.get_json()
    voucher = made.get_json()
    assert voucher["status"] == "held" and voucher["points"] == 30 and voucher["expires_at"]
    again = client.post(
        "/api/v1/redemptions",
        json={"benefit_id": benefit.id, "quantity": 1},
        headers={**me, "Idempotency-Key": "order-1"},
    )
    assert again.status_code == 201 and again.get_json() == voucher
    different = client.post(
        "/api/v1/redemptions",
        json={"benefit_id": benefit.id, "quantity": 2},
        headers={**me, "Idempotency-Key": "order-1"},
    )
    assert different.status_code == 409
    assert different.get_json()["code"] == "idempotency_conflict"
    assert "quantity" in different.get_json()["message"]
    balance = client.get("/api/v1/me/balance", headers=me).get_json()["points"]
    assert balance == {"balance": 100, "held": 30, "available": 70}

    typed = voucher["display_code"].lower()
    done = client.post("/api/v1/merchant/redemptions/confirm", json={"code": typed}, headers=staff)
    assert done.status_code == 200 and done.get_json()["status"] == "confirmed"
    assert done.get_json()["member"].startswith(member.name[0]) and "*" in done.get_json()["member"]
    twice = client.post(
        "/api/v1/merchant/redemptions/confirm", json={"code": voucher["code"]}, headers=staff
    )
    assert twice.status_code == 409 and "张店长" in twice.get_json()["message"]
    balance = client.get("/api/v1/me/balance", headers=me).get_json()["points"]
    assert balance == {"balance": 70, "held": 0, "available": 70}
    today = client.get("/api/v1/merchant/redemptions", headers=staff).get_json()
    assert [r["code"] for r in today] == [voucher["code"]]
    statement = client.get("/api/v1/merchant/statement", headers=staff).get_json()
    assert {line["status"]: line["vouchers"] for line in statement["lines"]}["confirmed"] == 1


def test_an_overdue_voucher_reads_expired_before_the_sweep_voids_it(
    client, rich_member, make_benefit, barber_staff
):
    member = rich_member(100)
    issued = utcnow() - timedelta(days=8)  # valid for 7 days
    voucher = market.redeem(member, benefit_id=make_benefit(points=10).id, now=issued)
    fresh = market.redeem(member, benefit_id=make_benefit(points=10).id)
    db.session.commit()
    me = api_token(client, member.phone)
    mine = client.get("/api/v1/me/redemptions", headers=me).get_json()
    assert {v["id"]: v["status"] for v in mine} == {voucher.id: "expired", fresh.id: "held"}
    one = client.get(f"/api/v1/redemptions/{voucher.id}", headers=me).get_json()
    assert one["status"] == "expired" and one["ended_at"] is None
    month = market.local_today(issued).strftime("%Y-%m")
    statement = client.get(
        f"/api/v1/merchant/statement?month={month}", headers=api_token(client, barber_staff.phone)
    ).get_json()
    assert {v["code"]: v["status"] for v in statement["vouchers"]}[voucher.code] == "expired"
    cancel = client.post(f"/api/v1/redemptions/{voucher.id}/cancel", headers=me)
    assert cancel.status_code == 409
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "held"  # reading changed nothing


def test_the_owner_cancels_and_nobody_else_can(client, rich_member, make_benefit):
    owner, other = rich_member(100), rich_member(100)
    mine, theirs = api_token(client, owner.phone), api_token(client, other.phone)
    made = client.post("/api/v1/redemptions", json={"benefit_id": make_benefit().id}, headers=mine)
    voucher_id = made.get_json()["id"]
    path = f"/api/v1/redemptions/{voucher_id}/cancel"
    assert client.post(path, headers=theirs).status_code == 404
    assert client.get(f"/api/v1/redemptions/{voucher_id}", headers=theirs).status_code == 404
    done = client.post(path, headers=mine)
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    points = client.get("/api/v1/me/balance", headers=mine).get_json()["points"]
    assert points["available"] == 100


def test_bad_redemption_bodies_get_field_errors(client, rich_member, make_benefit):
    me = api_token(client, rich_member(100).phone)
    benefit = make_benefit()
    for body, field in [
        ({}, "benefit_id"),
        ({"benefit_id": "one"}, "benefit_id"),
        ({"benefit_id": benefit.id, "quantity": 0}, "quantity"),
        ({"benefit_id": benefit.id, "price": 1}, "price"),
        ({"benefit_id": 424242}, "benefit_id"),
    ]:
        answer = client.post("/api/v1/redemptions", json=body, headers=me)
        assert answer.status_code in (404, 422), (body, answer.get_json())
        assert field in answer.get_json()["errors"], (body, answer.get_json())
    assert client.get("/api/v1/me/redemptions", headers=me).get_json() == []


def test_wrong_codes_are_slowed_down(app, client, barber_staff, rich_member):
    app.config["CONFIRM_WRONG_CODE_LIMIT"] = "3 per minute"
    staff = api_token(client, barber_staff.phone)
    answers = [
        client.post(
            "/api/v1/merchant/redemptions/confirm", json={"code": "ABCDEFGHJ"}, headers=staff
        ).status_code
        for _ in range(4)
    ]
    assert answers == [404, 404, 404, 429]
    slowed = client.post(
        "/api/v1/merchant/redemptions/confirm", json={"code": "ABCDEFGHJ"}, headers=staff
    )
    assert slowed.get_json()["code"] == "too_many_requests"


def test_members_without_a_merchant_have_no_counter(client, rich_member):
    me = api_token(client, rich_member(0).phone)
    answer = client.post(
        "/api/v1/merchant/redemptions/confirm", json={"code": "ABCDEFGHJ"}, headers=me
    )
    assert answer.status_code == 403
    assert client.get("/api/v1/merchant/redemptions", headers=me).status_code == 403
    db.session.rollback()


def test_the_counter_previews_confirms_and_undoes_over_the_api(
    app, client, rich_member, make_benefit, barber_staff, make_member, other_shop
):
    from points.members import services as members

    member = rich_member(100)
    me = api_token(client, member.phone)
    staff = api_token(client, barber_staff.phone)
    elsewhere = make_member(name="别家店员")
    members.grant_role(elsewhere, "merchant_staff", merchant_id=other_shop.id)
    db.session.commit()
    other = api_token(client, elsewhere.phone)
    voucher = market.redeem(member, benefit_id=make_benefit(points=30, stock=5).id)
    db.session.commit()
    code, voucher_id = voucher.code, voucher.id

    seen = client.post("/api/v1/merchant/redemptions/preview", json={"code": code}, headers=staff)
    assert seen.status_code == 200, seen.get_json()
    body = seen.get_json()
    assert (body["id"], body["status"], body["points"], body["quantity"]) == (
        voucher_id,
        "held",
        30,
        1,
    )
    assert "*" in body["member"] and body["undo_until"] is None
    assert client.get("/api/v1/me/balance", headers=me).get_json()["points"]["held"] == 30

    done = client.post("/api/v1/merchant/redemptions/confirm", json={"code": code}, headers=staff)
    assert done.status_code == 200 and done.get_json()["undo_until"]
    path = f"/api/v1/merchant/redemptions/{voucher_id}/undo"
    assert client.post(path, headers=other).status_code == 404
    assert client.post(path, headers=me).status_code == 403

    undone = client.post(path, headers=staff)
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["status"] == "held" and undone.get_json()["undo_until"] is None
    assert client.post(path, headers=staff).get_json()["status"] == "held"  # nothing more
    balance = client.get("/api/v1/me/balance", headers=me).get_json()["points"]
    assert balance == {"balance": 100, "held": 30, "available": 70}

    # Confirmed again, then asked to undo after the window: 409, and nothing changes.
    market.confirm(
        code,
        staff=barber_staff,
        now=utcnow() - timedelta(minutes=app.config["COUNTER_UNDO_MINUTES"], seconds=1),
    )
    db.session.commit()
    late = client.post(path, headers=staff)
    assert late.status_code == 409 and late.get_json()["code"] == "conflict"
    assert f"{app.config['COUNTER_UNDO_MINUTES']} minutes" in late.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Redemption, voucher_id).status == "confirmed"
