"""Reading reports: one area for a reader's scope and period, every area (the Excel workbook
and the monthly summary), and the public summary of a community (no sign-in, aggregates
only, small counts masked)."""

from __future__ import annotations

from datetime import datetime

from points import clock
from points.errors import NotFound
from points.members.models import Member
from points.reports import messages as M
from points.reports.areas import AREAS
from points.reports.figures import AreaReport, Context, Figure
from points.reports.period import Period, month_of, parse_month, parse_period
from points.reports.scope import Scope, community, scope_for


def area_codes() -> list[str]:
    return list(AREAS)


def _area(code: str):
    found = AREAS.get(code)
    if found is None:
        raise NotFound(M.NO_SUCH_AREA, field="area")
    return found


def context(actor: Member, *, community_id=None, month=None, quarter=None, first=None,
            last=None, now: datetime | None = None) -> Context:
    """Who may read what (scope_for), then the period; wrong input names its field."""
    scope = scope_for(actor, community_id)
    now = now or clock.now()
    period = parse_period(month=month, quarter=quarter, first=first, last=last,
                          today=clock.today(now))
    return Context(actor, scope, period, now)


def area_report(ctx: Context, code: str) -> AreaReport:
    """One area's figures and tables for the context's scope and period."""
    return _area(code).build(ctx)


def all_areas(ctx: Context) -> list[AreaReport]:
    return [area.build(ctx) for area in AREAS.values()]


# The monthly summary's headline figures: (area, figure key), in the order printed.
HEADLINES = (
    ("spaces", "utilisation"),
    ("spaces", "booked_hours"),
    ("people", "certified"),
    ("people", "active"),
    ("people", "hours"),
    ("people", "selected"),
    ("economy", "issued"),
    ("economy", "redeemed"),
    ("economy", "outstanding"),
    ("economy", "coverage"),
    ("programmes", "sessions"),
    ("programmes", "participants"),
    ("programmes", "average_rating"),
    ("merchants", "confirmed"),
    ("tickets", "reported"),
    ("tickets", "fixed"),
    ("tickets", "median_days"),
    ("tickets", "satisfied"),
    ("fund", "income"),
    ("fund", "share"),
    ("fund", "paid_amount"),
    ("fund", "balance"),
)


def monthly(actor: Member, month=None, *, community_id=None,
            now: datetime | None = None) -> tuple[Context, list[AreaReport], list[Figure]]:
    """The printable monthly summary (月度治理报告): every area for one month, and its
    headline figures."""
    now = now or clock.now()
    period = parse_month(month) if month not in (None, "") else month_of(clock.today(now))
    ctx = Context(actor, scope_for(actor, community_id), period, now)
    reports = all_areas(ctx)
    return ctx, reports, headlines(reports)


def headlines(reports: list[AreaReport]) -> list[Figure]:
    by_area = {r.area: r for r in reports}
    out = []
    for area, key in HEADLINES:
        report = by_area.get(area)
        found = [f for f in report.figures if f.key == key] if report else []
        out += found
    return out


def public_summary(community_id, month=None, *, now: datetime | None = None):
    """A community's public figures for a month (no sign-in): the figures marked public, of
    the areas that need no staff reader. Counts are masked by `figures.public_count`."""
    now = now or clock.now()
    found = community(community_id)
    period = parse_month(month) if month not in (None, "") else month_of(clock.today(now))
    ctx = Context(None, Scope(found), period, now)
    reports = [area.build(ctx) for code, area in AREAS.items() if code != "spaces"]
    figures = [(r, [f for f in r.figures if f.public]) for r in reports]
    return ctx, [(r, fs) for r, fs in figures if fs]


__all__ = ["Period", "area_codes", "area_report", "context", "monthly", "public_summary"]
