"""After booking: weekly quota, weekly series, edits, check-in, no-shows, the waitlist."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points import housekeeping
from points.errors import Conflict, InvalidInput
from points.extensions import db
from points.ledger.verify import verify_ledger
from points.members import services as members
from points.spaces import attendance, series, waitlist
from points.spaces import services as spaces
from points.spaces.models import Booking, SpaceWait
from tests.spaces.conftest import balances


def _book(host, room, start, end, tier="low_fee", **kw):
    return spaces.book(
        host, space_id=room.id, start=start, end=end, tier=tier, title="青年夜校", **kw
    )


# ---------------------------------------------------------------------------- quota


def test_a_host_cannot_book_past_the_weekly_quota(app, room, make_host, at):
    app.config["BOOKING_WEEKLY_QUOTA_HOURS"] = 3
    host = make_host()
    monday = at(7, "10:00") - timedelta(days=at(7, "10:00").weekday())
    _book(host, room, monday, monday + timedelta(hours=2), tier="free")
    db.session.commit()
    with pytest.raises(InvalidInput, match="weekly quota of 3 hours") as refused:
        _book(
            host, room, monday + timedelta(days=1), monday + timedelta(days=1, hours=2), tier="free"
        )
    assert "start" in refused.value.errors
    db.session.rollback()
    _book(host, room, monday + timedelta(days=1), monday + timedelta(days=1, hours=1), tier="free")
    _book(
        host, room, monday + timedelta(days=7), monday + timedelta(days=7, hours=3), tier="free"
    )  # next week starts afresh
    db.session.commit()


# ---------------------------------------------------------------------------- series


def test_weekly_series_all_or_nothing_books_every_week_or_none(room, make_host, at):
    other, host = make_host(points=100), make_host(points=500)
    _book(other, room, at(14, "19:00"), at(14, "20:00"))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        series.book_weekly(
            host,
            weeks=4,
            space_id=room.id,
            start=at(0, "19:00") + timedelta(days=7),
            end=at(0, "20:00") + timedelta(days=7),
            tier="low_fee",
            title="合唱团",
        )
    assert refused.value.errors["start"] == [
        f"{at(14, '19:00').date():%Y-%m-%d}: this time is already booked"
    ]
    db.session.rollback()
    assert db.session.query(Booking).filter_by(host_id=host.id).count() == 0
    assert balances(host) == (500, 0)


def test_weekly_series_skipping_conflicts_books_the_rest_and_says_which(room, make_host, at):
    other, host = make_host(points=100), make_host(points=500)
    _book(other, room, at(14, "19:00"), at(14, "20:00"))
    db.session.commit()
    done = series.book_weekly(
        host,
        weeks=4,
        skip_conflicts=True,
        space_id=room.id,
        start=at(7, "19:00"),
        end=at(7, "20:00"),
        tier="low_fee",
        title="合唱团",
    )
    db.session.commit()
    assert [b.start_at for b in done.bookings] == [at(7, "19:00"), at(21, "19:00"), at(28, "19:00")]
    assert [s.day for s in done.skipped] == [at(14, "19:00").date()]
    assert {b.series_id for b in done.bookings} == {done.series_id}
    assert balances(host) == (440, 0)
    spaces.cancel(done.bookings[1], host=host)  # one occurrence alone
    db.session.commit()
    assert [b.status for b in series.series(done.series_id, host)] == [
        "confirmed",
        "cancelled",
        "confirmed",
    ]
    assert verify_ledger().ok


def test_a_series_with_a_bad_title_or_too_many_weeks_names_the_field(room, make_host, at):
    host = make_host(points=100)
    for field, kw in (
        ("title", {"title": " ", "weeks": 2}),
        ("weeks", {"title": "x", "weeks": 99}),
    ):
        with pytest.raises(InvalidInput) as refused:
            series.book_weekly(
                host, space_id=room.id, start=at(2, "10:00"), end=at(2, "11:00"), tier="free", **kw
            )
        assert field in refused.value.errors
        db.session.rollback()
    assert db.session.query(Booking).count() == 0


# ---------------------------------------------------------------------------- edits


def test_moving_an_approved_booking_sends_it_back_for_approval(hall, make_host, at, social_worker):
    host = make_host(points=200)
    booking = _book(host, hall, at(3, "10:00"), at(3, "12:00"))
    spaces.approve(booking, actor=social_worker)
    db.session.commit()
    assert balances(host) == (140, 0)
    spaces.change(booking, host=host, title="亲子绘本课", expected_attendance=20)
    db.session.commit()
    assert (booking.status, booking.title) == ("confirmed", "亲子绘本课")
    spaces.change(booking, host=host, start=at(3, "14:00"), end=at(3, "17:00"))
    db.session.commit()
    assert (booking.status, booking.cost_points) == ("pending", 90)
    assert balances(host) == (110, 0)  # 60 back, 90 held
    spaces.approve(booking, actor=social_worker)
    db.session.commit()
    assert balances(host) == (110, 0)
    assert verify_ledger().ok
    # The old time is free again.
    assert _book(make_host(points=100), hall, at(3, "10:00"), at(3, "12:00")).status == "pending"


def test_an_edit_into_a_taken_time_changes_nothing(room, make_host, at):
    first, second = make_host(points=100), make_host(points=100)
    _book(first, room, at(2, "10:00"), at(2, "11:00"))
    mine = _book(second, room, at(2, "12:00"), at(2, "13:00"))
    db.session.commit()
    with pytest.raises(Conflict):
        spaces.change(mine, host=second, start=at(2, "10:30"), end=at(2, "11:30"))
    db.session.rollback()
    assert (mine.start_at, balances(second)) == (at(2, "12:00"), (80, 0))


# ---------------------------------------------------------------------------- check-in


def test_check_in_by_the_space_code_opens_15_minutes_before(room, make_host, at):
    host = make_host(points=100)
    booking = _book(host, room, at(2, "10:00"), at(2, "11:00"))
    db.session.commit()
    code = attendance.space_code(room)
    with pytest.raises(Conflict, match="opens"):
        attendance.check_in(booking, actor=host, now=at(2, "09:44"))
    with pytest.raises(InvalidInput):
        attendance.space_of_code(code + "x")
    done = attendance.check_in_here(attendance.space_of_code(code), host, now=at(2, "09:45"))
    db.session.commit()
    assert done.checked_in_at == at(2, "09:45")
    assert housekeeping.sweep(now=at(2, "10:30"))["bookings_no_show"] == 0


def test_no_check_in_releases_the_booking_as_a_no_show(room, make_host, at, social_worker):
    host, late = make_host(points=100), make_host(points=100)
    booking = _book(host, room, at(2, "10:00"), at(2, "12:00"))
    db.session.commit()
    assert housekeeping.sweep(now=at(2, "10:14"))["bookings_no_show"] == 0
    assert housekeeping.sweep(now=at(2, "10:15"))["bookings_no_show"] == 1
    db.session.commit()
    assert booking.status == "no_show"
    assert balances(host) == (60, 0)  # the cost is not returned
    # The rest of its time is bookable again.
    again = _book(late, room, at(2, "11:30"), at(2, "12:00"), now=at(2, "10:20"))
    assert again.status == "confirmed"
    with pytest.raises(Conflict, match="no_show"):
        attendance.check_in(booking, actor=social_worker, now=at(2, "10:30"))
    db.session.rollback()
    quarter = (at(0, "00:00") - timedelta(days=1), at(30, "00:00"))
    assert members.measure("no_shows", host.id, *quarter) == 1
    assert members.measure("bookings_used", host.id, *quarter) == 0


def test_staff_check_in_until_the_end_and_only_in_their_community(
    room, make_host, at, social_worker, make_member, places
):
    host = make_host(points=100)
    booking = _book(host, room, at(2, "10:00"), at(2, "12:00"))
    db.session.commit()
    stranger = make_member(role="social_worker", community=places[1])
    with pytest.raises(Exception, match="not in your community"):
        attendance.check_in(booking, actor=stranger, now=at(2, "10:05"))
    with pytest.raises(Conflict, match="closed"):
        attendance.check_in(booking, actor=host, now=at(2, "10:16"))
    attendance.check_in(booking, actor=social_worker, now=at(2, "10:16"))
    db.session.commit()
    assert booking.checked_in_by == social_worker.id
    quarter = (at(0, "00:00"), at(30, "00:00"))
    assert members.measure("bookings_used", host.id, *quarter) == 1


# ---------------------------------------------------------------------------- waitlist


def test_a_freed_slot_is_offered_to_the_first_waiting_host(room, make_host, at):
    holder, first, second = make_host(points=100), make_host(points=100), make_host(points=100)
    taken = _book(holder, room, at(3, "19:00"), at(3, "20:00"))
    db.session.commit()
    with pytest.raises(Conflict, match="free"):
        waitlist.wait(
            first,
            space_id=room.id,
            start=at(3, "17:00"),
            end=at(3, "18:00"),
            tier="low_fee",
            title="等",
        )
    db.session.rollback()
    for host in (first, second):
        waitlist.wait(
            host,
            space_id=room.id,
            start=at(3, "19:00"),
            end=at(3, "20:00"),
            tier="low_fee",
            title="读书会",
        )
        db.session.commit()
    with pytest.raises(Conflict, match="already waiting"):
        waitlist.wait(
            first,
            space_id=room.id,
            start=at(3, "19:00"),
            end=at(3, "20:00"),
            tier="low_fee",
            title="读书会",
        )
    db.session.rollback()

    spaces.cancel(taken, host=holder)
    db.session.commit()
    offer = db.session.query(Booking).filter_by(host_id=first.id).one()
    assert offer.status == "offered"
    # The offer keeps the slot: nobody else can book it meanwhile.
    with pytest.raises(Conflict):
        _book(make_host(points=100), room, at(3, "19:00"), at(3, "20:00"))
    db.session.rollback()

    # Not taken up in time → the next host in line.
    assert housekeeping.sweep(now=offer.offer_expires_at)["offers_lapsed"] == 1
    db.session.commit()
    assert offer.status == "lapsed"
    second_offer = db.session.query(Booking).filter_by(host_id=second.id).one()
    assert second_offer.status == "offered"
    waitlist.accept(second_offer, host=second)
    db.session.commit()
    assert (second_offer.status, balances(second)) == ("confirmed", (80, 0))
    assert db.session.query(SpaceWait).filter_by(member_id=second.id).one().status == "booked"
    assert verify_ledger().ok


def test_declining_an_offer_passes_it_on(room, make_host, at):
    holder, first, second = make_host(points=100), make_host(points=100), make_host(points=100)
    taken = _book(holder, room, at(3, "19:00"), at(3, "20:00"))
    db.session.commit()
    for host in (first, second):
        waitlist.wait(
            host,
            space_id=room.id,
            start=at(3, "19:00"),
            end=at(3, "20:00"),
            tier="free",
            title="读书会",
        )
    spaces.cancel(taken, host=holder)
    db.session.commit()
    offer = db.session.query(Booking).filter_by(host_id=first.id).one()
    with pytest.raises(Exception, match="no such offer"):
        waitlist.accept(offer, host=second)
    waitlist.decline(offer, host=first)
    db.session.commit()
    assert db.session.query(Booking).filter_by(host_id=second.id).one().status == "offered"


def test_an_unapproved_booking_is_rejected_at_its_start(hall, make_host, at):
    host = make_host(points=100)
    booking = _book(host, hall, at(2, "10:00"), at(2, "11:00"))
    db.session.commit()
    assert balances(host) == (70, 0)
    assert housekeeping.sweep(now=at(2, "10:00"))["bookings_unapproved"] == 1
    db.session.commit()
    assert booking.status == "rejected"
    assert balances(host) == (100, 0)
    assert verify_ledger().ok
