"""No double booking under real concurrency: threads and processes, every database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.ledger.verify import verify_ledger
from points.members import services as members
from points.spaces import services as spaces
from points.spaces.models import Booking
from tests.concurrency import race, tally

MODES = ["threads", "processes"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("overlap", ["same", "partial"])
def test_32_requests_for_one_slot_make_exactly_one_booking(app, mode, overlap, room, make_host, at):
    hosts = [make_host(points=100).id for _ in range(32)]
    room_id = room.id
    ranges = {
        "same": [(at(2, "10:00"), at(2, "11:00"))] * 2,
        "partial": [(at(2, "10:00"), at(2, "11:00")), (at(2, "10:30"), at(2, "11:30"))],
    }[overlap]
    db.session.commit()

    def attempt(i):
        start, end = ranges[i % 2]
        return spaces.book(
            members.get_member(hosts[i]),
            space_id=room_id,
            start=start,
            end=end,
            tier="low_fee",
            title="抢同一时段",
        ).id

    outcomes = race(app, attempt, 32, mode)
    assert tally(outcomes) == {"ok": 1, "Conflict": 31}, outcomes
    with app.app_context():
        active = db.session.scalar(
            sa.select(sa.func.count()).select_from(Booking).where(Booking.status == "confirmed")
        )
        assert active == 1
        report = verify_ledger()
        assert report.ok, report.faults


@pytest.mark.parametrize("mode", MODES)
def test_one_host_booking_many_slots_at_once_stays_within_the_weekly_quota(
    app, mode, room, make_host, at
):
    """16 one-hour bookings at once, each in a different free slot, quota 3 hours → 3."""
    app.config["BOOKING_WEEKLY_QUOTA_HOURS"] = 3
    monday = at(7, "08:00") - timedelta(days=at(7, "08:00").weekday())
    host_id, room_id = make_host(points=1000).id, room.id
    db.session.commit()

    def attempt(i):
        start = monday + timedelta(days=i % 7, hours=i // 7 * 2)
        return spaces.book(
            members.get_member(host_id),
            space_id=room_id,
            start=start,
            end=start + timedelta(hours=1),
            tier="low_fee",
            title="配额",
        ).id

    outcomes = race(app, attempt, 16, mode)
    assert tally(outcomes) == {"ok": 3, "InvalidInput": 13}, outcomes
    with app.app_context():
        report = verify_ledger()
        assert report.ok, report.faults
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Booking).where(Booking.host_id == host_id)
            )
            == 3
        )


@pytest.mark.parametrize("mode", MODES)
def test_32_hosts_accepting_and_booking_a_freed_slot_at_once_make_one_booking(
    app, mode, room, make_host, at
):
    """A slot offered to a waiting host: the offer holds it against 31 others booking it."""
    from points.spaces import waitlist

    holder, waiting = make_host(points=100), make_host(points=100)
    others = [make_host(points=100).id for _ in range(31)]
    taken = spaces.book(
        holder,
        space_id=room.id,
        start=at(2, "10:00"),
        end=at(2, "11:00"),
        tier="low_fee",
        title="占用",
    )
    db.session.commit()
    waitlist.wait(
        waiting,
        space_id=room.id,
        start=at(2, "10:00"),
        end=at(2, "11:00"),
        tier="low_fee",
        title="等候",
    )
    spaces.cancel(taken, host=holder)
    db.session.commit()
    offer_id, waiting_id, room_id = (
        db.session.scalar(sa.select(Booking.id).where(Booking.host_id == waiting.id)),
        waiting.id,
        room.id,
    )
    db.session.commit()

    def attempt(i):
        if i == 0:
            return waitlist.accept(
                spaces.get_booking(offer_id), host=members.get_member(waiting_id)
            ).id
        return spaces.book(
            members.get_member(others[i - 1]),
            space_id=room_id,
            start=at(2, "10:00"),
            end=at(2, "11:00"),
            tier="low_fee",
            title="抢",
        ).id

    outcomes = race(app, attempt, 32, mode)
    assert outcomes[0] == ("ok", offer_id), outcomes[0]
    assert tally(outcomes) == {"ok": 1, "Conflict": 31}, outcomes


def test_a_host_suspended_while_booking_keeps_no_future_booking(
    app, room, make_host, make_member, social_worker, at
):
    host_id = make_host(points=500).id
    worker_id, room_id = social_worker.id, room.id
    slots = [
        (at(2 + i // 4, f"{10 + i % 4}:00"), at(2 + i // 4, f"{11 + i % 4}:00")) for i in range(8)
    ]
    db.session.commit()

    def attempt(i):
        if i == 0:
            return members.set_status(
                members.get_member(host_id),
                "suspended",
                reason="暂停服务",
                actor=members.get_member(worker_id),
            ).id
        start, end = slots[i]
        return spaces.book(
            members.get_member(host_id),
            space_id=room_id,
            start=start,
            end=end,
            tier="low_fee",
            title="与暂停同时",
        ).id

    outcomes = race(app, attempt, 8, "threads")
    assert all(kind in ("ok", "Forbidden") for kind, _ in outcomes), outcomes
    assert outcomes[0][0] == "ok"
    with app.app_context():
        left = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Booking)
            .where(Booking.host_id == host_id, Booking.status.in_(("pending", "confirmed")))
        )
        assert left == 0, "every booking made before the suspension was cancelled"
        assert verify_ledger().ok
