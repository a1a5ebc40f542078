"""The booking core: what every path that makes, pays for or ends a booking shares.

`services` (book, change, approve, reject, cancel), `waitlist` (an offer accepted), `series`
(each week a booking of its own), `attendance` (a no-show released) and `standing` (the
bookings a lost level may no longer make) all go through these steps, in this order:

1. check the request (`check_request`), then lock the host's row and check again
   (`lock_host`) and the weekly quota (`check_quota`);
2. look for an overlap (`overlapping`, for a clear message) and let the database refuse what
   slips past (`insert`: exclusion constraint / triggers, surfaced as a conflict);
3. pay (`pay`: space minutes first, then points; held while pending), or give back
   (`give_back`: holds voided, or a share refunded);
4. end (`end`): the time is free again, and `offer_freed_time` offers it to the hosts
   waiting longest for it (an `offered` booking keeps it for them).

Nothing here commits; callers hold the locks these steps take until their request commits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError

from points import validate
from points.database import is_id, lock_row
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.ledger import services as ledger
from points.members import services as members
from points.members.models import LEVELS, Member
from points.notifications import quiet, render
from points.notifications import services as notifications
from points.spaces import messages as M
from points.spaces.models import ACTIVE, BLOCKING, TIERS, Booking, Space, SpaceClosure, SpaceWait
from points.validate import aware_time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ---------------------------------------------------------------------------- time


def zone() -> ZoneInfo:
    """The community's time zone: opening hours, weeks and days are local to it."""
    return ZoneInfo(current_app.config["COMMUNITY_TIMEZONE"])


def clock_minutes(hhmm: str) -> int:
    """Minutes since midnight of a checked "HH:MM" (24:00 is 1440)."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def week_of(moment: datetime) -> tuple[datetime, datetime]:
    """The local week (Monday 00:00 to the next Monday) holding `moment`, aware."""
    local = moment.astimezone(zone()).date()
    monday = datetime.combine(local - timedelta(days=local.weekday()), time(0), tzinfo=zone())
    return monday, monday + timedelta(days=7)


# ---------------------------------------------------------------------------- spaces


def get_space(space_id) -> Space:
    """An active space, or not found."""
    found = db.session.get(Space, space_id) if is_id(space_id) else None
    if found is None or not found.active:
        raise NotFound(M.NO_SUCH_SPACE, field="space_id")
    return found


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


def check_slot(space: Space, start: datetime, end: datetime) -> None:
    """On slot boundaries, inside one opening interval of one local day."""
    if end <= start:
        raise InvalidInput(M.END_BEFORE_START, field="end")
    local_start, local_end = start.astimezone(zone()), end.astimezone(zone())
    for field, moment in (("start", local_start), ("end", local_end)):
        if (
            moment.second
            or moment.microsecond
            or (moment.hour * 60 + moment.minute) % space.slot_minutes
        ):
            raise InvalidInput(M.SLOT_BOUNDARY, field=field, n=space.slot_minutes)
    end_minute = local_end.hour * 60 + local_end.minute
    if local_end.date() != local_start.date():
        if not (local_end.date() == local_start.date() + timedelta(days=1) and end_minute == 0):
            raise InvalidInput(M.ONE_DAY, field="end")
        end_minute = 24 * 60
    start_minute = local_start.hour * 60 + local_start.minute
    closed = closures(space, local_start.date(), local_start.date())
    if closed:
        reason = closed[local_start.date()].reason_zh
        raise InvalidInput(M.CLOSED_DAY, field="start", reason=reason)
    day = WEEKDAYS[local_start.weekday()]
    for opens, closes in space.opening_hours.get(day, []):
        if clock_minutes(opens) <= start_minute and end_minute <= clock_minutes(closes):
            return
    raise InvalidInput(M.OUTSIDE_HOURS, field="start")


# ---------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class Request:
    """A checked booking request: what `book`, edits, recurrence and the waitlist share."""

    space: Space
    start: datetime
    end: datetime
    tier: str
    title: str
    expected_attendance: int

    @classmethod
    def of(cls, booking: Booking) -> Request:
        """What an existing booking asks for (an offer being accepted)."""
        return cls(
            booking.space,
            booking.start_at,
            booking.end_at,
            booking.tier,
            booking.title,
            booking.expected_attendance,
        )

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def check_request(
    host: Member, *, space_id, start, end, tier, title, expected_attendance=0, now: datetime
) -> Request:
    """Every rule a booking must meet that does not depend on other bookings."""
    space = get_space(space_id)
    if host.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    if LEVELS.index(host.level) < LEVELS.index(space.min_level):
        raise Forbidden(M.LEVEL_REQUIRED, level=space.min_level)
    if tier not in TIERS:
        raise InvalidInput(M.TIER, field="tier", tiers=TIERS)
    title = check_title(title)
    check_attendance(expected_attendance, space)
    start, end = aware_time(start, "start"), aware_time(end, "end")
    if not now - timedelta(days=1) < end < now + timedelta(days=800):
        raise InvalidInput(M.BOOKING_WINDOW, field="end")
    _check_notice(start, now)
    check_slot(space, start, end)
    return Request(space, start, end, tier, title, expected_attendance)


def check_title(value) -> str:
    """A booking's title: required, at most 80 characters, no control characters."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 80:
        raise InvalidInput(M.REQUIRED_SHORT, field="title")
    return validate.refuse_controls(value.strip(), "title")


def check_attendance(value, space: Space) -> int:
    """Expected attendance: a whole number from 0 to the space's capacity."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= space.capacity:
        raise InvalidInput(M.ATTENDANCE, field="expected_attendance", n=space.capacity)
    return value


def _check_notice(start: datetime, now: datetime) -> None:
    notice = current_app.config["BOOKING_MIN_NOTICE_MINUTES"]
    if start < now + timedelta(minutes=notice):
        raise InvalidInput(M.TOO_SOON, field="start", n=notice)
    advance = current_app.config["BOOKING_MAX_ADVANCE_DAYS"]
    if start > now + timedelta(days=advance):
        raise InvalidInput(M.TOO_FAR_AHEAD, field="start", n=advance)


# ---------------------------------------------------------------------------- the host


def may_book(member: Member, space: Space) -> bool:
    """Whether the member's level lets them book this space (the form says so up front)."""
    return standing_allows(member.level, member.status, space)


def standing_allows(level: str, status: str, space: Space) -> bool:
    """Whether a member of this level and status may book the space: active, and at least
    the space's level (also asked of a level or status a member is about to have)."""
    return status == "active" and LEVELS.index(level) >= LEVELS.index(space.min_level)


def lock_host(host: Member, space: Space) -> Member:
    """Lock the host's row — one host's bookings are made one at a time — and check again,
    under the lock, that they may book the space: a demotion, suspension or exit committed
    meanwhile has cancelled their future bookings (standing.py) and must not miss this one."""
    host = lock_row(db.session, host)
    if not may_book(host, space):
        raise Forbidden(M.LEVEL_REQUIRED, level=space.min_level)
    return host


def check_quota(host: Member, request: Request, *, other_than: int | None = None) -> None:
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
        raise InvalidInput(M.WEEKLY_QUOTA, field="start", quota=quota, used=_hours(used))


def _hours(minutes: int) -> int | float:
    """Minutes as hours, whole when they are (90 → 1.5, 600 → 10)."""
    hours = minutes / 60
    return int(hours) if hours.is_integer() else hours


# ---------------------------------------------------------------------------- overlap


# No booking is longer than this (one local day, 25 hours where clocks change; the database
# refuses a longer one — migration 0026), so one that overlaps `[start, end)` starts after
# `start - MAX_SPAN`: the search is a bounded range of the (space_id, start_at) index, as
# cheap at a million bookings of the space as at ten.
MAX_SPAN = timedelta(hours=26)


def overlapping(space_id: int, start: datetime, end: datetime):
    """The ids of the bookings (and offers) holding any of `[start, end)` in the space."""
    return sa.select(Booking.id).where(
        Booking.space_id == space_id,
        Booking.start_at < end,
        Booking.start_at > start - MAX_SPAN,
        Booking.status.in_(BLOCKING),
        Booking.end_at > start,
    )


def insert(booking: Booking) -> None:
    """Add or move a booking; the database's own no-overlap rule surfaces as a conflict."""
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError:
        raise Conflict(M.SLOT_TAKEN, field="start") from None
    except OperationalError as error:
        # PostgreSQL: overlapping bookings inserted at the same moment each wait on the
        # other's exclusion check, and the server ends the wait by aborting one of them
        # (deadlock detected, 40P01). That one overlaps a booking in flight: it is refused.
        if getattr(error.orig, "sqlstate", None) == "40P01":
            raise Conflict(M.SLOT_TAKEN, field="start") from None
        raise


# ---------------------------------------------------------------------------- paying


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


def movement_key(booking_id: int, what: str, revision: int, asset: str) -> str:
    """Ledger idempotency key of one movement (`booking`, `booking-refund`) of one asset
    (`minutes`, `points`) of a booking at a revision; `ledger verify` reads them back."""
    suffix = f":r{revision}" if revision else ""
    return f"{what}:{booking_id}{suffix}:{asset}"


def pay(booking: Booking, *, now: datetime) -> None:
    """Charge what the booking costs: held while pending, moved at once when confirmed."""
    space = booking.space or get_space(booking.space_id)
    minutes_wallet = ledger.member_wallet(booking.host_id, "space_minutes")
    duration = int((booking.end_at - booking.start_at).total_seconds() // 60)
    cost = price(space.price(booking.tier), duration, ledger.balance_of(minutes_wallet).available)
    booking.cost_minutes, booking.cost_points = cost.minutes, cost.points
    booking.points_hold_id = booking.minutes_hold_id = None
    booking.points_transfer_id = booking.minutes_transfer_id = None
    memo = (
        f"空间预约 #{booking.id} {space.name_zh} {booking.start_at.astimezone(zone()):%m-%d %H:%M}"
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
                actor_id=booking.acted_by or booking.host_id,
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
                actor_id=booking.acted_by or booking.host_id,
                memo=memo,
                idempotency_key=movement_key(booking.id, "booking", booking.revision, asset),
                now=now,
            )
            setattr(booking, f"{asset}_transfer_id", moved.id)
    db.session.flush()


# ---------------------------------------------------------------------------- giving back


def release_holds(booking: Booking, *, actor_id: int, reason: str, now: datetime) -> None:
    """Void the booking's holds that are still pending and not yet past their expiry."""
    for hold_id in (booking.minutes_hold_id, booking.points_hold_id):
        if hold_id is not None and ledger.get_hold(hold_id).status == "pending":
            if ledger.get_hold(hold_id).expires_at > now:
                ledger.void_hold(hold_id, actor_id=actor_id, reason=reason, now=now)


def give_back(
    booking: Booking, *, share: int, reason: str, now: datetime, record: bool = False
) -> None:
    """Undo what the booking charged: void its holds, or refund `share` % of its cost
    (`record`: note the refund on the booking, for a cancellation)."""
    if booking.status == "pending":
        release_holds(booking, actor_id=booking.host_id, reason=reason, now=now)
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
            idempotency_key=movement_key(booking.id, "booking-refund", booking.revision, asset),
            now=now,
        )
        if record:
            setattr(booking, f"refunded_{asset}", amount)


# ---------------------------------------------------------------------------- ending


def end(booking: Booking, status: str, reason: str, now: datetime) -> None:
    """Close a booking; its time is free again, and offered to whoever waits for it."""
    booking.status, booking.ended_at, booking.end_reason = status, now, reason
    db.session.flush()
    offer_freed_time(booking.space_id, booking.start_at, booking.end_at, now)


def tell(booking: Booking, kind, now: datetime, **params) -> None:
    """Tell the booking's host what became of it (in the transaction of the change)."""
    notifications.notify(
        db.session.get(Member, booking.host_id),
        kind,
        subject=f"booking:{booking.id}",
        now=now,
        **about(booking),
        **params,
    )


def about(booking: Booking) -> dict:
    space = booking.space
    return {
        "space": render.names(space.name_zh, space.name_en),
        "start": booking.start_at,
        "end": booking.end_at,
        "title": booking.title,
    }


def approval_subject(booking: Booking) -> str:
    return f"booking-approval:{booking.id}"


def ask_managers(booking: Booking, now: datetime) -> None:
    """A booking waits for approval: tell the social workers of the space's community, who
    are asked until one approves or rejects it (or it begins). A weekly series asks once."""
    host = db.session.get(Member, booking.host_id)
    once = f"booking-approval:series:{booking.series_id}" if booking.series_id else None
    for worker in members.social_workers_of(booking.space.community_id):
        if worker.id == host.id:
            continue
        notifications.notify(
            worker,
            M.BOOKING_TO_APPROVE,
            subject=approval_subject(booking),
            once=once,
            now=now,
            host=host.name,
            **about(booking),
        )


def offer_freed_time(space_id: int, start: datetime, end: datetime, now: datetime) -> None:
    """Time in `[start, end)` stopped being held (a booking ended, moved or was declined):
    offer what is still to come to the hosts waiting longest for a time now wholly free.
    An entry whose time is too soon to book leaves the line; one still partly taken stays."""
    start = max(start, now)
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
        if db.session.scalar(overlapping(space_id, entry.start_at, entry.end_at).limit(1)):
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
            # Two hours to answer, counted in waking hours (points/notifications/quiet.py).
            offer_expires_at=min(quiet.waking_deadline(now, offer_for), entry.start_at - notice),
            created_at=now,
        )
        try:
            insert(offered)
        except Conflict:
            continue
        entry.status, entry.booking_id = "offered", offered.id
        notifications.notify(
            db.session.get(Member, entry.member_id),
            M.OFFERED,
            subject=f"booking:{offered.id}",
            now=now,
            space=render.names(entry.space.name_zh, entry.space.name_en),
            start=entry.start_at,
            end=entry.end_at,
            deadline=offered.offer_expires_at,
        )
    db.session.flush()
