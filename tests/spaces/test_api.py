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
