"""Programmes: who may create and edit them, the fee rule in code and in the database, and
sessions scheduled from the host's own confirmed bookings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from points.activities import events
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.programmes import services as programmes
from points.programmes.fees import parse_yuan, yuan
from points.programmes.models import Programme
from points.spaces import services as spaces


def test_a_host_creates_a_programme_on_each_tier_with_its_fee(host):
    free = programmes.create_programme(host, name="苏大夜校", tier="free", capacity=20)
    low = programmes.create_programme(
        host, name="女性工坊", tier="low_fee", fee_fen=1000, capacity=12
    )
    assert (free.fee_fen, free.host_id, free.community_id) == (0, host.id, host.community_id)
    assert yuan(low.fee_fen) == "¥10.00"


@pytest.mark.parametrize(
    "tier, fee, field",
    [
        ("free", 500, "fee_fen"),
        ("low_fee", 0, "fee_fen"),
        ("market", -1, "fee_fen"),
        ("gold", 0, "tier"),
    ],
)
def test_the_fee_must_fit_the_tier(host, tier, fee, field):
    with pytest.raises(InvalidInput) as refused:
        programmes.create_programme(host, name="课", tier=tier, fee_fen=fee, capacity=5)
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 0


def test_the_database_refuses_a_fee_on_a_free_programme(host):
    programme = programmes.create_programme(host, name="童享花园", tier="free", capacity=10)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(Programme).values(fee_fen=100))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(Programme).values(tier="market", fee_fen=0))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Programme, programme.id).fee_fen == 0


def test_fees_are_typed_in_yuan_and_shown_with_two_decimals():
    assert parse_yuan("12.5") == 1250 and parse_yuan("¥40") == 4000 and parse_yuan("") == 0
    assert yuan(1250) == "¥12.50" and yuan(5) == "¥0.05"
    for bad in ("12.345", "abc", "-3", "nan"):
        with pytest.raises(InvalidInput):
            parse_yuan(bad)


def test_a_resident_may_not_create_a_programme(resident):
    with pytest.raises(Forbidden):
        programmes.create_programme(resident, name="课", tier="free", capacity=5)


def test_only_its_host_or_staff_edit_a_programme(programme, other_host, social_worker):
    with pytest.raises(Forbidden):
        programmes.update_programme(programme, actor=other_host, changes={"name": "别人的"})
    db.session.rollback()
    programmes.update_programme(
        programme, actor=social_worker, changes={"tier": "low_fee", "fee_fen": 1500}
    )
    programmes.update_programme(programme, actor=programme.host, changes={"capacity": 8})
    db.session.commit()
    assert (programme.tier, programme.fee_fen, programme.capacity) == ("low_fee", 1500, 8)
    with pytest.raises(InvalidInput) as refused:
        programmes.update_programme(programme, actor=programme.host, changes={"tier": "free"})
    assert "fee_fen" in refused.value.errors


def test_a_session_takes_its_time_and_place_from_the_hosts_booking(programme, book):
    booking = book(programme.host)
    session = programmes.schedule_session(programme, booking_id=booking.id, actor=programme.host)
    db.session.commit()
    activity = session.activity
    assert (activity.starts_at, activity.ends_at) == (booking.start_at, booking.end_at)
    assert (activity.capacity, activity.title, activity.place) == (3, "瑜伽课", "活动室")
    assert activity.activity_type.code == programmes.SESSION_ACTIVITY_TYPE
    with pytest.raises(Conflict):  # one booking holds one session
        programmes.schedule_session(programme, booking_id=booking.id, actor=programme.host)


def test_another_hosts_booking_cannot_hold_the_session(programme, other_host, book):
    theirs = book(other_host)
    with pytest.raises(NotFound) as refused:
        programmes.schedule_session(programme, booking_id=theirs.id, actor=programme.host)
    assert "booking_id" in refused.value.errors


def test_a_cancelled_booking_cannot_hold_the_session(programme, book):
    booking = book(programme.host)
    spaces.cancel(booking, host=programme.host)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        programmes.schedule_session(programme, booking_id=booking.id, actor=programme.host)
    assert "booking_id" in refused.value.errors
    assert events.upcoming(programme.host) == []
