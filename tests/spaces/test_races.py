"""No double booking under real concurrency: threads and processes, every database."""

from __future__ import annotations

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
