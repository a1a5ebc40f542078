"""What a host hears about their bookings (approved, rejected, not decided in time, released
as a no-show, cancelled by the platform) and what social workers hear of bookings to approve."""

from __future__ import annotations

from points import housekeeping
from points.extensions import db
from points.members import services as members
from points.notifications import services as notifications
from points.spaces import messages as M
from points.spaces import series
from points.spaces import services as spaces
from tests.notifications.told import link, params, the_one, told


def _book(host, space, start, end, **kw):
    return spaces.book(
        host, space_id=space.id, start=start, end=end, tier="low_fee", title="青年夜校", **kw
    )


def test_a_booking_to_approve_asks_the_spaces_social_workers_until_one_approves(
    app, hall, make_host, make_member, social_worker, places, at
):
    elsewhere = make_member(role="social_worker", community=places[1])
    host = make_host(points=200, name="宋老师")
    booking = _book(host, hall, at(3, "10:00"), at(3, "12:00"))
    db.session.commit()
    asked = the_one(social_worker, M.BOOKING_TO_APPROVE)
    said = params(asked)
    assert (said["host"], said["title"], said["start"]) == ("宋老师", "青年夜校", booking.start_at)
    assert said["space"] == {"zh": "多功能厅", "en": "Hall"}
    assert link(app, asked) == "/bookings/queue"
    assert notifications.needs_answer(social_worker) == [asked]
    assert told(elsewhere) == [] and told(host) == []
    spaces.approve(booking, actor=social_worker)
    db.session.commit()
    assert notifications.needs_answer(social_worker) == []
    approved = the_one(host, M.BOOKING_APPROVED)
    assert params(approved)["end"] == booking.end_at
    assert link(app, approved) == "/me/bookings"


def test_a_rejection_tells_the_host_the_reason(app, hall, make_host, social_worker, at):
    host = make_host(points=200)
    booking = _book(host, hall, at(3, "10:00"), at(3, "12:00"))
    spaces.reject(booking, actor=social_worker, reason="当天有社区大会")
    db.session.commit()
    rejected = the_one(host, M.BOOKING_REJECTED)
    assert params(rejected)["reason"] == "当天有社区大会"
    assert link(app, rejected) == "/me/bookings"
    assert notifications.needs_answer(social_worker) == []


def test_a_weekly_series_to_approve_asks_once(hall, make_host, social_worker, at):
    host = make_host(points=500)
    made = series.book_weekly(
        host,
        space_id=hall.id,
        start=at(3, "10:00"),
        end=at(3, "11:00"),
        weeks=3,
        tier="low_fee",
        title="合唱排练",
    )
    db.session.commit()
    assert len(made.bookings) == 3
    asked = the_one(social_worker, M.BOOKING_TO_APPROVE)
    assert params(asked)["start"] == made.bookings[0].start_at


def test_a_booking_nobody_decided_before_its_start_tells_the_host(
    hall, make_host, social_worker, at
):
    host = make_host(points=100)
    _book(host, hall, at(2, "10:00"), at(2, "11:00"))
    db.session.commit()
    assert housekeeping.sweep(now=at(2, "10:00"))["bookings_unapproved"] == 1
    db.session.commit()
    the_one(host, M.BOOKING_NOT_DECIDED)
    assert notifications.needs_answer(social_worker) == []


def test_a_no_show_release_tells_the_host(app, room, make_host, at):
    host = make_host(points=100)
    booking = _book(host, room, at(2, "10:00"), at(2, "12:00"))
    db.session.commit()
    assert housekeeping.sweep(now=at(2, "10:15"))["bookings_no_show"] == 1
    db.session.commit()
    released = the_one(host, M.BOOKING_NO_SHOW)
    assert (params(released)["minutes"], params(released)["start"]) == (15, booking.start_at)
    assert link(app, released) == "/me/bookings"
    # The sweep again: nothing more (the booking is no longer confirmed).
    housekeeping.sweep(now=at(2, "10:16"))
    db.session.commit()
    assert len(told(host)) == 1


def test_a_suspension_tells_the_host_of_each_booking_it_cancelled(
    app, room, make_host, social_worker, at
):
    host = make_host(points=200)
    first = _book(host, room, at(3, "10:00"), at(3, "12:00"))
    second = _book(host, room, at(4, "10:00"), at(4, "11:00"))
    db.session.commit()
    members.set_status(host, "suspended", reason="多次违规", actor=social_worker)
    db.session.commit()
    cancelled = told(host, M.BOOKING_CANCELLED)
    assert [n.subject for n in cancelled] == [f"booking:{first.id}", f"booking:{second.id}"]
    assert [(params(n)["points"], params(n)["minutes"]) for n in cancelled] == [(40, 0), (20, 0)]
    assert link(app, cancelled[0]) == "/me/bookings"
