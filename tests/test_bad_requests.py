"""Inputs found by review to reach the database unchecked: each is now a 404 or a field
error, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points.activities import events
from points.database import utcnow
from points.extensions import db
from points.members import services as members
from tests.conftest import api_token, sign_in

HUGE = 10**20


@pytest.fixture
def seeded(ctx, places):
    from points import seeding

    seeding.load_places()
    seeding.load_activity_types()
    seeding.load_benefits()
    db.session.commit()


def test_ids_too_big_for_any_database_are_not_found(client, seeded, make_member):
    me = api_token(client, make_member(level="volunteer").phone)
    for path in (
        f"/api/v1/redemptions/{HUGE}",
        f"/api/v1/benefits/{HUGE}",
        f"/api/v1/claims/{HUGE}",
        f"/api/v1/activities/{HUGE}",
    ):
        assert client.get(path, headers=me).status_code == 404, path
    answer = client.post("/api/v1/redemptions", json={"benefit_id": HUGE}, headers=me)
    assert answer.status_code == 404 and "benefit_id" in answer.get_json()["errors"]
    unknown = client.get(f"/api/v1/benefits?provider_id={HUGE}")
    assert unknown.status_code == 422 and "provider_id" in unknown.get_json()["errors"]


def test_ids_past_32_bits_are_not_found_on_either_database(client, seeded, make_member):
    """Row ids are INTEGER columns; PostgreSQL refused a 64-bit one with a server error."""
    me = api_token(client, make_member(level="volunteer").phone)
    for big in (2**31, 2**40, 2**63 - 1):
        for path in (
            f"/api/v1/benefits/{big}",
            f"/api/v1/spaces/{big}/availability?date=2026-12-01",
        ):
            assert client.get(path, headers=me).status_code == 404, path
        answer = client.post("/api/v1/claims/approve", json={"claims": [big]}, headers=me)
        assert answer.status_code == 403  # a volunteer; a social worker gets it refused below
    staff = api_token(client, make_member(role="social_worker").phone)
    answer = client.post("/api/v1/claims/approve", json={"claims": [2**40]}, headers=staff)
    assert answer.status_code == 200
    assert [r["code"] for r in answer.get_json()["refused"]] == ["not_found"]


def test_text_with_a_nul_character_is_a_field_error_not_a_server_error(client, seeded, make_member):
    """PostgreSQL cannot hold or compare U+0000; the API refuses it in any field."""
    me = api_token(client, make_member(level="volunteer").phone)
    answer = client.post(
        "/api/v1/claims",
        json={"activity_type": "elder\u0000", "occurred_on": "2026-11-30", "quantity": 1},
        headers=me,
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"activity_type": ["must not contain a NUL character"]}
    answer = client.get("/api/v1/benefits?q=%00", headers=me)
    assert answer.status_code == 422 and "q" in answer.get_json()["errors"]
    answer = client.get("/api/v1/activity-types/elder%00/versions")
    assert answer.status_code == 404
    answer = client.post(
        "/api/v1/redemptions",
        json={"benefit_id": 1},
        headers={**me, "Idempotency-Key": "key\u0000"},
    )
    assert answer.status_code == 422, answer.get_json()
    assert "Idempotency-Key" in answer.get_json()["errors"]


def test_months_outside_the_calendar_are_field_errors(client, seeded, make_member):
    staff = make_member()
    members.grant_role(staff, "merchant_staff", merchant_id=1)
    db.session.commit()
    token = api_token(client, staff.phone)
    for month in ("9999-12", "0000-01", "0001-01"):
        answer = client.get(f"/api/v1/merchant/statement?month={month}", headers=token)
        assert answer.status_code == 422 and "month" in answer.get_json()["errors"], month
    sign_in(client, staff.phone)
    assert client.get("/merchant/statement?month=9999-12").status_code == 200


def test_unicode_digits_are_not_numbers(client, seeded, make_member, social_worker):
    me = make_member(level="volunteer")
    token = api_token(client, me.phone)
    answer = client.get("/api/v1/me/statement?cursor=%C2%B2", headers=token)
    assert answer.status_code == 422 and "cursor" in answer.get_json()["errors"]
    sign_in(client, me.phone)
    assert client.get("/me/statement?cursor=%C2%B2").status_code == 404


def test_an_activity_a_lifetime_away_is_refused(client, seeded, social_worker):
    token = api_token(client, social_worker.phone)
    answer = client.post(
        "/api/v1/activities",
        json={
            "activity_type": "elder-companionship",
            "title": "t",
            "place": "p",
            "starts_at": "9999-12-31T20:00:00-05:00",
            "ends_at": "9999-12-31T21:00:00-05:00",
            "capacity": 5,
        },
        headers=token,
    )
    assert answer.status_code == 422 and "starts_at" in answer.get_json()["errors"]


def test_a_suspended_attendee_does_not_stop_the_others_being_awarded(
    seeded, social_worker, make_member
):
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    activity = events.create_activity(
        social_worker,
        activity_type="elder-companionship",
        title="陪伴",
        place="活动室",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=5,
    )
    here, gone = make_member(level="volunteer"), make_member(level="volunteer")
    for person in (here, gone):
        events.tick_off(activity, person.id, actor=social_worker, now=start)
    members.set_status(gone, "suspended", reason="暂停", actor=social_worker)
    made, approved, refused = events.close_activity(
        activity, actor=social_worker, now=start + timedelta(hours=2)
    )
    assert [c.member_id for c in made] == [here.id] and len(approved) == 1 and not refused
