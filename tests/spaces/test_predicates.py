"""What the spaces pages ask before they offer an action: the same rules the services
apply when the action is taken."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points.errors import Conflict
from points.extensions import db
from points.spaces import attendance
from points.spaces import services as spaces


def _book(host, room, start, hours=1):
    return spaces.book(
        host,
        space_id=room.id,
        start=start,
        end=start + timedelta(hours=hours),
        tier="free",
        title="青年夜校",
    )


def test_a_booking_may_be_changed_and_cancelled_until_it_begins(room, make_host, at):
    host = make_host()
    booking = _book(host, room, at(2, "10:00"))
    db.session.commit()
    before, begun = booking.start_at - timedelta(minutes=1), booking.start_at
    assert spaces.may_change(booking, before) and spaces.may_cancel(booking, before)
    assert not spaces.may_change(booking, begun) and not spaces.may_cancel(booking, begun)
    with pytest.raises(Conflict, match="has begun"):
        spaces.change(booking, host=host, now=begun, title="改名")
    db.session.rollback()
    spaces.cancel(booking, host=host, now=before)
    assert not spaces.may_change(booking, before) and not spaces.may_cancel(booking, before)


def test_a_full_refund_is_offered_until_the_deadline(app, room, make_host, at):
    booking = _book(make_host(), room, at(3, "10:00"))
    deadline = booking.start_at - timedelta(hours=app.config["BOOKING_REFUND_HOURS"])
    assert spaces.refunds_in_full(booking, deadline - timedelta(seconds=1))
    assert not spaces.refunds_in_full(booking, deadline)


def test_the_earliest_start_is_the_minimum_notice_ahead(app, room, make_host, at):
    now = at(1, "09:00")
    assert spaces.earliest_start(now) == now + timedelta(
        minutes=app.config["BOOKING_MIN_NOTICE_MINUTES"]
    )


def test_check_in_is_offered_to_the_host_in_the_window_and_to_staff_until_the_end(
    app, room, make_host, make_member, at
):
    host = make_host()
    staff = make_member(role="social_worker")
    booking = _book(host, room, at(2, "10:00"), hours=2)
    db.session.commit()
    times = attendance.check_in_times()
    assert (times.early, times.no_show) == (
        app.config["BOOKING_CHECK_IN_EARLY_MINUTES"],
        app.config["BOOKING_NO_SHOW_MINUTES"],
    )
    opens = booking.start_at - timedelta(minutes=times.early)
    late = booking.start_at + timedelta(minutes=times.no_show)
    assert not attendance.may_check_in(booking, host, opens - timedelta(seconds=1))
    assert attendance.may_check_in(booking, host, opens)
    assert not attendance.may_check_in(booking, host, late)
    assert attendance.may_check_in(booking, staff, late)
    assert not attendance.may_check_in(booking, staff, booking.end_at)
    attendance.check_in(booking, actor=host, now=opens)
    assert not attendance.may_check_in(booking, host, opens)


def test_a_booking_is_ahead_until_it_ends_and_an_offer_only_when_asked(room, make_host, at):
    booking = _book(make_host(), room, at(2, "10:00"))
    assert spaces.is_ahead(booking, booking.end_at - timedelta(seconds=1))
    assert not spaces.is_ahead(booking, booking.end_at)
    booking.status = "offered"
    assert spaces.is_ahead(booking, booking.start_at)
    assert not spaces.is_ahead(booking, booking.start_at, offers=False)
    db.session.rollback()


def test_the_door_poster_is_for_staff_of_the_space_s_community(room, make_member, places):
    assert spaces.may_manage(room, make_member(role="social_worker"))
    assert not spaces.may_manage(room, make_member(role="social_worker", community=places[1]))
    assert spaces.may_manage(room, make_member(role="admin", community=places[1]))
    assert not spaces.may_manage(room, make_member(level="host"))
