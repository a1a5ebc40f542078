"""Booking: slots, pricing by tier, space minutes before points, approval, cancel and refund."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points.errors import Conflict, Forbidden, InsufficientPoints, InvalidInput
from points.extensions import db
from points.ledger.verify import verify_ledger
from points.spaces import services as spaces
from tests.spaces.conftest import balances


def _book(host, room, start, end, tier="low_fee", **kw):
    return spaces.book(
        host, space_id=room.id, start=start, end=end, tier=tier, title="青年夜校", **kw
    )


@pytest.mark.parametrize(
    ("per_hour", "minutes", "available", "expected"),
    [
        (0, 120, 500, (0, 0)),  # 公益: nothing to pay, minutes untouched
        (20, 120, 0, (0, 40)),
        (20, 120, 60, (60, 20)),  # minutes first, the rest in points
        (20, 120, 500, (120, 0)),
        (25, 90, 0, (0, 38)),  # rounded up
    ],
)
def test_price_uses_space_minutes_first_then_points(per_hour, minutes, available, expected):
    got = spaces.price(per_hour, minutes, available)
    assert (got.minutes, got.points) == expected


def test_a_booking_is_paid_by_tier_minutes_first(room, make_host, at):
    host = make_host(points=100, minutes=60)
    booking = _book(host, room, at(2, "19:00"), at(2, "21:00"), tier="low_fee")
    db.session.commit()
    assert booking.status == "confirmed"
    assert (booking.cost_minutes, booking.cost_points) == (60, 20)
    assert balances(host) == (80, 0)
    market = _book(make_host(points=200), room, at(3, "08:00"), at(3, "09:00"), tier="market")
    free = _book(make_host(), room, at(3, "10:00"), at(3, "12:00"), tier="free")
    assert (market.cost_points, free.cost_points, free.cost_minutes) == (60, 0, 0)
    assert verify_ledger().ok


def test_overlapping_bookings_are_refused_back_to_back_allowed(room, make_host, at):
    first = make_host(points=100)
    _book(first, room, at(2, "10:00"), at(2, "11:00"))
    db.session.commit()
    second = make_host(points=100)
    with pytest.raises(Conflict, match="already booked"):
        _book(second, room, at(2, "10:30"), at(2, "11:30"))
    db.session.rollback()
    with pytest.raises(Conflict):
        _book(second, room, at(2, "09:00"), at(2, "12:00"))
    db.session.rollback()
    assert _book(second, room, at(2, "11:00"), at(2, "12:00")).status == "confirmed"
    assert _book(second, room, at(2, "09:00"), at(2, "10:00")).status == "confirmed"


def test_the_database_itself_refuses_an_overlap(room, make_host, at):
    from sqlalchemy.exc import IntegrityError

    from points.spaces.models import Booking

    host = make_host(points=100)
    _book(host, room, at(2, "10:00"), at(2, "11:00"))
    db.session.commit()
    sneaky = Booking(
        space_id=room.id,
        host_id=host.id,
        start_at=at(2, "10:30"),
        end_at=at(2, "11:30"),
        tier="free",
        title="x",
        status="pending",
    )
    db.session.add(sneaky)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_booking_longer_than_a_day_and_sees_overlaps_at_its_end(
    room, make_host, at
):
    # The overlap checks look back at most a day and two hours (core.MAX_SPAN): sound only
    # because no booking is longer. A day of 25 hours (clocks changing) is the longest.
    from sqlalchemy.exc import IntegrityError

    from points.spaces.models import Booking

    host = make_host()

    def raw(start, end):
        row = Booking(
            space_id=room.id,
            host_id=host.id,
            start_at=start,
            end_at=end,
            tier="free",
            title="x",
            status="pending",
        )
        db.session.add(row)
        db.session.flush()
        return row

    with pytest.raises(IntegrityError):
        raw(at(2, "08:00"), at(2, "08:00") + timedelta(hours=27))
    db.session.rollback()
    raw(at(2, "08:00"), at(2, "08:00") + timedelta(hours=25))
    db.session.commit()
    late = at(2, "08:00") + timedelta(hours=24, minutes=30)
    with pytest.raises(IntegrityError):  # the database's own guard
        raw(late, late + timedelta(minutes=30))
    db.session.rollback()
    with pytest.raises(Conflict):  # the service's look, first
        _book(make_host(points=100), room, late, late + timedelta(minutes=30))
    db.session.rollback()


def test_cancelling_frees_the_slot_and_refunds_in_full_before_the_deadline(room, make_host, at):
    host = make_host(points=100)
    booking = _book(host, room, at(3, "19:00"), at(3, "20:00"))
    db.session.commit()
    assert balances(host) == (80, 0)
    spaces.cancel(booking, host=host)
    db.session.commit()
    assert booking.status == "cancelled" and balances(host) == (100, 0)
    other = make_host(points=100)
    assert _book(other, room, at(3, "19:00"), at(3, "20:00")).status == "confirmed"
    assert verify_ledger().ok


def test_a_late_cancellation_refunds_the_configured_share(room, make_host, at):
    host = make_host(points=100, minutes=30)
    booking = _book(host, room, at(2, "19:00"), at(2, "20:00"))  # 30 minutes + 10 points
    db.session.commit()
    late = booking.start_at - timedelta(hours=2)
    spaces.cancel(booking, host=host, now=late)
    db.session.commit()
    assert (booking.refunded_minutes, booking.refunded_points) == (15, 5)
    assert balances(host) == (95, 15)
    with pytest.raises(Conflict, match="begun"):
        b2 = _book(host, room, at(2, "08:00"), at(2, "09:00"))
        spaces.cancel(b2, host=host, now=b2.start_at + timedelta(minutes=1))


def test_a_space_that_needs_approval_holds_the_cost_until_decided(
    ctx, places, make_host, social_worker, at
):
    hall = spaces.ensure_space(
        code="yunxi-hall",
        community=places[0].name,
        name_zh="多功能厅",
        name_en="Hall",
        capacity=100,
        opening_hours={d: [["08:00", "21:00"]] for d in spaces.WEEKDAYS},
        needs_approval=True,
        price_market=100,
        slot_minutes=60,
    )
    host = make_host(points=300)
    pending = _book(host, hall, at(5, "14:00"), at(5, "16:00"), tier="market")
    db.session.commit()
    assert pending.status == "pending" and balances(host) == (100, 0)
    spaces.approve(pending, actor=social_worker)
    db.session.commit()
    assert pending.status == "confirmed" and balances(host) == (100, 0)
    again = _book(host, hall, at(6, "14:00"), at(6, "15:00"), tier="market")
    spaces.reject(again, actor=social_worker, reason="当天有街道活动")
    db.session.commit()
    assert again.status == "rejected" and balances(host) == (100, 0)
    with pytest.raises(Forbidden):
        spaces.approve(_book(host, hall, at(7, "14:00"), at(7, "15:00")), actor=host)
    assert verify_ledger().ok


def test_not_enough_points_books_nothing(room, make_host, at):
    host = make_host(points=10)
    with pytest.raises(InsufficientPoints):
        _book(host, room, at(2, "19:00"), at(2, "21:00"), tier="market")
    db.session.rollback()
    assert [s.free for s in spaces.availability(room, at(2, "19:00").date())][-4:] == [True] * 4


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ((2, "11:00"), (2, "10:00"), "end"),
        ((2, "10:15"), (2, "11:00"), "start"),
        ((2, "10:00"), (2, "10:45"), "end"),
        ((2, "06:00"), (2, "09:00"), "start"),
        ((2, "20:00"), (2, "22:00"), "start"),
        ((0, "00:00"), (0, "00:30"), "start"),  # past / too soon
        ((90, "10:00"), (90, "11:00"), "start"),  # too far ahead
    ],
)
def test_bad_times_name_the_field_and_write_nothing(room, make_host, at, start, end, field):
    host = make_host(points=100)
    with pytest.raises(InvalidInput) as error:
        _book(host, room, at(*start), at(*end))
    db.session.rollback()
    assert field in error.value.errors
    assert spaces.bookings_of(host) == [] and balances(host) == (100, 0)


def test_other_bad_input_is_refused(room, make_host, make_member, at):
    host = make_host(points=100)
    for kwargs, field in [
        ({"tier": "vip"}, "tier"),
        ({"start": "tomorrow"}, "start"),
        ({"start": "2030-01-01T10:00"}, "start"),
        ({"space_id": 999}, "space_id"),
        ({"expected_attendance": 31}, "expected_attendance"),
    ]:
        values = {
            "space_id": room.id,
            "start": at(2, "10:00"),
            "end": at(2, "11:00"),
            "tier": "free",
            "title": "t",
            **kwargs,
        }
        with pytest.raises((InvalidInput, Exception)) as error:
            spaces.book(host, **values)
        assert field in getattr(error.value, "errors", {}), (kwargs, error.value)
    with pytest.raises(Forbidden, match="level host"):
        spaces.book(
            make_member(level="talent"),
            space_id=room.id,
            start=at(2, "10:00"),
            end=at(2, "11:00"),
            tier="free",
            title="t",
        )


def test_availability_shows_taken_slots(room, make_host, at):
    _book(make_host(points=100), room, at(2, "10:00"), at(2, "11:00"))
    slots = spaces.availability(room, at(2, "10:00").date())
    assert len(slots) == 26  # 08:00–21:00 in half hours
    taken = [s.start for s in slots if not s.free]
    assert taken == [at(2, "10:00"), at(2, "10:30")]


def test_the_seed_has_a_community_centre(ctx, places):
    from points import seeding

    seeding.load_places()
    assert seeding.load_spaces() == 6
    names = {s.code: s for s in spaces.spaces()}
    assert names["binjiang-hall"].needs_approval and names["yunxi-classroom"].min_level == "talent"
