"""Weekly recurrence: one request books the same local time for N weeks.

Every occurrence is checked as a booking of its own (slot, hours, closures, notice, quota,
overlap, price). "All or nothing" books every week or none and names the weeks that cannot
be booked; "skip conflicts" books the weeks that can and reports the skipped ones. Each
occurrence is an ordinary booking that can be cancelled alone; they share a `series_id`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from points import clock
from points import messages as shared
from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound, PointsError
from points.extensions import db
from points.members.models import Member
from points.spaces import messages as M
from points.spaces import services
from points.spaces.models import Booking
from points.validate import aware_time


@dataclass(frozen=True)
class Skipped:
    day: date
    reason: str


@dataclass
class SeriesResult:
    series_id: str
    bookings: list[Booking] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def weeks_of(value) -> int:
    """How many weeks a series may run: a whole number from 1 to BOOKING_MAX_WEEKS."""
    limit = current_app.config["BOOKING_MAX_WEEKS"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidInput(shared.WHOLE_NUMBER, field="weeks", low=1, high=limit)
    return value


def _reason(error: PointsError) -> str:
    """Why a week cannot be booked: the refusal's message (its Text kept, for pages)."""
    messages = [m for ms in error.errors.values() for m in ms] or [error.message]
    return messages[0] if len(messages) == 1 else "; ".join(messages)


def weekly_times(start, end, weeks: int) -> list[tuple[datetime, datetime]]:
    """`[start, end)` and the same local wall time in each of the following weeks (`weeks`
    in all), so that a series keeps its hour across a daylight-saving change."""
    start, end = aware_time(start, "start"), aware_time(end, "end")
    zone = clock.zone()
    local_start, local_end = start.astimezone(zone).replace(tzinfo=None), end.astimezone(
        zone).replace(tzinfo=None)
    return [
        ((local_start + timedelta(days=7 * week)).replace(tzinfo=zone),
         (local_end + timedelta(days=7 * week)).replace(tzinfo=zone))
        for week in range(weeks)
    ]


def book_weekly(
    host: Member,
    *,
    weeks,
    skip_conflicts: bool = False,
    start,
    end,
    now: datetime | None = None,
    **booking,
) -> SeriesResult:
    """Book `[start, end)` and the same local time in each of the following weeks."""
    now = now or utcnow()
    weeks = weeks_of(weeks)
    if not isinstance(skip_conflicts, bool):
        raise InvalidInput(M.TRUE_OR_FALSE, field="skip_conflicts")
    result = SeriesResult(series_id=uuid.uuid4().hex)
    first_error: PointsError | None = None
    for week, (occurrence_start, occurrence_end) in enumerate(weekly_times(start, end, weeks)):
        try:
            with db.session.begin_nested():
                made = services.book(
                    host,
                    start=occurrence_start,
                    end=occurrence_end,
                    series_id=result.series_id,
                    now=now,
                    **booking,
                )
        except PointsError as error:
            if isinstance(error, Forbidden | NotFound) or (
                week == 0 and not isinstance(error, Conflict) and not _about_the_date(error)
            ):
                raise  # a bad request (tier, title, space, level …), not a bad week
            first_error = first_error or error
            result.skipped.append(Skipped(occurrence_start.date(), _reason(error)))
            continue
        result.bookings.append(made)
    if result.skipped and not skip_conflicts:
        raise Conflict(
            M.WEEKS_REFUSED,
            errors={"start": [M.WEEK_REFUSED(day=s.day, reason=s.reason) for s in result.skipped]},
            weeks=[M.WEEK_WITH_REASON(day=s.day, reason=s.reason) for s in result.skipped],
        )
    if not result.bookings:
        assert first_error is not None
        raise first_error
    return result


def _about_the_date(error: PointsError) -> bool:
    """Refusals that another week might not meet (closed, too soon, quota, funds)."""
    return set(error.errors) <= {"start", "end"} or not error.errors


def series(series_id: str, host: Member) -> list[Booking]:
    return list(
        db.session.scalars(
            db.select(Booking)
            .filter_by(series_id=series_id, host_id=host.id)
            .order_by(Booking.start_at)
        )
    )


def cancellable(booking: Booking, *, host: Member, now: datetime | None = None) -> list[Booking]:
    """The bookings of `booking`'s series (just it, outside a series) the host may still
    cancel: what `cancel_series` would cancel."""
    if booking.series_id is None:
        return [booking] if services.may_cancel(booking, now) else []
    return [b for b in series(booking.series_id, host) if services.may_cancel(b, now)]


def cancel_series(booking: Booking, *, host: Member, now: datetime | None = None) -> list[Booking]:
    """Cancel every booking of `booking`'s series that has not begun, each as `cancel`
    would (refund rule included): all of them or, when one is refused, none."""
    now = now or utcnow()
    if booking.host_id != host.id:
        raise NotFound(M.NO_SUCH_BOOKING, field="booking")
    if booking.series_id is None:
        return [services.cancel(booking, host=host, now=now)]
    due = [b for b in series(booking.series_id, host) if services.may_cancel(b, now)]
    with db.session.begin_nested():
        return [services.cancel(b, host=host, now=now) for b in due]
