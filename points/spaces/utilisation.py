"""Utilisation (空间使用率): booked hours ÷ bookable hours, the number the sub-district watches.

Bookable time is each space's weekly opening hours on the local days of a period, less its
closed days. Booked time is the part of every *confirmed* booking that falls inside that
open time (no-shows, cancellations, rejections, lapsed offers, offers and pending requests
do not count). Both are split per space, per day-part (each space's own `day_parts`, summed
across spaces by the day-part's Chinese name), and per local ISO week, and set against the
period of equal length just before.

`measure` is pure; `report` feeds it: the spaces in the reader's scope, their closed days
(a read per space) and one read of the confirmed bookings of both periods.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from points import clock
from points.errors import InvalidInput
from points.extensions import db
from points.members.models import Member
from points.spaces import core
from points.spaces import messages as M
from points.spaces.models import Booking
from points.spaces.scope import managed_spaces

MAX_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# Open time a space's day-parts leave uncovered is counted under this key.
OTHER = ""


class Hours(Protocol):
    """What `measure` reads of a space (a `Space` row or anything shaped like it)."""

    id: int
    opening_hours: dict
    day_parts: list


# ---------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Usage:
    """Booked and bookable time, in seconds."""

    booked: int = 0
    bookable: int = 0

    @property
    def rate(self) -> float | None:
        """booked ÷ bookable, or None when nothing was bookable (closed all along)."""
        return self.booked / self.bookable if self.bookable else None

    @property
    def booked_hours(self) -> float:
        return self.booked / 3600

    @property
    def bookable_hours(self) -> float:
        return self.bookable / 3600

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.booked + other.booked, self.bookable + other.bookable)


@dataclass(frozen=True)
class Change:
    """One figure now and in the previous period of equal length."""

    now: Usage
    before: Usage

    @property
    def use_ratio(self) -> float | None:
        """How many times the booked hours grew (×3 = tripled); None when none were booked
        before (a ratio to zero means nothing)."""
        return self.now.booked / self.before.booked if self.before.booked else None

    @property
    def trend(self) -> str:
        """'none' (no use either time), 'new' (use from nothing), 'gone' (use fell to
        nothing), else 'up', 'down' or 'same' by booked hours."""
        if not self.before.booked:
            return "new" if self.now.booked else "none"
        if not self.now.booked:
            return "gone"
        if self.now.booked == self.before.booked:
            return "same"
        return "up" if self.now.booked > self.before.booked else "down"


@dataclass(frozen=True)
class Part:
    """A day-part as reports name it: spaces' parts with one Chinese name are one part."""

    name_zh: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class Week:
    """A local ISO week, cut to the days of the period it belongs to."""

    year: int
    number: int
    first: date
    last: date

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"


@dataclass
class Measures:
    """One period's figures."""

    first: date
    last: date
    total: Usage = field(default_factory=Usage)
    spaces: dict[int, Usage] = field(default_factory=dict)
    parts: dict[Part, Usage] = field(default_factory=dict)
    space_parts: dict[tuple[int, Part], Usage] = field(default_factory=dict)
    weeks: dict[Week, Usage] = field(default_factory=dict)


@dataclass
class Report:
    """A period against the one before it, for the spaces in the reader's scope."""

    spaces: list
    now: Measures
    before: Measures

    @property
    def total(self) -> Change:
        return Change(self.now.total, self.before.total)

    def space(self, space_id: int) -> Change:
        return Change(self.now.spaces[space_id], self.before.spaces[space_id])

    @property
    def parts(self) -> list[tuple[Part, Change]]:
        """Day-parts in the order of the day; a part only one period has counts zero in
        the other."""
        names = list(self.now.parts) + [p for p in self.before.parts if p not in self.now.parts]
        return [
            (p, Change(self.now.parts.get(p, Usage()), self.before.parts.get(p, Usage())))
            for p in names
        ]

    def space_parts(self, space_id: int) -> list[tuple[Part, Change]]:
        keys = [p for (s, p) in self.now.space_parts if s == space_id]
        return [
            (
                p,
                Change(
                    self.now.space_parts[(space_id, p)],
                    self.before.space_parts.get((space_id, p), Usage()),
                ),
            )
            for p in keys
        ]


# ---------------------------------------------------------------------------- pure


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def open_intervals(space: Hours, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The aware open intervals of an open local day; as `services.opening` gives them for
    a day that is not closed (a test holds the two together)."""
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    return [
        (
            day_start + timedelta(minutes=core.clock_minutes(o)),
            day_start + timedelta(minutes=core.clock_minutes(c)),
        )
        for o, c in space.opening_hours.get(core.WEEKDAYS[day.weekday()], [])
    ]


def _overlap(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> int:
    seconds = (min(end, other_end) - max(start, other_start)).total_seconds()
    return int(seconds) if seconds > 0 else 0


def _parts_of(space: Hours) -> list[tuple[Part, int, int]]:
    return [
        (
            Part(p["name_zh"], p["name_en"]),
            core.clock_minutes(p["start"]),
            core.clock_minutes(p["end"]),
        )
        for p in space.day_parts or []
    ]


def _week(day: date, first: date, last: date) -> Week:
    year, number, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    return Week(year, number, max(monday, first), min(monday + timedelta(days=6), last))


def measure(
    spaces_: Sequence[Hours],
    bookings: Iterable[tuple[int, datetime, datetime]],
    first: date,
    last: date,
    zone: ZoneInfo,
    closed: Mapping[int, Iterable[date]] | None = None,
) -> Measures:
    """Pure: the figures of local days `first` … `last` for `spaces_`.

    `bookings` are (space id, start, end) of confirmed bookings (any that are not simply
    add nothing outside open time); `closed` maps a space id to its closed local days.
    Every space, day-part and week of the period appears, with zero use if none.
    """
    closed_days = {space_id: set(days) for space_id, days in (closed or {}).items()}
    by_space_day: dict[tuple[int, date], list[tuple[datetime, datetime]]] = defaultdict(list)
    for space_id, start, end in bookings:
        for day in _days(start.astimezone(zone).date(), end.astimezone(zone).date()):
            if first <= day <= last:
                by_space_day[(space_id, day)].append((start, end))

    booked: dict[tuple, int] = defaultdict(int)
    bookable: dict[tuple, int] = defaultdict(int)
    order: dict[Part, tuple[int, int]] = {}

    def add(keys: Sequence[tuple], open_seconds: int, used_seconds: int) -> None:
        for key in keys:
            bookable[key] += open_seconds
            booked[key] += used_seconds

    weeks = {day: _week(day, first, last) for day in _days(first, last)}
    for index, space in enumerate(spaces_):
        parts = _parts_of(space)
        for part, start_minute, _end in parts:
            order[part] = min(order.get(part, (24 * 60, index)), (start_minute, index))
            # Listed even when closed all period.
            add([("part", part), ("space_part", space.id, part)], 0, 0)
        add([("space", space.id)], 0, 0)
        for day in _days(first, last):
            week = weeks[day]
            add([("week", week)], 0, 0)
            if day in closed_days.get(space.id, ()):
                continue
            day_start = datetime.combine(day, time(0), tzinfo=zone)
            taken = by_space_day.get((space.id, day), [])
            for opens, closes in open_intervals(space, day, zone):
                used = sum(_overlap(opens, closes, s, e) for s, e in taken)
                open_seconds = _seconds(opens, closes)
                add([("total",), ("space", space.id), ("week", week)], open_seconds, used)
                covered_open = covered_used = 0
                for part, start_minute, end_minute in parts:
                    p_start = max(opens, day_start + timedelta(minutes=start_minute))
                    p_end = min(closes, day_start + timedelta(minutes=end_minute))
                    if p_end <= p_start:
                        continue
                    part_used = sum(_overlap(p_start, p_end, s, e) for s, e in taken)
                    part_open = _seconds(p_start, p_end)
                    add([("part", part), ("space_part", space.id, part)], part_open, part_used)
                    covered_open += part_open
                    covered_used += part_used
                if covered_open < open_seconds:
                    other = Part(OTHER, OTHER)
                    order.setdefault(other, (24 * 60, len(spaces_)))
                    add(
                        [("part", other), ("space_part", space.id, other)],
                        open_seconds - covered_open,
                        used - covered_used,
                    )

    def usage(key: tuple) -> Usage:
        return Usage(booked[key], bookable[key])

    def part_sort(part: Part) -> tuple[int, int]:
        return order[part]

    part_keys = sorted({k[1] for k in bookable if k[0] == "part"}, key=part_sort)
    result = Measures(first=first, last=last, total=usage(("total",)))
    result.spaces = {space.id: usage(("space", space.id)) for space in spaces_}
    result.parts = {part: usage(("part", part)) for part in part_keys}
    result.space_parts = {
        (space.id, part): usage(("space_part", space.id, part))
        for space in spaces_
        for part in part_keys
        if ("space_part", space.id, part) in bookable
    }
    result.weeks = {week: usage(("week", week)) for week in dict.fromkeys(weeks.values())}
    return result


def _seconds(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


# ---------------------------------------------------------------------------- periods


def parse_day(value, name: str) -> date:
    """A local date written 2026-12-01 (ASCII digits), between 2000 and 2100."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        try:
            if not ISO_DATE.match(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(M.DATE, field=name) from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(M.REPORT_DATE_RANGE, field=name)
    return day


def period(first=None, last=None, *, today: date) -> tuple[date, date]:
    """The period asked for: both ends given, one (a week from or to it), or none (this
    local week, Monday to Sunday). Refuses an end before the start and periods over a year."""
    first = parse_day(first, "from") if first not in (None, "") else None
    last = parse_day(last, "to") if last not in (None, "") else None
    if first is None and last is None:
        first = today - timedelta(days=today.weekday())
    if last is None:
        last = first + timedelta(days=6)
    if first is None:
        first = last - timedelta(days=6)
    if last < first:
        raise InvalidInput(M.REPORT_ENDS_BEFORE_START, field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(M.REPORT_TOO_LONG, field="to", n=MAX_DAYS)
    return first, last


def previous(first: date, last: date) -> tuple[date, date]:
    """The period of equal length ending the day before `first`."""
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


# ---------------------------------------------------------------------------- reading


local_today = clock.today  # the community's date (see points/clock.py)


def report(actor: Member, first=None, last=None, *, today: date | None = None) -> Report:
    """Staff only (403 first): the period asked for (see `period`; strings or dates) against
    the period of equal length before it, for the spaces `actor` looks after."""
    scope = managed_spaces(actor)
    first, last = period(first, last, today=today or local_today())
    zone = clock.zone()
    before_first, before_last = previous(first, last)
    span_start = datetime.combine(before_first, time(0), tzinfo=zone)
    span_end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    ids = [s.id for s in scope]
    rows = (
        db.session.execute(
            sa.select(Booking.space_id, Booking.start_at, Booking.end_at).where(
                Booking.space_id.in_(ids),
                Booking.status == "confirmed",
                Booking.start_at < span_end,
                Booking.end_at > span_start,
                # no booking is longer than MAX_SPAN: a bounded range of the index, however
                # many years of bookings came before
                Booking.start_at > span_start - core.MAX_SPAN,
            )
        ).all()
        if ids
        else []
    )
    closed = {s.id: set(core.closures(s, before_first, last)) for s in scope}
    return Report(
        spaces=scope,
        now=measure(scope, rows, first, last, zone, closed),
        before=measure(scope, rows, before_first, before_last, zone, closed),
    )
