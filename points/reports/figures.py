"""The shapes every report area returns, so pages, exports and the API show any area the
same way: headline `Figure`s (this period, the previous one, the change) and `Table`s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from points.members.models import Member
from points.reports.period import Period
from points.reports.scope import Scope

PUBLIC_MIN_COUNT = 5  # the public summary shows no count below this


@dataclass(frozen=True)
class Context:
    """What an area is asked: by whom, for which scope and period, at which moment."""

    actor: Member | None
    scope: Scope
    period: Period
    now: datetime

    @property
    def previous(self) -> Period:
        return self.period.previous()


@dataclass(frozen=True)
class Figure:
    """One number now and in the previous period (None: it has no earlier value, such as a
    stock read off the catalogue today). `unit`: count, points, hours, ratio or days."""

    key: str
    label: str  # English source text, translated when shown (N_)
    value: float | int | None
    previous: float | int | None = None
    unit: str = "count"
    public: bool = False  # shown on the public summary (aggregates only)

    @property
    def change(self) -> float | int | None:
        if self.value is None or self.previous is None:
            return None
        change = self.value - self.previous
        return round(change, 4) if isinstance(change, float) else change

    @property
    def trend(self) -> str | None:
        """up, down or same; None without both values."""
        if self.change is None:
            return None
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # N_
    unit: str = "text"  # text, count, points, hours, ratio, days


@dataclass
class Table:
    """Rows of values, one per column; `bar`: the column whose values are drawn as bars."""

    key: str
    title: str  # N_
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    bar: str | None = None

    def column(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)


@dataclass
class AreaReport:
    area: str
    title: str  # N_
    context: Context
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # N_ texts, with `warning_args`
    warning_args: dict = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)  # (N_ label, endpoint)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def ratio(part, whole) -> float | None:
    """part ÷ whole rounded to four places; None when the whole is nothing."""
    return round(part / whole, 4) if whole else None


def public_count(n: int | None) -> str:
    """How the public summary shows a count: the number, or "< 5" for fewer than five (a
    small count could point at a neighbour). The one place that decides."""
    if n is None:
        return "—"
    return str(n) if n >= PUBLIC_MIN_COUNT else f"< {PUBLIC_MIN_COUNT}"
