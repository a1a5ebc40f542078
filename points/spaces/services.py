"""Booking shared space: book on slot boundaries inside opening hours, pay space minutes
first and then points, approve or reject bookings that need it, cancel with a refund rule.

The face pages, the API and the seed call. The steps every booking path shares (checking a
request, overlap, paying, giving back, ending, offering freed time) are the booking core,
`points.spaces.core`; its names that callers use are re-exported here.

No two active bookings of a space overlap: the service looks first (for a clear message) and
the database refuses what slips past (exclusion constraint / triggers), which a savepoint
turns into the same conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from points import messages as shared
from points import validate
from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.ledger import services as ledger
from points.members import helpers
from points.members import services as members
from points.members.models import LEVELS, Community, Member
from points.notifications import render
from points.notifications import services as notifications
from points.spaces import core
from points.spaces import messages as M
from points.spaces.models import (
    ACTIVE,
    BLOCKING,
    DEFAULT_DAY_PARTS,
    TIERS,
    Booking,
    Space,
    SpaceClosure,
)
from points.validate import aware_time

# The booking core's names that pages, the API, the seed and the tests reach through this face.
WEEKDAYS = core.WEEKDAYS
clock_minutes = core.clock_minutes
get_space = core.get_space
closures = core.closures
check_slot = core.check_slot
Request = core.Request
check_request = core.check_request
week_of = core.week_of
may_book = core.may_book
lock_host = core.lock_host
Price = core.Price
price = core.price

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


# ---------------------------------------------------------------------------- spaces


def _opening_hours(value) -> dict:
    if not isinstance(value, dict) or set(value) - set(WEEKDAYS):
        raise InvalidInput(M.OPENING_HOURS_SHAPE, field="opening_hours")
    hours = {}
    for day in WEEKDAYS:
        intervals = value.get(day, [])
        checked = []
        for pair in intervals:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(t, str) and HHMM.match(t) for t in pair)
                or core.clock_minutes(pair[0]) >= core.clock_minutes(pair[1])
            ):
                raise InvalidInput(M.OPENING_INTERVAL, field="opening_hours", day=day)
            checked.append([pair[0], pair[1]])
        hours[day] = checked
    return hours


def _day_parts(value) -> list[dict]:
    """[{name_zh, name_en, start, end}, …]: named, ordered, non-overlapping local times."""
    if value is None:
        return list(DEFAULT_DAY_PARTS)
    if not isinstance(value, list) or not value:
        raise InvalidInput(M.DAY_PARTS_SHAPE, field="day_parts")
    parts, last_end = [], 0
    for part in value:
        if (
            not isinstance(part, dict)
            or set(part) != {"name_zh", "name_en", "start", "end"}
            or not all(isinstance(part[k], str) and part[k].strip() for k in part)
            or not all(HHMM.match(part[k]) for k in ("start", "end"))
            or not last_end <= core.clock_minutes(part["start"]) < core.clock_minutes(part["end"])
        ):
            raise InvalidInput(M.DAY_PARTS_SHAPE, field="day_parts")
        last_end = core.clock_minutes(part["end"])
        parts.append({k: part[k].strip() for k in ("name_zh", "name_en", "start", "end")})
    return parts


def ensure_space(
    *,
    code,
    community,
    name_zh,
    name_en,
    capacity,
    opening_hours,
    slot_minutes=30,
    min_level="host",
    needs_approval=False,
    price_free=0,
    price_low_fee=0,
    price_market=0,
    day_parts=None,
) -> Space:
    """Create a space unless its code exists (seed loading)."""
    found = db.session.scalar(sa.select(Space).filter_by(code=code))
    if found is not None:
        return found
    if not isinstance(code, str) or not re.match(r"^[a-z0-9][a-z0-9-]{0,39}$", code):
        raise InvalidInput(M.SPACE_CODE, field="code")
    community_id = db.session.scalar(sa.select(Community.id).filter_by(name=community))
    if community_id is None:
        raise InvalidInput(M.NOT_A_COMMUNITY, field="community")
    if min_level not in LEVELS:
        raise InvalidInput(M.MIN_LEVEL, field="min_level", values=LEVELS)
    if slot_minutes not in (15, 30, 60):
        raise InvalidInput(M.SLOT_MINUTES, field="slot_minutes")
    for name, value in (
        ("capacity", capacity),
        ("price_free", price_free),
        ("price_low_fee", price_low_fee),
        ("price_market", price_market),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
            raise InvalidInput(shared.WHOLE_NUMBER, field=name, low=0, high=100_000)
    space = Space(
        code=code,
        community_id=community_id,
        name_zh=name_zh,
        name_en=name_en,
        capacity=capacity,
        slot_minutes=slot_minutes,
        opening_hours=_opening_hours(opening_hours),
        min_level=min_level,
        needs_approval=bool(needs_approval),
        price_free=price_free,
        price_low_fee=price_low_fee,
        price_market=price_market,
        day_parts=_day_parts(day_parts),
    )
    db.session.add(space)
    db.session.flush()
    return space


def spaces(community_id: int | None = None) -> list[Space]:
    query = sa.select(Space).where(Space.active).order_by(Space.id)
    if community_id is not None:
        query = query.where(Space.community_id == community_id)
    return list(db.session.scalars(query))


def _day(value, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(M.DATE, field=field) from None


def community_closed_days(community_id: int, first: date, last: date) -> set[date]:
    """The days between `first` and `last` on which the whole community is closed (a
    closure for every space of it: a public holiday, the Spring Festival week)."""
    rows = db.session.execute(
        sa.select(SpaceClosure.starts_on, SpaceClosure.ends_on).where(
            SpaceClosure.community_id == community_id,
            SpaceClosure.space_id.is_(None),
            SpaceClosure.starts_on <= last,
            SpaceClosure.ends_on >= first,
        )
    )
    closed = set()
    for starts_on, ends_on in rows:
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            closed.add(day)
            day += timedelta(days=1)
    return closed


def ensure_closure(*, community, starts_on, ends_on, reason_zh, reason_en="", space=None):
    """A closed stretch of days for one space, or for every space of a community (seed)."""
    community_id = db.session.scalar(sa.select(Community.id).filter_by(name=community))
    if community_id is None:
        raise InvalidInput(M.NOT_A_COMMUNITY, field="community")
    space_id = None
    if space is not None:
        space_id = db.session.scalar(
            sa.select(Space.id).filter_by(code=space, community_id=community_id)
        )
        if space_id is None:
            raise InvalidInput(M.NOT_A_SPACE_OF_COMMUNITY, field="space")
    first, last = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if last < first:
        raise InvalidInput(M.CLOSURE_ENDS_BEFORE_START, field="ends_on")
    if not isinstance(reason_zh, str) or not 0 < len(reason_zh.strip()) <= 80:
        raise InvalidInput(M.REQUIRED_SHORT, field="reason_zh")
    found = db.session.scalar(
        sa.select(SpaceClosure).filter_by(
            community_id=community_id, space_id=space_id, starts_on=first, ends_on=last
        )
    )
    if found is not None:
        return found
    closure = SpaceClosure(
        community_id=community_id,
        space_id=space_id,
        starts_on=first,
        ends_on=last,
        reason_zh=reason_zh.strip(),
        reason_en=str(reason_en or "").strip()[:120],
    )
    db.session.add(closure)
    db.session.flush()
    return closure


def opening(space: Space, day: date) -> list[tuple[datetime, datetime]]:
    """The aware [open, close) intervals of a local day, none when the space is closed."""
    if closures(space, day, day):
        return []
    day_start = datetime.combine(day, time(0), tzinfo=core.zone())
    return [
        (
            day_start + timedelta(minutes=core.clock_minutes(o)),
            day_start + timedelta(minutes=core.clock_minutes(c)),
        )
        for o, c in space.opening_hours.get(WEEKDAYS[day.weekday()], [])
    ]


# ---------------------------------------------------------------------------- booking


def book(
    host: Member,
    *,
    space_id,
    start,
    end,
    tier,
    title,
    expected_attendance=0,
    series_id: str | None = None,
    actor: Member | None = None,
    counter: bool = False,
    now: datetime | None = None,
) -> Booking:
    """Book `[start, end)`; confirmed at once, or pending with its cost held.

    `actor` is who presses Book when it is not the host (代办: a helper the host named for
    `book`, or with `counter` a social worker with the host there in person): every check
    is the host's (level, quota, notice), the host's minutes and points pay, the booking is
    the host's and says who acted, and the host is told."""
    now = now or utcnow()
    on_behalf = helpers.authorise(actor, host, "book", counter=counter, now=now)
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
    if db.session.scalar(core.overlapping(request.space.id, request.start, request.end).limit(1)):
        raise Conflict(M.SLOT_TAKEN, field="start")
    host = core.lock_host(host, request.space)
    core.check_quota(host, request)
    booking = Booking(
        space_id=request.space.id,
        host_id=host.id,
        start_at=request.start,
        end_at=request.end,
        tier=request.tier,
        title=request.title,
        expected_attendance=request.expected_attendance,
        status="pending" if request.space.needs_approval else "confirmed",
        series_id=series_id,
        created_at=now,
        acted_by=on_behalf.actor.id if on_behalf else None,
        helper_grant_id=on_behalf.grant_id if on_behalf else None,
    )
    core.insert(booking)
    core.pay(booking, now=now)
    if booking.status == "pending":
        core.ask_managers(booking, now)
    space = request.space
    local = booking.start_at.astimezone(core.zone())
    helpers.tell_acted(
        host,
        on_behalf,
        render.names(
            f"预约了 {space.name_zh} {local:%m-%d %H:%M}–"
            f"{booking.end_at.astimezone(core.zone()):%H:%M}"
            f"（{booking.cost_minutes} 分钟空间时长 + {booking.cost_points} 积分）",
            f"booked {space.name_en or space.name_zh} {local:%m-%d %H:%M}–"
            f"{booking.end_at.astimezone(core.zone()):%H:%M}"
            f" ({booking.cost_minutes} space-use minutes + {booking.cost_points} points)",
        ),
        subject=f"helper-acted:booking:{booking.id}",
        now=now,
    )
    return booking


def change(
    booking: Booking,
    *,
    host: Member,
    now: datetime | None = None,
    **changes,
) -> Booking:
    """Edit a booking before it begins. A new time or space re-prices it (what was paid
    comes back in full, the new cost is charged) and, where the space needs approval,
    sends it back to the approval queue; a new title or attendance changes only those."""
    now = now or utcnow()
    if booking.host_id != host.id:
        raise NotFound(M.NO_SUCH_BOOKING, field="booking")
    unknown = set(changes) - {"space_id", "start", "end", "title", "expected_attendance", "tier"}
    if unknown:
        raise InvalidInput(M.NOT_CHANGEABLE, field=sorted(unknown)[0])
    booking = lock_row(db.session, booking)
    if booking.status not in ACTIVE:
        raise Conflict(M.BOOKING_IS, status=booking.status)
    if now >= booking.start_at:
        raise Conflict(M.BEGUN_NO_CHANGE)
    wanted = {
        "space_id": booking.space_id,
        "start": booking.start_at,
        "end": booking.end_at,
        "tier": booking.tier,
        "title": booking.title,
        "expected_attendance": booking.expected_attendance,
    } | {k: v for k, v in changes.items() if v is not None}
    moves = (
        wanted["space_id"] != booking.space_id
        or aware_time(wanted["start"], "start") != booking.start_at
        or aware_time(wanted["end"], "end") != booking.end_at
        or wanted["tier"] != booking.tier
    )
    if not moves:
        booking.title = core.check_title(wanted["title"])
        booking.expected_attendance = core.check_attendance(
            wanted["expected_attendance"], booking.space
        )
        db.session.flush()
        return booking
    request = core.check_request(host, now=now, **wanted)
    host = core.lock_host(host, request.space)
    core.check_quota(host, request, other_than=booking.id)
    core.give_back(booking, share=100, reason="booking changed", now=now)
    was = (booking.space_id, booking.start_at, booking.end_at)
    booking.revision += 1
    booking.space_id, booking.space = request.space.id, request.space
    booking.start_at, booking.end_at = request.start, request.end
    booking.tier, booking.title = request.tier, request.title
    booking.expected_attendance = request.expected_attendance
    booking.status = "pending" if request.space.needs_approval else "confirmed"
    booking.decided_by = None
    core.insert(booking)
    core.pay(booking, now=now)
    if booking.status == "pending":
        core.ask_managers(booking, now)
    core.offer_freed_time(*was, now)
    return booking


def bookings_by_transfer(transfer_ids) -> dict[int, Booking]:
    """transfer id → the booking whose points that ledger transfer paid."""
    ids = [i for i in transfer_ids if i is not None]
    if not ids:
        return {}
    found = db.session.scalars(sa.select(Booking).where(Booking.points_transfer_id.in_(ids)))
    return {b.points_transfer_id: b for b in found}


def get_booking(booking_id) -> Booking:
    found = db.session.get(Booking, booking_id) if is_id(booking_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_BOOKING, field="booking")
    return found


def own_booking(booking_id, host: Member) -> Booking:
    found = get_booking(booking_id)
    if found.host_id != host.id:
        raise NotFound(M.NO_SUCH_BOOKING, field="booking")
    return found


def may_manage(space: Space, actor: Member) -> bool:
    """Whether `actor` looks after the space (as `require_manager` decides): staff of its
    community, or an admin."""
    return actor.is_staff and (actor.has_role("admin") or actor.community_id == space.community_id)


def require_manager(space: Space, actor: Member) -> None:
    members.require_staff(actor)
    if not actor.has_role("admin") and actor.community_id != space.community_id:
        raise Forbidden(M.NOT_YOUR_COMMUNITY)


def approve(booking: Booking, *, actor: Member, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    require_manager(booking.space, actor)
    booking = lock_row(db.session, booking)
    if booking.status == "confirmed":
        return booking
    if booking.status != "pending":
        raise Conflict(M.BOOKING_IS, status=booking.status)
    if now >= booking.start_at:
        raise Conflict(M.TIME_PASSED)
    for asset in ("minutes", "points"):
        hold_id = getattr(booking, f"{asset}_hold_id")
        if hold_id is not None:
            posted = ledger.post_hold(hold_id, actor_id=actor.id, now=now)
            setattr(booking, f"{asset}_transfer_id", posted.id)
    booking.status = "confirmed"
    booking.decided_by = actor.id
    db.session.flush()
    notifications.settle(core.approval_subject(booking), now=now)
    core.tell(booking, M.BOOKING_APPROVED, now)
    return booking


def reject(booking: Booking, *, actor: Member, reason, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    require_manager(booking.space, actor)
    reason = validate.reason(reason)
    booking = lock_row(db.session, booking)
    if booking.status != "pending":
        raise Conflict(M.BOOKING_IS, status=booking.status)
    core.release_holds(booking, actor_id=actor.id, reason=reason, now=now)
    booking.decided_by = actor.id
    core.end(booking, "rejected", reason, now)
    notifications.settle(core.approval_subject(booking), now=now)
    core.tell(booking, M.BOOKING_REJECTED, now, reason=reason)
    return booking


def cancel(booking: Booking, *, host: Member, now: datetime | None = None) -> Booking:
    """Cancel: before the refund deadline everything comes back; after it, the configured
    share; once the booking has begun it can no longer be cancelled."""
    now = now or utcnow()
    if booking.host_id != host.id:
        raise NotFound(M.NO_SUCH_BOOKING, field="booking")
    booking = lock_row(db.session, booking)
    if booking.status == "cancelled":
        return booking
    if booking.status not in ACTIVE:
        raise Conflict(M.BOOKING_IS, status=booking.status)
    if now >= booking.start_at:
        raise Conflict(M.BEGUN_NO_CANCEL)
    share = 100 if now < refund_deadline(booking) else late_refund_percent()
    core.give_back(booking, share=share, reason="booking cancelled", record=True, now=now)
    core.end(booking, "cancelled", "cancelled by host", now)
    return booking


def refund_deadline(booking: Booking) -> datetime:
    """Cancelled before this, a confirmed booking's cost comes back in full."""
    return booking.start_at - timedelta(hours=current_app.config["BOOKING_REFUND_HOURS"])


def late_refund_percent() -> int:
    """The share that comes back when a confirmed booking is cancelled after the deadline."""
    return current_app.config["BOOKING_LATE_REFUND_PERCENT"]


def expire_unapproved(now: datetime | None = None) -> int:
    """Pending bookings whose start has come without a decision are rejected (their holds
    lapse at the start by themselves)."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Booking)
        .where(Booking.status == "pending", Booking.start_at <= now)
        .with_for_update(skip_locked=True, of=Booking)
    ).all()
    for booking in due:
        core.end(booking, "rejected", "not approved before the start", now)
        notifications.settle(core.approval_subject(booking), now=now)
        core.tell(booking, M.BOOKING_NOT_DECIDED, now)
    return len(due)


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    free: bool


def availability(space: Space, day) -> list[Slot]:
    """Every slot of the space's opening hours on a local day, free or taken."""
    day = _day(day, "date")
    day_start = datetime.combine(day, time(0), tzinfo=core.zone())
    taken = db.session.execute(
        sa.select(Booking.start_at, Booking.end_at).where(
            Booking.space_id == space.id,
            Booking.status.in_(BLOCKING),
            Booking.start_at < day_start + timedelta(days=1),
            Booking.end_at > day_start,
        )
    ).all()
    slots = []
    step = timedelta(minutes=space.slot_minutes)
    for moment, stop in opening(space, day):
        while moment + step <= stop:
            free = not any(s < moment + step and e > moment for s, e in taken)
            slots.append(Slot(moment, moment + step, free))
            moment += step
    return slots


def is_free(space: Space, start: datetime, end: datetime) -> bool:
    """Whether no booking (nor offer) holds any of `[start, end)` in the space."""
    return db.session.scalar(core.overlapping(space.id, start, end).limit(1)) is None


def quote(host: Member, space: Space, start: datetime, end: datetime) -> dict[str, Price]:
    """What booking `[start, end)` would cost the host now, per tier (the host's space-use
    minutes pay first, then points), as `pay` will charge it."""
    duration = max(int((end - start).total_seconds() // 60), 0)
    available = ledger.wallet_balances(host.id, ("space_minutes",))["space_minutes"].available
    return {tier: core.price(space.price(tier), duration, available) for tier in TIERS}


def bookings_of(host: Member, *, limit: int = 100) -> list[Booking]:
    return list(
        db.session.scalars(
            sa.select(Booking)
            .filter_by(host_id=host.id)
            .order_by(Booking.start_at.desc())
            .limit(limit)
        )
    )


def pending_for(actor: Member) -> list[Booking]:
    """The approval queue: pending bookings of the actor's community (admin: all)."""
    members.require_staff(actor)
    query = (
        sa.select(Booking)
        .join(Space, Space.id == Booking.space_id)
        .where(Booking.status == "pending")
        .order_by(Booking.start_at)
    )
    if not actor.has_role("admin"):
        query = query.where(Space.community_id == actor.community_id)
    return list(db.session.scalars(query))


def pending_count(actor: Member) -> int:
    """How many bookings wait for the actor's approval (the home page's tile)."""
    members.require_staff(actor)
    query = (
        sa.select(sa.func.count())
        .select_from(Booking)
        .join(Space, Space.id == Booking.space_id)
        .where(Booking.status == "pending")
    )
    if not actor.has_role("admin"):
        query = query.where(Space.community_id == actor.community_id)
    return db.session.scalar(query)


def earliest_start(now: datetime | None = None) -> datetime:
    """The soonest a booking made now may start (BOOKING_MIN_NOTICE_MINUTES ahead)."""
    notice = current_app.config["BOOKING_MIN_NOTICE_MINUTES"]
    return (now or utcnow()) + timedelta(minutes=notice)


def is_ahead(booking: Booking, now: datetime | None = None, *, offers: bool = True) -> bool:
    """Whether the booking is still to come or under way: active (or, with `offers`, offered
    to the host from the waiting list) and not yet over."""
    statuses = (*ACTIVE, "offered") if offers else ACTIVE
    return booking.status in statuses and (now or utcnow()) < booking.end_at


def may_change(booking: Booking, now: datetime | None = None) -> bool:
    """Whether the host may still change the booking: active and not yet begun."""
    return booking.status in ACTIVE and (now or utcnow()) < booking.start_at


def may_cancel(booking: Booking, now: datetime | None = None) -> bool:
    """Whether the host may still cancel the booking: active and not yet begun."""
    return booking.status in ACTIVE and (now or utcnow()) < booking.start_at


def refunds_in_full(booking: Booking, now: datetime | None = None) -> bool:
    """Whether cancelling now gives everything back (before the refund deadline)."""
    return (now or utcnow()) < refund_deadline(booking)


def bookings_between(actor: Member, start: datetime, end: datetime) -> list[Booking]:
    """Staff: the active bookings of their community's spaces starting in [start, end)."""
    members.require_staff(actor)
    query = (
        sa.select(Booking)
        .join(Space, Space.id == Booking.space_id)
        .where(Booking.status.in_(ACTIVE), Booking.start_at >= start, Booking.start_at < end)
        .order_by(Booking.start_at, Space.id)
    )
    if not actor.has_role("admin"):
        query = query.where(Space.community_id == actor.community_id)
    return list(db.session.scalars(query))
