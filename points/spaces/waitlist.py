"""Waiting for a taken slot.

A host may wait on a time that is taken. When a booking stops holding its slot (cancelled,
rejected, released as a no-show, or an offer lapses), the first host waiting for a time
that is now wholly free is offered it: an `offered` booking keeps the slot for them — the
database counts it like any active booking — for BOOKING_OFFER_MINUTES. Accepting pays for
it like a new booking; declining or letting it lapse passes it to the next in line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, NotFound
from points.extensions import db
from points.members.models import Member
from points.spaces import services
from points.spaces.models import Booking, SpaceWait


def wait(
    host: Member,
    *,
    space_id,
    start,
    end,
    tier,
    title,
    expected_attendance=0,
    now: datetime | None = None,
) -> SpaceWait:
    """Join the line for a taken time (a free time is simply booked instead)."""
    now = now or utcnow()
    request = services.check_request(
        host,
        space_id=space_id,
        start=start,
        end=end,
        tier=tier,
        title=title,
        expected_attendance=expected_attendance,
        now=now,
    )
    host = services.lock_host(host, request.space)
    if (
        db.session.scalar(
            services._overlapping(request.space.id, request.start, request.end).limit(1)
        )
        is None
    ):
        raise Conflict("this time is free: book it instead of waiting", field="start")
    mine = db.session.scalar(
        sa.select(SpaceWait.id).where(
            SpaceWait.member_id == host.id,
            SpaceWait.space_id == request.space.id,
            SpaceWait.status.in_(("waiting", "offered")),
            SpaceWait.start_at < request.end,
            SpaceWait.end_at > request.start,
        )
    )
    if mine is not None:
        raise Conflict("you are already waiting for this time", field="start")
    entry = SpaceWait(
        space_id=request.space.id,
        member_id=host.id,
        start_at=request.start,
        end_at=request.end,
        tier=request.tier,
        title=request.title,
        expected_attendance=request.expected_attendance,
        status="waiting",
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _offer_next(space_id: int, start: datetime, end: datetime, now: datetime) -> None:
    """Offer freed time in `[start, end)` to the hosts waiting longest for it."""
    notice = timedelta(minutes=current_app.config["BOOKING_MIN_NOTICE_MINUTES"])
    waiting = db.session.scalars(
        sa.select(SpaceWait)
        .where(
            SpaceWait.space_id == space_id,
            SpaceWait.status == "waiting",
            SpaceWait.start_at < end,
            SpaceWait.end_at > start,
        )
        .order_by(SpaceWait.created_at, SpaceWait.id)
        .with_for_update(skip_locked=True, of=SpaceWait)
    ).all()
    offer_for = timedelta(minutes=current_app.config["BOOKING_OFFER_MINUTES"])
    for entry in waiting:
        if entry.start_at < now + notice:
            entry.status = "lapsed"
            continue
        if db.session.scalar(
            services._overlapping(space_id, entry.start_at, entry.end_at).limit(1)
        ):
            continue  # still partly taken: stays in line
        offered = Booking(
            space_id=space_id,
            host_id=entry.member_id,
            start_at=entry.start_at,
            end_at=entry.end_at,
            tier=entry.tier,
            title=entry.title,
            expected_attendance=entry.expected_attendance,
            status="offered",
            offer_expires_at=min(now + offer_for, entry.start_at - notice),
            created_at=now,
        )
        try:
            services._insert(offered)
        except Conflict:
            continue
        entry.status, entry.booking_id = "offered", offered.id
    db.session.flush()


def register() -> None:
    """Hook the line onto every booking that frees its slot (at application start)."""
    if _offer_next not in services._on_freed:
        services._on_freed.append(_offer_next)


def _own_offer(booking: Booking, host: Member) -> SpaceWait:
    entry = db.session.scalar(sa.select(SpaceWait).filter_by(booking_id=booking.id))
    if booking.host_id != host.id or entry is None:
        raise NotFound("no such offer", field="booking")
    return entry


def accept(booking: Booking, *, host: Member, now: datetime | None = None) -> Booking:
    """Take an offered slot: it is paid for (or held, where approval is needed) like any
    booking; a refusal (points, quota) leaves the offer open until it lapses."""
    now = now or utcnow()
    entry = _own_offer(booking, host)
    booking = lock_row(db.session, booking)
    if booking.status != "offered":
        raise Conflict(f"this offer is {booking.status}")
    if booking.offer_expires_at <= now:
        raise Conflict("this offer has lapsed")
    host = services.lock_host(host, booking.space)
    request = services.Request(
        booking.space,
        booking.start_at,
        booking.end_at,
        booking.tier,
        booking.title,
        booking.expected_attendance,
    )
    services._check_quota(host, request, other_than=booking.id)
    booking.status = "pending" if booking.space.needs_approval else "confirmed"
    booking.offer_expires_at = None
    services._pay(booking, now=now)
    entry.status = "booked"
    db.session.flush()
    return booking


def decline(booking: Booking, *, host: Member, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    entry = _own_offer(booking, host)
    booking = lock_row(db.session, booking)
    if booking.status != "offered":
        raise Conflict(f"this offer is {booking.status}")
    entry.status = "lapsed"
    services._end(booking, "lapsed", "offer declined", now)
    return booking


def lapse_offers(now: datetime | None = None) -> int:
    """Offers not taken up in time pass to the next host in line (the sweep); entries
    whose time has come without an offer leave the line."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Booking)
        .where(Booking.status == "offered", Booking.offer_expires_at <= now)
        .order_by(Booking.id)
        .with_for_update(skip_locked=True, of=Booking)
    ).all()
    for booking in due:
        entry = db.session.scalar(sa.select(SpaceWait).filter_by(booking_id=booking.id))
        if entry is not None:
            entry.status = "lapsed"
        services._end(booking, "lapsed", "offer not taken up in time", now)
    db.session.execute(
        sa.update(SpaceWait)
        .where(SpaceWait.status == "waiting", SpaceWait.start_at <= now)
        .values(status="lapsed")
    )
    return len(due)


def withdraw(entry_id, *, host: Member) -> SpaceWait:
    entry = db.session.get(SpaceWait, entry_id) if is_id(entry_id) else None
    if entry is None or entry.member_id != host.id:
        raise NotFound("no such waiting entry", field="wait")
    entry = lock_row(db.session, entry)
    if entry.status == "waiting":
        entry.status = "withdrawn"
    elif entry.status != "withdrawn":
        raise Conflict(f"this entry is {entry.status}")
    db.session.flush()
    return entry


def waits_of(host: Member) -> list[SpaceWait]:
    return list(
        db.session.scalars(
            sa.select(SpaceWait)
            .where(SpaceWait.member_id == host.id, SpaceWait.status.in_(("waiting", "offered")))
            .order_by(SpaceWait.start_at)
        )
    )
