"""The booking API: spaces, availability, book, 409 on overlap, cancel."""

from __future__ import annotations

from tests.conftest import api_token


def test_book_see_it_taken_and_cancel(client, room, make_host, at):
    first, second = make_host(points=100), make_host(points=100)
    me, other = api_token(client, first.phone), api_token(client, second.phone)
    listed = client.get("/api/v1/spaces").get_json()
    assert listed[0]["prices"] == {"free": 0, "low_fee": 20, "market": 60}
    body = {
        "space_id": room.id,
        "start": at(2, "19:00").isoformat(),
        "end": at(2, "20:00").isoformat(),
        "tier": "low_fee",
        "title": "青年夜校",
    }
    made = client.post("/api/v1/bookings", json=body, headers=me)
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["status"], made.get_json()["points"]) == ("confirmed", 20)
    taken = client.post(
        "/api/v1/bookings",
        json={**body, "start": at(2, "19:30").isoformat(), "end": at(2, "20:30").isoformat()},
        headers=other,
    )
    assert taken.status_code == 409
    day = at(2, "19:00").date().isoformat()
    slots = client.get(f"/api/v1/spaces/{room.id}/availability?date={day}").get_json()
    assert [s["free"] for s in slots if s["start"].startswith(f"{day}T19:00")] == [False]
    assert [s["free"] for s in slots if s["start"].startswith(f"{day}T18:30")] == [True]
    booking_id = made.get_json()["id"]
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=other).status_code == 404
    done = client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=me)
    assert done.status_code == 200 and done.get_json()["refunded_points"] == 20
    again = client.post(
        "/api/v1/bookings",
        json={**body, "start": at(2, "19:30").isoformat(), "end": at(2, "20:30").isoformat()},
        headers=other,
    )
    assert again.status_code == 201


def test_bad_booking_bodies_get_field_errors(client, room, make_host, at):
    me = api_token(client, make_host(points=100).phone)
    good = {
        "space_id": room.id,
        "start": at(2, "10:00").isoformat(),
        "end": at(2, "11:00").isoformat(),
        "tier": "free",
        "title": "t",
    }
    for change, field in [
        ({"end": at(2, "09:00").isoformat()}, "end"),
        ({"start": at(2, "10:10").isoformat()}, "start"),
        ({"tier": "gold"}, "tier"),
        ({"space_id": "x"}, "space_id"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
    ]:
        answer = client.post("/api/v1/bookings", json={**good, **change}, headers=me)
        assert answer.status_code == 422, (change, answer.get_json())
        assert field in answer.get_json()["errors"], (change, answer.get_json())
    bad_day = client.get(f"/api/v1/spaces/{room.id}/availability?date=soon")
    assert bad_day.status_code == 422 and "date" in bad_day.get_json()["errors"]


def test_weekly_series_over_the_api_reports_skipped_weeks(client, room, make_host, at):
    other, host = make_host(points=100), make_host(points=500)
    taken = {
        "space_id": room.id,
        "start": at(14, "19:00").isoformat(),
        "end": at(14, "20:00").isoformat(),
        "tier": "low_fee",
        "title": "占用",
    }
    assert client.post("/api/v1/bookings", json=taken, headers=api_token(client, other.phone))
    me = api_token(client, host.phone)
    body = {
        **taken,
        "start": at(7, "19:00").isoformat(),
        "end": at(7, "20:00").isoformat(),
        "title": "合唱团",
        "weeks": 3,
    }
    strict = client.post("/api/v1/bookings/series", json=body, headers=me)
    assert strict.status_code == 409
    assert strict.get_json()["errors"]["start"][0].startswith(f"{at(14, '19:00').date()}")
    lenient = client.post(
        "/api/v1/bookings/series", json={**body, "skip_conflicts": True}, headers=me
    )
    assert lenient.status_code == 201, lenient.get_json()
    answer = lenient.get_json()
    assert [b["start"][:10] for b in answer["bookings"]] == [
        str(at(7, "19:00").date()),
        str(at(21, "19:00").date()),
    ]
    assert answer["skipped"] == [
        {"date": str(at(14, "19:00").date()), "reason": "this time is already booked"}
    ]
    bad = client.post("/api/v1/bookings/series", json={**body, "weeks": "3"}, headers=me)
    assert bad.status_code == 422 and "weeks" in bad.get_json()["errors"]


def test_change_check_in_and_wait_over_the_api(client, room, make_host, at):
    holder, waiting = make_host(points=100), make_host(points=100)
    mine, theirs = api_token(client, holder.phone), api_token(client, waiting.phone)
    body = {
        "space_id": room.id,
        "start": at(2, "19:00").isoformat(),
        "end": at(2, "20:00").isoformat(),
        "tier": "low_fee",
        "title": "青年夜校",
    }
    booking = client.post("/api/v1/bookings", json=body, headers=mine).get_json()
    moved = client.patch(
        f"/api/v1/bookings/{booking['id']}",
        json={"start": at(2, "18:00").isoformat(), "end": at(2, "20:00").isoformat()},
        headers=mine,
    )
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["points"], moved.get_json()["status"]) == (40, "confirmed")
    assert (
        client.patch(
            f"/api/v1/bookings/{booking['id']}", json={"colour": "red"}, headers=mine
        ).status_code
        == 422
    )
    early = client.post(f"/api/v1/bookings/{booking['id']}/check-in", headers=mine)
    assert early.status_code == 409 and "opens" in early.get_json()["message"]
    bad_code = client.post("/api/v1/spaces/check-in", json={"code": "nope"}, headers=mine)
    assert bad_code.status_code == 422 and "code" in bad_code.get_json()["errors"]

    wait = client.post(
        "/api/v1/waits", json={**body, "start": at(2, "18:00").isoformat()}, headers=theirs
    )
    assert wait.status_code == 201, wait.get_json()
    assert client.get("/api/v1/me/waits", headers=theirs).get_json()[0]["status"] == "waiting"
    client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=mine)
    offered = client.get("/api/v1/me/bookings", headers=theirs).get_json()[0]
    assert offered["status"] == "offered" and offered["offer_expires_at"]
    taken = client.post(f"/api/v1/bookings/{offered['id']}/accept", headers=theirs)
    assert taken.status_code == 200 and taken.get_json()["status"] == "confirmed"
    assert client.post(f"/api/v1/bookings/{offered['id']}/accept", headers=mine).status_code == 404
