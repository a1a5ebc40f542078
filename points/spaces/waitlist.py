"""Waiting for a taken slot.

A host may wait on a time that is taken. When a booking stops holding its slot (cancelled,
rejected, released as a no-show, or an offer lapses), the first host waiting for a time
that is now wholly free is offered it: an `offered` booking keeps the slot for them — the
database counts it like any active booking — for BOOKING_OFFER_MINUTES. Accepting pays for
it like a new booking; declining or letting it lapse passes it to the next in line. The
offer itself is made where every booking ends, `core.offer_freed_time`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, NotFound, PointsError
from points.extensions import db
from points.members.models import Member
from points.notifications import services as notifications
from points.spaces import core, series
from points.spaces import messages as M
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
    request = core.check_request(
        host,
        space_id=space_id,
        start=start,
        end=end,
        tier=tier,
        title=title,
        expected_attendance=expected_attendance,
        now=now,
    )
    host = core.lock_host(host, request.space)
    taken = core.overlapping(request.space.id, request.start, request.end).limit(1)
    if db.session.scalar(taken) is None:
        raise Conflict(M.TIME_IS_FREE, field="start")
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
        raise Conflict(M.ALREADY_WAITING, field="start")
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


@dataclass
class WeeklyWait:
    """What waiting for every week of a series did: the weeks waited for, and the weeks
    that were free (to book instead) or already waited for."""

    waits: list[SpaceWait] = field(default_factory=list)
    free: list[date] = field(default_factory=list)
    already: list[date] = field(default_factory=list)


def wait_weekly(
    host: Member, *, weeks, start, end, now: datetime | None = None, **request
) -> WeeklyWait:
    """Join the line for the same local time in each of `weeks` weeks (a weekly series):
    every taken week is waited for as `wait` would; free weeks are left to be booked and
    named, and so are weeks already waited for. Refused as `wait` when no week is taken."""
    now = now or utcnow()
    weeks = series.weeks_of(weeks)
    result = WeeklyWait()
    for occurrence_start, occurrence_end in series.weekly_times(start, end, weeks):
        try:
            with db.session.begin_nested():
                made = wait(host, start=occurrence_start, end=occurrence_end, now=now, **request)
        except PointsError as error:
            if error.key == M.TIME_IS_FREE.key:
                result.free.append(occurrence_start.date())
            elif error.key == M.ALREADY_WAITING.key:
                result.already.append(occurrence_start.date())
            else:
                raise
            continue
        result.waits.append(made)
    if not result.waits and not result.already:
        raise Conflict(M.TIME_IS_FREE, field="start")
    return result


def _own_offer(booking: Booking, host: Member) -> SpaceWait:
    entry = db.session.scalar(sa.select(SpaceWait).filter_by(booking_id=booking.id))
    if booking.host_id != host.id or entry is None:
        raise NotFound(M.NO_SUCH_OFFER, field="booking")
    return entry


def accept(booking: Booking, *, host: Member, now: datetime | None = None) -> Booking:
    """Take an offered slot: it is paid for (or held, where approval is needed) like any
    booking; a refusal (points, quota) leaves the offer open until it lapses."""
    now = now or utcnow()
    entry = _own_offer(booking, host)
    booking = lock_row(db.session, booking)
    if booking.status != "offered":
        raise Conflict(M.OFFER_IS, status=booking.status)
    if booking.offer_expires_at <= now:
        raise Conflict(M.OFFER_LAPSED)
    host = core.lock_host(host, booking.space)
    core.check_quota(host, core.Request.of(booking), other_than=booking.id)
    booking.status = "pending" if booking.space.needs_approval else "confirmed"
    booking.offer_expires_at = None
    notifications.settle(f"booking:{booking.id}", now=now)
    core.pay(booking, now=now)
    entry.status = "booked"
    db.session.flush()
    if booking.status == "pending":
        core.ask_managers(booking, now)
    return booking


def decline(booking: Booking, *, host: Member, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    entry = _own_offer(booking, host)
    booking = lock_row(db.session, booking)
    if booking.status != "offered":
        raise Conflict(M.OFFER_IS, status=booking.status)
    entry.status = "lapsed"
    core.end(booking, "lapsed", "offer declined", now)
    notifications.settle(f"booking:{booking.id}", now=now)
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
        core.end(booking, "lapsed", "offer not taken up in time", now)
        notifications.settle(f"booking:{booking.id}", now=now)
    db.session.execute(
        sa.update(SpaceWait)
        .where(SpaceWait.status == "waiting", SpaceWait.start_at <= now)
        .values(status="lapsed")
    )
    return len(due)


def withdraw(entry_id, *, host: Member) -> SpaceWait:
    entry = db.session.get(SpaceWait, entry_id) if is_id(entry_id) else None
    if entry is None or entry.member_id != host.id:
        raise NotFound(M.NO_SUCH_WAIT, field="wait")
    entry = lock_row(db.session, entry)
    if entry.status == "waiting":
        entry.status = "withdrawn"
    elif entry.status != "withdrawn":
        raise Conflict(M.WAIT_IS, status=entry.status)
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
