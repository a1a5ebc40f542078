"""Booking shared space: book on slot boundaries inside opening hours, pay space minutes
first and then points, approve or reject bookings that need it, cancel with a refund rule.

No two active bookings of a space overlap: the service looks first (for a clear message) and
the database refuses what slips past (exclusion constraint / triggers), which a savepoint
turns into the same conflict.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from points import clock, validate
from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.ledger import services as ledger
from points.members import services as members
from points.members.models import LEVELS, Community, Member
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

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


_zone = clock.zone


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


# ---------------------------------------------------------------------------- spaces


def _opening_hours(value) -> dict:
    if not isinstance(value, dict) or set(value) - set(WEEKDAYS):
        raise InvalidInput("must map mon … sun to lists of [open, close]", field="opening_hours")
    hours = {}
    for day in WEEKDAYS:
        intervals = value.get(day, [])
        checked = []
        for pair in intervals:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(t, str) and HHMM.match(t) for t in pair)
                or _minutes(pair[0]) >= _minutes(pair[1])
            ):
                raise InvalidInput(
                    f'{day}: each interval is ["08:00", "21:00"]', field="opening_hours"
                )
            checked.append([pair[0], pair[1]])
        hours[day] = checked
    return hours


def _day_parts(value) -> list[dict]:
    """[{name_zh, name_en, start, end}, …]: named, ordered, non-overlapping local times."""
    if value is None:
        return list(DEFAULT_DAY_PARTS)
    message = 'each day-part is {name_zh, name_en, start: "08:00", end: "12:00"}, in order'
    if not isinstance(value, list) or not value:
        raise InvalidInput(message, field="day_parts")
    parts, last_end = [], 0
    for part in value:
        if (
            not isinstance(part, dict)
            or set(part) != {"name_zh", "name_en", "start", "end"}
            or not all(isinstance(part[k], str) and part[k].strip() for k in part)
            or not all(HHMM.match(part[k]) for k in ("start", "end"))
            or not last_end <= _minutes(part["start"]) < _minutes(part["end"])
        ):
            raise InvalidInput(message, field="day_parts")
        last_end = _minutes(part["end"])
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
        raise InvalidInput("must be lowercase letters, digits and hyphens", field="code")
    community_id = db.session.scalar(sa.select(Community.id).filter_by(name=community))
    if community_id is None:
        raise InvalidInput("is not a community here", field="community")
    if min_level not in LEVELS:
        raise InvalidInput(f"must be one of {', '.join(LEVELS)}", field="min_level")
    if slot_minutes not in (15, 30, 60):
        raise InvalidInput("must be 15, 30 or 60", field="slot_minutes")
    for name, value in (
        ("capacity", capacity),
        ("price_free", price_free),
        ("price_low_fee", price_low_fee),
        ("price_market", price_market),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
            raise InvalidInput("must be a whole number from 0 to 100000", field=name)
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


def get_space(space_id) -> Space:
    found = db.session.get(Space, space_id) if is_id(space_id) else None
    if found is None or not found.active:
        raise NotFound("no such space", field="space_id")
    return found


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
        raise InvalidInput("must be a date like 2026-12-01", field=field) from None


def ensure_closure(*, community, starts_on, ends_on, reason_zh, reason_en="", space=None):
    """A closed stretch of days for one space, or for every space of a community (seed)."""
    community_id = db.session.scalar(sa.select(Community.id).filter_by(name=community))
    if community_id is None:
        raise InvalidInput("is not a community here", field="community")
    space_id = None
    if space is not None:
        space_id = db.session.scalar(
            sa.select(Space.id).filter_by(code=space, community_id=community_id)
        )
        if space_id is None:
            raise InvalidInput("is not a space of this community", field="space")
    first, last = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if last < first:
        raise InvalidInput("must not be before starts_on", field="ends_on")
    if not isinstance(reason_zh, str) or not 0 < len(reason_zh.strip()) <= 80:
        raise InvalidInput("is required (at most 80 characters)", field="reason_zh")
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


def closures(space: Space, first: date, last: date) -> dict[date, SpaceClosure]:
    """The closed local days of `space` between `first` and `last` inclusive."""
    rows = db.session.scalars(
        sa.select(SpaceClosure).where(
            SpaceClosure.community_id == space.community_id,
            sa.or_(SpaceClosure.space_id.is_(None), SpaceClosure.space_id == space.id),
            SpaceClosure.starts_on <= last,
            SpaceClosure.ends_on >= first,
        )
    )
    closed = {}
    for row in rows:
        day = max(row.starts_on, first)
        while day <= min(row.ends_on, last):
            closed.setdefault(day, row)
            day += timedelta(days=1)
    return closed


def opening(space: Space, day: date) -> list[tuple[datetime, datetime]]:
    """The aware [open, close) intervals of a local day, none when the space is closed."""
    if closures(space, day, day):
        return []
    day_start = datetime.combine(day, time(0), tzinfo=_zone())
    return [
        (day_start + timedelta(minutes=_minutes(o)), day_start + timedelta(minutes=_minutes(c)))
        for o, c in space.opening_hours.get(WEEKDAYS[day.weekday()], [])
    ]


# ---------------------------------------------------------------------------- rules


def check_slot(space: Space, start: datetime, end: datetime) -> None:
    """On slot boundaries, inside one opening interval of one local day."""
    if end <= start:
        raise InvalidInput("must be after the start", field="end")
    local_start, local_end = start.astimezone(_zone()), end.astimezone(_zone())
    for field, moment in (("start", local_start), ("end", local_end)):
        if (
            moment.second
            or moment.microsecond
            or (moment.hour * 60 + moment.minute) % space.slot_minutes
        ):
            raise InvalidInput(f"must be on a {space.slot_minutes}-minute boundary", field=field)
    end_minute = local_end.hour * 60 + local_end.minute
    if local_end.date() != local_start.date():
        if not (local_end.date() == local_start.date() + timedelta(days=1) and end_minute == 0):
            raise InvalidInput("a booking stays within one day", field="end")
        end_minute = 24 * 60
    start_minute = local_start.hour * 60 + local_start.minute
    closed = closures(space, local_start.date(), local_start.date())
    if closed:
        raise InvalidInput(
            f"the space is closed that day ({closed[local_start.date()].reason_zh})", field="start"
        )
    day = WEEKDAYS[local_start.weekday()]
    for opens, closes in space.opening_hours.get(day, []):
        if _minutes(opens) <= start_minute and end_minute <= _minutes(closes):
            return
    raise InvalidInput("is outside the space's opening hours", field="start")


@dataclass(frozen=True)
class Price:
    """What a booking costs: space minutes used first, then points for the rest."""

    minutes: int
    points: int


def price(per_hour: int, duration_minutes: int, minutes_available: int) -> Price:
    """Pure: space-use minutes pay first; the uncovered time costs points, rounded up."""
    if per_hour == 0:
        return Price(0, 0)
    used = min(max(minutes_available, 0), duration_minutes)
    return Price(used, math.ceil((duration_minutes - used) * per_hour / 60))


def _overlapping(space_id: int, start: datetime, end: datetime):
    return sa.select(Booking.id).where(
        Booking.space_id == space_id,
        Booking.status.in_(BLOCKING),
        Booking.start_at < end,
        Booking.end_at > start,
    )


# ---------------------------------------------------------------------------- booking


@dataclass(frozen=True)
class Request:
    """A checked booking request: what `book`, edits, recurrence and the waitlist share."""

    space: Space
    start: datetime
    end: datetime
    tier: str
    title: str
    expected_attendance: int

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def check_request(
    host: Member, *, space_id, start, end, tier, title, expected_attendance=0, now: datetime
) -> Request:
    """Every rule a booking must meet that does not depend on other bookings."""
    space = get_space(space_id)
    if host.status != "active":
        raise Forbidden("this account is not active")
    if LEVELS.index(host.level) < LEVELS.index(space.min_level):
        raise Forbidden(f"this space is booked by level {space.min_level} or above")
    if tier not in TIERS:
        raise InvalidInput(f"must be one of {', '.join(TIERS)}", field="tier")
    title = _title(title)
    _attendance(expected_attendance, space)
    start, end = aware_time(start, "start"), aware_time(end, "end")
    if not now - timedelta(days=1) < end < now + timedelta(days=800):
        raise InvalidInput("must be within the booking window", field="end")
    _check_notice(start, now)
    check_slot(space, start, end)
    return Request(space, start, end, tier, title, expected_attendance)


def _title(value) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 80:
        raise InvalidInput("is required (at most 80 characters)", field="title")
    return validate.refuse_controls(value.strip(), "title")


def _attendance(value, space: Space) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= space.capacity:
        raise InvalidInput(f"must be from 0 to {space.capacity}", field="expected_attendance")
    return value


def _check_notice(start: datetime, now: datetime) -> None:
    notice = current_app.config["BOOKING_MIN_NOTICE_MINUTES"]
    if start < now + timedelta(minutes=notice):
        raise InvalidInput(f"is too soon: book at least {notice} minutes ahead", field="start")
    advance = current_app.config["BOOKING_MAX_ADVANCE_DAYS"]
    if start > now + timedelta(days=advance):
        raise InvalidInput(f"is too far ahead: at most {advance} days", field="start")


def week_of(moment: datetime) -> tuple[datetime, datetime]:
    """The local week (Monday 00:00 to the next Monday) holding `moment`, aware."""
    local = moment.astimezone(_zone()).date()
    monday = datetime.combine(local - timedelta(days=local.weekday()), time(0), tzinfo=_zone())
    return monday, monday + timedelta(days=7)


def lock_host(host: Member, space: Space) -> Member:
    """Lock the host's row — one host's bookings are made one at a time — and check again,
    under the lock, that they may book the space: a demotion, suspension or exit committed
    meanwhile has cancelled their future bookings (standing.py) and must not miss this one."""
    host = lock_row(db.session, host)
    if not may_book(host, space):
        raise Forbidden(f"this space is booked by level {space.min_level} or above")
    return host


def _check_quota(host: Member, request: Request, *, other_than: int | None = None) -> None:
    """At most BOOKING_WEEKLY_QUOTA_HOURS of active bookings per host per local week. The
    caller holds the host's row lock, so two bookings at once cannot both squeeze in."""
    quota = current_app.config["BOOKING_WEEKLY_QUOTA_HOURS"]
    if not quota:
        return
    monday, next_monday = week_of(request.start)
    rows = db.session.execute(
        sa.select(Booking.start_at, Booking.end_at).where(
            Booking.host_id == host.id,
            Booking.status.in_(ACTIVE),
            Booking.start_at >= monday,
            Booking.start_at < next_monday,
            Booking.id != (other_than or 0),
        )
    ).all()
    used = sum(int((e - s).total_seconds() // 60) for s, e in rows)
    if used + request.minutes > quota * 60:
        raise InvalidInput(
            f"would pass your weekly quota of {quota} hours "
            f"(already booked that week: {used / 60:g} hours)",
            field="start",
        )


def _insert(booking: Booking) -> None:
    """Add or move a booking; the database's own no-overlap rule surfaces as a conflict."""
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError:
        raise Conflict("this time is already booked", field="start") from None


def _key(booking: Booking, what: str) -> str:
    """Ledger idempotency key of one movement of this booking at its current revision."""
    suffix = f":r{booking.revision}" if booking.revision else ""
    return f"{what}:{booking.id}{suffix}"


def _pay(booking: Booking, *, now: datetime) -> None:
    """Charge what the booking costs: held while pending, moved at once when confirmed."""
    space = booking.space or get_space(booking.space_id)
    minutes_wallet = ledger.member_wallet(booking.host_id, "space_minutes")
    duration = int((booking.end_at - booking.start_at).total_seconds() // 60)
    cost = price(space.price(booking.tier), duration, ledger.balance_of(minutes_wallet).available)
    booking.cost_minutes, booking.cost_points = cost.minutes, cost.points
    booking.points_hold_id = booking.minutes_hold_id = None
    booking.points_transfer_id = booking.minutes_transfer_id = None
    memo = (
        f"空间预约 #{booking.id} {space.name_zh} {booking.start_at.astimezone(_zone()):%m-%d %H:%M}"
    )
    legs = [
        ("minutes", minutes_wallet, ledger.system_account("space", "space_minutes"), cost.minutes),
        (
            "points",
            ledger.member_wallet(booking.host_id),
            ledger.system_account("space"),
            cost.points,
        ),
    ]
    for asset, source, destination, amount in legs:
        if not amount:
            continue
        if booking.status == "pending":
            held = ledger.hold(
                source=source,
                destination=destination,
                amount=amount,
                kind="booking",
                expires_at=booking.start_at,
                actor_id=booking.host_id,
                memo=memo,
                now=now,
            )
            setattr(booking, f"{asset}_hold_id", held.id)
        else:
            moved = ledger.transfer(
                kind="booking",
                source=source,
                destination=destination,
                amount=amount,
                actor_id=booking.host_id,
                memo=memo,
                idempotency_key=_key(booking, "booking") + f":{asset}",
                now=now,
            )
            setattr(booking, f"{asset}_transfer_id", moved.id)
    db.session.flush()


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
    now: datetime | None = None,
) -> Booking:
    """Book `[start, end)`; confirmed at once, or pending with its cost held."""
    now = now or utcnow()
    request = check_request(
        host,
        space_id=space_id,
        start=start,
        end=end,
        tier=tier,
        title=title,
        expected_attendance=expected_attendance,
        now=now,
    )
    if db.session.scalar(_overlapping(request.space.id, request.start, request.end).limit(1)):
        raise Conflict("this time is already booked", field="start")
    host = lock_host(host, request.space)
    _check_quota(host, request)
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
    )
    _insert(booking)
    _pay(booking, now=now)
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
        raise NotFound("no such booking", field="booking")
    unknown = set(changes) - {"space_id", "start", "end", "title", "expected_attendance", "tier"}
    if unknown:
        raise InvalidInput("cannot be changed", field=sorted(unknown)[0])
    booking = lock_row(db.session, booking)
    if booking.status not in ACTIVE:
        raise Conflict(f"this booking is {booking.status}")
    if now >= booking.start_at:
        raise Conflict("this booking has begun and can no longer be changed")
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
        booking.title = _title(wanted["title"])
        booking.expected_attendance = _attendance(wanted["expected_attendance"], booking.space)
        db.session.flush()
        return booking
    request = check_request(host, now=now, **wanted)
    host = lock_host(host, request.space)
    _check_quota(host, request, other_than=booking.id)
    _give_back(booking, share=100, reason="booking changed", now=now)
    was = (booking.space_id, booking.start_at, booking.end_at)
    booking.revision += 1
    booking.space_id, booking.space = request.space.id, request.space
    booking.start_at, booking.end_at = request.start, request.end
    booking.tier, booking.title = request.tier, request.title
    booking.expected_attendance = request.expected_attendance
    booking.status = "pending" if request.space.needs_approval else "confirmed"
    booking.decided_by = None
    _insert(booking)
    _pay(booking, now=now)
    _freed(*was, now)
    return booking


def get_booking(booking_id) -> Booking:
    found = db.session.get(Booking, booking_id) if is_id(booking_id) else None
    if found is None:
        raise NotFound("no such booking", field="booking")
    return found


def own_booking(booking_id, host: Member) -> Booking:
    found = get_booking(booking_id)
    if found.host_id != host.id:
        raise NotFound("no such booking", field="booking")
    return found


def may_manage(space: Space, actor: Member) -> bool:
    """Whether `actor` looks after the space (as `require_manager` decides): staff of its
    community, or an admin."""
    return actor.is_staff and (actor.has_role("admin") or actor.community_id == space.community_id)


def require_manager(space: Space, actor: Member) -> None:
    members.require_staff(actor)
    if not actor.has_role("admin") and actor.community_id != space.community_id:
        raise Forbidden("this space is not in your community")


def approve(booking: Booking, *, actor: Member, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    require_manager(booking.space, actor)
    booking = lock_row(db.session, booking)
    if booking.status == "confirmed":
        return booking
    if booking.status != "pending":
        raise Conflict(f"this booking is {booking.status}")
    if now >= booking.start_at:
        raise Conflict("this booking's time has passed; it can no longer be approved")
    for asset in ("minutes", "points"):
        hold_id = getattr(booking, f"{asset}_hold_id")
        if hold_id is not None:
            posted = ledger.post_hold(hold_id, actor_id=actor.id, now=now)
            setattr(booking, f"{asset}_transfer_id", posted.id)
    booking.status = "confirmed"
    booking.decided_by = actor.id
    db.session.flush()
    return booking


def _release_holds(booking: Booking, *, actor_id: int, reason: str, now: datetime) -> None:
    for hold_id in (booking.minutes_hold_id, booking.points_hold_id):
        if hold_id is not None and ledger.get_hold(hold_id).status == "pending":
            if ledger.get_hold(hold_id).expires_at > now:
                ledger.void_hold(hold_id, actor_id=actor_id, reason=reason, now=now)


def _give_back(
    booking: Booking, *, share: int, reason: str, now: datetime, record: bool = False
) -> None:
    """Undo what the booking charged: void its holds, or refund `share` % of its cost
    (`record`: note the refund on the booking, for a cancellation)."""
    if booking.status == "pending":
        _release_holds(booking, actor_id=booking.host_id, reason=reason, now=now)
        return
    if booking.status != "confirmed":
        return
    legs = (
        ("minutes", booking.cost_minutes, "space_minutes"),
        ("points", booking.cost_points, "points"),
    )
    for asset, cost, ledger_asset in legs:
        amount = cost * share // 100
        if not amount:
            continue
        ledger.transfer(
            kind="refund",
            source=ledger.system_account("space", ledger_asset),
            destination=ledger.member_wallet(booking.host_id, ledger_asset),
            amount=amount,
            actor_id=booking.host_id,
            memo=f"空间预约 #{booking.id} 退回 {share}%（{reason}）",
            idempotency_key=_key(booking, "booking-refund") + f":{asset}",
            now=now,
        )
        if record:
            setattr(booking, f"refunded_{asset}", amount)


def _end(booking: Booking, status: str, reason: str, now: datetime) -> None:
    """Close a booking; its time is free again, and offered to whoever waits for it."""
    booking.status, booking.ended_at, booking.end_reason = status, now, reason
    db.session.flush()
    _freed(booking.space_id, booking.start_at, booking.end_at, now)


# Called with (space_id, start, end, now) whenever time in a space stops being held (the
# waitlist registers itself here at start-up, so the arrows keep pointing one way).
_on_freed: list = []


def _freed(space_id: int, start: datetime, end: datetime, now: datetime) -> None:
    for hook in _on_freed:
        hook(space_id, max(start, now), end, now)


def reject(booking: Booking, *, actor: Member, reason, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    require_manager(booking.space, actor)
    reason = members._reason(reason)
    booking = lock_row(db.session, booking)
    if booking.status != "pending":
        raise Conflict(f"this booking is {booking.status}")
    _release_holds(booking, actor_id=actor.id, reason=reason, now=now)
    booking.decided_by = actor.id
    _end(booking, "rejected", reason, now)
    return booking


def cancel(booking: Booking, *, host: Member, now: datetime | None = None) -> Booking:
    """Cancel: before the refund deadline everything comes back; after it, the configured
    share; once the booking has begun it can no longer be cancelled."""
    now = now or utcnow()
    if booking.host_id != host.id:
        raise NotFound("no such booking", field="booking")
    booking = lock_row(db.session, booking)
    if booking.status == "cancelled":
        return booking
    if booking.status not in ACTIVE:
        raise Conflict(f"this booking is {booking.status}")
    if now >= booking.start_at:
        raise Conflict("this booking has begun and can no longer be cancelled")
    share = 100 if now < refund_deadline(booking) else late_refund_percent()
    _give_back(booking, share=share, reason="booking cancelled", record=True, now=now)
    _end(booking, "cancelled", "cancelled by host", now)
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
        _end(booking, "rejected", "not approved before the start", now)
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
    day_start = datetime.combine(day, time(0), tzinfo=_zone())
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


def may_book(member: Member, space: Space) -> bool:
    """Whether the member's level lets them book this space (the form says so up front)."""
    return member.status == "active" and LEVELS.index(member.level) >= LEVELS.index(space.min_level)


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
