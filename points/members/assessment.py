"""Three-colour rating (三色预警) of a host's quarter, as a pure function of its inputs.

Each input is rated green / yellow / red against thresholds from configuration; the
quarter is red when any input is red or two are yellow, yellow when one is, else green.
An input the platform does not measure yet is passed as None: it is shown as "not measured
yet" and left out of the rating rather than counted as a failure (a host must not be
demoted for data the platform never had). With no measured input at all, the quarter is
"unrated". Each finding carries its thresholds and unit, so a scorecard can say what would
lift it, and by how much of what ("3 more sessions").
A host who held the role for part of the quarter is rated on those days: the thresholds
that count things (hours, sessions) are scaled to the share of the quarter (`scaled`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, tzinfo

COLOURS = ("green", "yellow", "red", "unrated")
# What each measure counts: its value, thresholds and gap to green are in this unit (a share
# is a fraction, 0.25 being 25 %; a rating is on the participants' 1–5 scale).
UNITS = {
    "service_hours": "hours",
    "programmes_held": "sessions",
    "no_show_rate": "share",
    "rating": "rating",
    "complaints": "complaints",
}
# The gap is rounded up to a step the unit is counted in, so it never promises too little.
_STEPS = {"hours": 0.1, "sessions": 1, "share": 0.001, "rating": 0.1, "complaints": 1}


@dataclass(frozen=True)
class Inputs:
    service_hours: float | None = None  # approved service hours in the quarter
    programmes_held: int | None = None  # programme sessions the host ran
    bookings_used: int | None = None  # bookings checked in
    no_shows: int | None = None  # bookings not checked in
    rating: float | None = None  # participants' average rating, 1–5
    complaints: int | None = None  # upheld complaints
    participants: int | None = None  # members who attended the host's sessions (not rated)


@dataclass(frozen=True)
class Thresholds:
    hours_green: float = 30
    hours_yellow: float = 12
    programmes_green: int = 6
    programmes_yellow: int = 3
    no_show_rate_green: float = 0.10
    no_show_rate_yellow: float = 0.25
    rating_green: float = 4.5
    rating_yellow: float = 4.0
    complaints_yellow: int = 1
    complaints_red: int = 2

    @classmethod
    def from_config(cls, config: Mapping) -> Thresholds:
        values = {}
        for f in fields(cls):
            key = f"ASSESSMENT_{f.name.upper()}"
            if key in config:
                values[f.name] = type(f.default)(config[key])
        return cls(**values)

    def scaled(self, share: float) -> Thresholds:
        """Thresholds for `share` (0–1] of a quarter: counts scale, rates do not."""
        if share >= 1:
            return self
        return replace(
            self,
            hours_green=round(self.hours_green * share, 1),
            hours_yellow=round(self.hours_yellow * share, 1),
            programmes_green=max(1, round(self.programmes_green * share)),
            programmes_yellow=max(1, round(self.programmes_yellow * share)),
        )


@dataclass(frozen=True)
class Finding:
    code: str  # which input
    value: float | int | None  # None: not measured yet
    colour: str  # green / yellow / red / unrated
    green: float | int | None = None  # at least (better "higher") / at most ("lower") this
    yellow: float | int | None = None
    better: str = "higher"  # "higher" or "lower"

    @classmethod
    def from_record(cls, record: Mapping) -> Finding:
        """A finding as a scorecard stored it (its fields as a mapping)."""
        return cls(**{f.name: record[f.name] for f in fields(cls) if f.name in record})

    @property
    def unit(self) -> str:
        return UNITS.get(self.code, "")

    @property
    def to_green(self) -> float | None:
        """How far the value is from green (None: green already, or not measured)."""
        if self.value is None or self.colour == "green" or self.green is None:
            return None
        return round(abs(self.value - self.green), 3)

    @property
    def gap(self) -> float | int | None:
        """What would lift it: how much more (better "higher") or less ("lower") reaches
        green, in `unit`, rounded up to a whole step of it (3 sessions, 2.5 hours)."""
        distance = self.to_green
        if distance is None:
            return None
        step = _STEPS.get(self.unit, 0.001)
        steps = math.ceil(round(distance / step, 6))
        return steps if step == 1 else round(steps * step, 3)


@dataclass(frozen=True)
class Rating:
    colour: str
    findings: tuple[Finding, ...]

    @property
    def reasons(self) -> tuple[Finding, ...]:
        """The findings that made the quarter less than green."""
        return tuple(f for f in self.findings if f.colour in ("yellow", "red"))


def _at_least(value, green, yellow) -> str:
    return "green" if value >= green else "yellow" if value >= yellow else "red"


def _at_most(value, green, yellow) -> str:
    return "green" if value <= green else "yellow" if value <= yellow else "red"


def rate(inputs: Inputs, t: Thresholds) -> Rating:
    """The quarter's colour and a finding per input."""
    found = []

    def add(code, value, green, yellow, better="higher"):
        judge = _at_least if better == "higher" else _at_most
        colour = "unrated" if value is None else judge(value, green, yellow)
        found.append(Finding(code, value, colour, green, yellow, better))

    add("service_hours", inputs.service_hours, t.hours_green, t.hours_yellow)
    add("programmes_held", inputs.programmes_held, t.programmes_green, t.programmes_yellow)
    booked = None
    if inputs.bookings_used is not None and inputs.no_shows is not None:
        total = inputs.bookings_used + inputs.no_shows
        booked = round(inputs.no_shows / total, 3) if total else 0.0
    add("no_show_rate", booked, t.no_show_rate_green, t.no_show_rate_yellow, "lower")
    add("rating", inputs.rating, t.rating_green, t.rating_yellow)
    # Whole complaints: green below the yellow count, yellow below the red count.
    add("complaints", inputs.complaints, t.complaints_yellow - 1, t.complaints_red - 1, "lower")
    colours = [f.colour for f in found if f.colour != "unrated"]
    if not colours:
        overall = "unrated"
    elif "red" in colours or colours.count("yellow") >= 2:
        overall = "red"
    elif "yellow" in colours:
        overall = "yellow"
    else:
        overall = "green"
    return Rating(overall, tuple(found))


def quarter_of(moment: datetime, zone: tzinfo = UTC) -> str:
    """The quarter holding `moment` on the community's calendar (`zone`)."""
    moment = moment.astimezone(zone)
    return f"{moment.year}Q{(moment.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """[start, end) of a quarter like "2026Q4": midnights of the community's calendar."""
    try:
        year, q = int(quarter[:4]), int(quarter[5])
        if quarter[4] != "Q" or len(quarter) != 6 or not 1 <= q <= 4:
            raise ValueError
    except (ValueError, IndexError):
        raise ValueError(f"not a quarter: {quarter!r}") from None
    start = datetime(year, 3 * q - 2, 1, tzinfo=zone)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=zone)
    return start, end


def previous_quarter(quarter: str) -> str:
    start, _ = quarter_bounds(quarter)
    year, q = start.year, (start.month - 1) // 3 + 1
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"
