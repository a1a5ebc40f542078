"""Shared-space pages: the week of slots, booking once and weekly, waiting, my bookings
(cancel, change, check-in, accept an offer), the approval queue and the door poster."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from points.extensions import db
from points.spaces import attendance
from points.spaces import services as spaces
from points.spaces.models import Booking, SpaceWait
from tests.conftest import csrf_token, sign_in
from tests.spaces.conftest import EVERY_DAY, balances, post_booking_form


def test_the_week_shows_free_and_taken_slots_and_a_closed_day(
    client, room, host_client, at, places
):
    host = host_client()
    spaces.ensure_closure(
        community=places[0].name,
        starts_on=at(3, "10:00").date(),
        ends_on=at(3, "10:00").date(),
        reason_zh="元旦休息",
    )
    spaces.book(
        host,
        space_id=room.id,
        start=at(2, "19:00"),
        end=at(2, "20:00"),
        tier="free",
        title="读书会",
    )
    db.session.commit()
    page = client.get(f"/spaces/{room.id}?week={at(2, '19:00').date()}").get_data(as_text=True)
    start = at(2, "19:00").isoformat()
    assert re.search(
        rf'class="slot taken" href="[^"]*start={re.escape(start)}',
        page.replace("%3A", ":").replace("%2B", "+"),
    )
    assert 'class="slot free"' in page
    if at(3, "10:00").date().isocalendar()[1] == at(2, "10:00").date().isocalendar()[1]:
        assert "元旦休息" in page


def test_booking_from_the_form_charges_and_lists_it(client, room, host_client, at):
    host = host_client(points=100)
    prefilled = client.get(f"/spaces/{room.id}/book?start={at(2, '19:00').isoformat()}")
    assert '<option selected value="19:00">' in prefilled.get_data(as_text=True)
    page = post_booking_form(client, room, at).get_data(as_text=True)
    assert "已预约" in page or "Booked" in page
    assert "青年夜校" in page
    assert balances(host) == (80, 0)


def test_a_bad_form_names_the_field_and_books_nothing(client, room, host_client, at):
    host_client()
    page = post_booking_form(client, room, at, start="19:10").get_data(as_text=True)
    assert 'class="field has-error"' in page
    page = post_booking_form(client, room, at, start="20:00", end="19:00").get_data(as_text=True)
    assert "has-error" in page
    page = post_booking_form(client, room, at, title="").get_data(as_text=True)
    assert "has-error" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_a_week_that_is_not_a_date_is_said_and_this_week_shown(client, room, host_client, at):
    host_client()
    answer = client.get(f"/spaces/{room.id}?week=next-tuesday")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "请按 2026-12-01 的格式输入日期。" in page
    today = at(0, "08:00").date()
    monday = today - timedelta(days=today.weekday())
    assert f"week={monday + timedelta(days=7)}" in page  # this week's "next week" link
    fine = client.get(f"/spaces/{room.id}?week={at(7, '08:00').date().isoformat()}")
    assert "请按 2026-12-01 的格式输入日期。" not in fine.get_data(as_text=True)


def test_weekly_from_the_form_skips_taken_weeks_and_says_which(
    client, room, host_client, make_host, at
):
    other = make_host(points=100)
    spaces.book(
        other, space_id=room.id, start=at(9, "19:00"), end=at(9, "20:00"), tier="free", title="占用"
    )
    db.session.commit()
    host_client(points=500)
    page = post_booking_form(client, room, at, weeks="3", skip_conflicts="y").get_data(as_text=True)
    assert f"{at(9, '19:00'):%m-%d}" in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Booking).where(Booking.title == "青年夜校")
        )
        == 2
    )


def test_waiting_then_accepting_an_offer_from_my_bookings(client, room, host_client, make_host, at):
    holder = make_host(points=100)
    taken = spaces.book(
        holder,
        space_id=room.id,
        start=at(2, "19:00"),
        end=at(2, "20:00"),
        tier="low_fee",
        title="占用",
    )
    db.session.commit()
    host = host_client(points=100)
    post_booking_form(client, room, at, action="wait")
    assert db.session.scalar(sa.select(SpaceWait.status)) == "waiting"
    spaces.cancel(taken, host=holder)
    db.session.commit()
    page = client.get("/me/bookings").get_data(as_text=True)
    offer_id = db.session.scalar(sa.select(Booking.id).where(Booking.host_id == host.id))
    assert f"/me/bookings/{offer_id}/accept" in page
    client.post(
        f"/me/bookings/{offer_id}/accept", data={"csrf_token": csrf_token(client, "/me/bookings")}
    )
    assert db.session.get(Booking, offer_id).status == "confirmed"
    assert balances(host) == (80, 0)


def test_cancel_and_change_from_my_bookings(client, room, host_client, at):
    host = host_client(points=100)
    post_booking_form(client, room, at)
    booking_id = db.session.scalar(sa.select(Booking.id))
    path = f"/me/bookings/{booking_id}/change"
    form = client.get(path).get_data(as_text=True)
    assert '<option selected value="19:00">' in form
    client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "day": at(2, "19:00").date().isoformat(),
            "start": "18:00",
            "end": "20:00",
            "tier": "low_fee",
            "title": "青年夜校",
            "expected_attendance": "12",
        },
    )
    assert db.session.get(Booking, booking_id).start_at == at(2, "18:00")
    assert balances(host) == (60, 0)
    listed = client.get("/me/bookings").get_data(as_text=True)
    assert "前取消可全额退还；之后取消退还 50%" in listed
    client.post(
        f"/me/bookings/{booking_id}/cancel", data={"csrf_token": csrf_token(client, "/me/bookings")}
    )
    assert db.session.get(Booking, booking_id).status == "cancelled"
    assert balances(host) == (100, 0)


def test_approval_queue_and_staff_check_in(client, places, make_host, social_worker, at):
    hall = spaces.ensure_space(
        code="hall",
        community=places[0].name,
        name_zh="多功能厅",
        name_en="Hall",
        capacity=100,
        opening_hours=EVERY_DAY,
        slot_minutes=60,
        needs_approval=True,
        price_low_fee=30,
    )
    host = make_host(points=100)
    pending = spaces.book(
        host,
        space_id=hall.id,
        start=at(2, "10:00"),
        end=at(2, "11:00"),
        tier="low_fee",
        title="社区议事会",
    )
    db.session.commit()
    booking_id = pending.id
    sign_in(client, social_worker.phone)
    page = client.get("/bookings/queue").get_data(as_text=True)
    assert "社区议事会" in page
    client.post(
        f"/bookings/{booking_id}/approve",
        data={"csrf_token": csrf_token(client, "/bookings/queue")},
    )
    assert db.session.get(Booking, booking_id).status == "confirmed"
    assert balances(host) == (70, 0)
    poster = client.get(f"/spaces/{hall.id}/door").get_data(as_text=True)
    assert "<svg" in poster and attendance.space_code(hall) in poster


def test_a_volunteer_cannot_see_the_queue_or_book_a_host_room(client, room, make_member, at):
    volunteer = make_member(level="volunteer")
    sign_in(client, volunteer.phone)
    assert client.get("/bookings/queue").status_code == 403
    page = client.get(f"/spaces/{room.id}/book").get_data(as_text=True)
    assert 'name="action"' not in page
    assert client.get(f"/spaces/{room.id}/door").status_code == 403


def test_checking_in_by_scanning_the_door_code(client, room, host_client, at, app):
    host = host_client(points=100)
    booking = spaces.book(
        host,
        space_id=room.id,
        start=at(2, "19:00"),
        end=at(2, "20:00"),
        tier="free",
        title="读书会",
    )
    db.session.commit()
    booking_id = booking.id
    code = attendance.space_code(room)
    path = f"/spaces/check-in/{code}"
    assert client.get(path).status_code == 200
    assert client.get("/spaces/check-in/forged").status_code == 404
    # Too early now: the page says so and nothing changes.
    page = client.post(
        path, data={"csrf_token": csrf_token(client, path)}, follow_redirects=True
    ).get_data(as_text=True)
    assert 'class="flash error"' in page
    assert db.session.get(Booking, booking_id).checked_in_at is None
