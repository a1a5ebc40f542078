"""A report's period: a month, a quarter or a from–to range of the community's local days,
with the previous period beside it (the month or quarter before; for a range, the same
number of days before it). Instants are the community's local midnights (points/clock.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from points import clock
from points.errors import InvalidInput
from points.reports import messages as M

MAX_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _month_last(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """Local days first..last (both included); `kind` is month, quarter or range."""

    first: date
    last: date
    kind: str = "range"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The instant the period begins (local midnight of its first day)."""
        return clock.at(self.first)

    @property
    def end(self) -> datetime:
        """The instant after the period (local midnight after its last day), exclusive."""
        return clock.at(self.last + timedelta(days=1))

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first.isoformat()}–{self.last.isoformat()}"

    def previous(self) -> Period:
        """The period before, of equal length: the month or quarter before, or as many days."""
        if self.kind == "month":
            last = self.first - timedelta(days=1)
            return Period(last.replace(day=1), last, "month")
        if self.kind == "quarter":
            return quarter_of(self.first - timedelta(days=1))
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def months(self) -> Iterator[Period]:
        """The calendar months the period touches, each cut to the period."""
        first = self.first
        while first <= self.last:
            last = min(_month_last(first), self.last)
            yield Period(first, last, "month" if first.day == 1 and last == _month_last(first)
                         else "range")
            first = last + timedelta(days=1)

    def query(self) -> dict[str, str]:
        """The query string that asks for this period again."""
        if self.kind == "month":
            return {"month": self.label}
        if self.kind == "quarter":
            return {"quarter": self.label}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    return Period(first, _month_last(first), "month")


def quarter_of(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = _month_last(date(first.year, first.month + 2, 1))
    return Period(first, last, "quarter")


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _in_range(day: date, field: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(M.OUT_OF_RANGE, field=field)
    return day


def parse_month(value, field: str = "month") -> Period:
    match = _MONTH.match(_text(value))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(M.MONTH, field=field)
    return month_of(_in_range(date(int(match.group(1)), int(match.group(2)), 1), field))


def parse_day(value, field: str) -> date:
    text = _text(value)
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(M.DATE, field=field) from None
    return _in_range(day, field)


def parse_period(*, month=None, quarter=None, first=None, last=None,
                 today: date | None = None) -> Period:
    """The period asked for by `month` (2026-11), `quarter` (2026-Q4) or `from`/`to` (one end
    alone: the month from or to it); none: this month. Wrong input names its field."""
    given = [name for name, v in (("month", month), ("quarter", quarter)) if v not in (None, "")]
    ranged = first not in (None, "") or last not in (None, "")
    if len(given) + ranged > 1:
        raise InvalidInput(M.ONE_PERIOD, field=given[-1] if len(given) > 1 else "month")
    if month not in (None, ""):
        return parse_month(month)
    if quarter not in (None, ""):
        match = _QUARTER.match(_text(quarter))
        if not match:
            raise InvalidInput(M.QUARTER, field="quarter")
        year = int(match.group(1))
        day = _in_range(date(year, 3 * (int(match.group(2)) - 1) + 1, 1), "quarter")
        return quarter_of(day)
    if not ranged:
        return month_of(today or clock.today())
    start = parse_day(first, "from") if first not in (None, "") else None
    stop = parse_day(last, "to") if last not in (None, "") else None
    if start is None:
        start = stop - timedelta(days=30)
    if stop is None:
        stop = start + timedelta(days=30)
    if stop < start:
        raise InvalidInput(M.ENDS_BEFORE_START, field="to")
    if (stop - start).days + 1 > MAX_DAYS:
        raise InvalidInput(M.TOO_LONG, field="to", n=MAX_DAYS)
    return Period(start, stop)
