"""Check-in at the space and no-show release.

A host checks in from BOOKING_CHECK_IN_EARLY_MINUTES before the start — by scanning the QR
code posted at the space, or a staff member does it for them. A confirmed booking nobody
checked in BOOKING_NO_SHOW_MINUTES after its start is released by the application itself
(the sweep): it becomes a no-show for the host's assessment, keeps its cost, and the rest
of its time is bookable again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from points.database import lock_row, utcnow
from points.errors import Conflict, InvalidInput, NotFound
from points.extensions import db
from points.members import services as members
from points.members.models import Member
from points.spaces import core, services
from points.spaces import messages as M
from points.spaces.models import Booking, Space

SALT = "space-check-in"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def space_code(space: Space) -> str:
    """What the QR code posted at the door encodes: signed, so it cannot be made up."""
    return _signer().dumps({"s": space.id})


def space_of_code(code) -> Space:
    try:
        data = _signer().loads(code if isinstance(code, str) else "")
        return core.get_space(data["s"])
    except (BadSignature, KeyError, TypeError, NotFound):
        raise InvalidInput(M.NOT_A_CHECK_IN_CODE, field="code") from None


def window(booking: Booking) -> tuple[datetime, datetime]:
    """When the host may check in: from shortly before the start until the no-show cut."""
    config = current_app.config
    early = timedelta(minutes=config["BOOKING_CHECK_IN_EARLY_MINUTES"])
    late = timedelta(minutes=config["BOOKING_NO_SHOW_MINUTES"])
    return booking.start_at - early, min(booking.start_at + late, booking.end_at)


@dataclass(frozen=True)
class CheckInTimes:
    """What the pages tell hosts: check-in opens `early` minutes before the start, and a
    booking not checked in `no_show` minutes after it is released."""

    early: int
    no_show: int


def check_in_times() -> CheckInTimes:
    config = current_app.config
    return CheckInTimes(
        early=config["BOOKING_CHECK_IN_EARLY_MINUTES"], no_show=config["BOOKING_NO_SHOW_MINUTES"]
    )


def may_check_in(booking: Booking, actor: Member, now: datetime | None = None) -> bool:
    """Whether `actor` may check the booking in now (as `check_in` decides): a confirmed
    booking not yet checked in, within the host's window — or, for staff (whose scope the
    caller has settled), from the window's opening until the booking ends."""
    if booking.status != "confirmed" or booking.checked_in_at is not None:
        return False
    now = now or utcnow()
    opens, closes = window(booking)
    if actor.id != booking.host_id:
        closes = booking.end_at
    return opens <= now < closes


def check_in(booking: Booking, *, actor: Member, now: datetime | None = None) -> Booking:
    """The host (own booking, within the window) or community staff (until it ends)."""
    now = now or utcnow()
    staff = actor.id != booking.host_id
    if staff:
        services.require_manager(booking.space, actor)
    booking = lock_row(db.session, booking)
    if booking.checked_in_at is not None:
        return booking
    if booking.status != "confirmed":
        raise Conflict(M.BOOKING_IS, status=booking.status)
    opens, closes = window(booking)
    if staff:
        closes = booking.end_at
    if now < opens:
        raise Conflict(M.CHECK_IN_OPENS, time=opens)
    if now >= closes:
        raise Conflict(M.CHECK_IN_CLOSED)
    booking.checked_in_at, booking.checked_in_by = now, actor.id
    db.session.flush()
    return booking


def check_in_here(space: Space, host: Member, *, now: datetime | None = None) -> Booking:
    """Scanning the space's code: check in the host's booking there that is due now."""
    now = now or utcnow()
    early = timedelta(minutes=current_app.config["BOOKING_CHECK_IN_EARLY_MINUTES"])
    due = db.session.scalar(
        sa.select(Booking)
        .where(
            Booking.space_id == space.id,
            Booking.host_id == host.id,
            Booking.status == "confirmed",
            Booking.start_at <= now + early,
            Booking.end_at > now,
        )
        .order_by(Booking.start_at)
        .limit(1)
    )
    if due is None:
        raise NotFound(M.NOTHING_TO_CHECK_IN, field="code")
    return check_in(due, actor=host, now=now)


def release_no_shows(now: datetime | None = None) -> int:
    """Release confirmed bookings nobody checked in to in time (the sweep)."""
    now = now or utcnow()
    cut = now - timedelta(minutes=current_app.config["BOOKING_NO_SHOW_MINUTES"])
    due = db.session.scalars(
        sa.select(Booking)
        .where(
            Booking.status == "confirmed",
            Booking.checked_in_at.is_(None),
            Booking.start_at <= cut,
        )
        .order_by(Booking.id)
        .with_for_update(skip_locked=True, of=Booking)
    ).all()
    minutes = current_app.config["BOOKING_NO_SHOW_MINUTES"]
    for booking in due:
        core.end(booking, "no_show", "not checked in", now)
        core.tell(booking, M.BOOKING_NO_SHOW, now, minutes=minutes)
    return len(due)


def bookings_used(member_id: int, start: datetime, end: datetime) -> float:
    """Assessment measure: bookings in [start, end) the host checked in to."""
    return float(
        db.session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.host_id == member_id,
                Booking.checked_in_at.is_not(None),
                Booking.start_at >= start,
                Booking.start_at < end,
            )
        )
        or 0
    )


def no_shows(member_id: int, start: datetime, end: datetime) -> float:
    """Assessment measure: bookings in [start, end) released as no-shows."""
    return float(
        db.session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.host_id == member_id,
                Booking.status == "no_show",
                Booking.start_at >= start,
                Booking.start_at < end,
            )
        )
        or 0
    )


def register_measures() -> None:
    members.register_measure("bookings_used", bookings_used)
    members.register_measure("no_shows", no_shows)
