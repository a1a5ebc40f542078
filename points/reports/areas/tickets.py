"""Tickets (随手拍 and 点单): reported, fixed and closed-not-fixed per category, the median days
to fix, and overdue tickets by handling unit — the tickets domain's own count."""

from __future__ import annotations

import statistics

from points.errors import N_
from points.reports.figures import AreaReport, Column, Context, Figure, Table, ratio
from points.tickets import services as tickets
from points.tickets.models import Ticket


def _median(days: list[float]) -> float | None:
    return round(statistics.median(days), 1) if days else None


def build(ctx: Context) -> AreaReport:
    where = ctx.scope.where(Ticket.community_id)
    now = tickets.outcomes(where, ctx.period.start, ctx.period.end)
    before = tickets.outcomes(where, ctx.previous.start, ctx.previous.end)

    def total(found, attribute: str) -> int:
        return sum(getattr(line, attribute) for line in found.lines)

    def satisfied(found) -> float | None:
        return ratio(sum(1 for r in found.ratings if r >= 4), len(found.ratings))

    report = AreaReport("tickets", N_("Tickets"), ctx)
    report.figures = [
        Figure("reported", N_("Tickets reported"), total(now, "reported"),
               total(before, "reported"), public=True),
        Figure("fixed", N_("Tickets fixed"), total(now, "fixed"), total(before, "fixed"),
               public=True),
        Figure("closed_not_fixed", N_("Closed, not fixed"), total(now, "closed_not_fixed"),
               total(before, "closed_not_fixed")),
        Figure("open", N_("Still open"), total(now, "open"), total(before, "open")),
        Figure("median_days", N_("Median days to fix"), _median(now.days_to_fix),
               _median(before.days_to_fix), "days"),
        Figure("satisfied", N_("Reporters satisfied (rating 4 or 5)"), satisfied(now),
               satisfied(before), "ratio"),
    ]
    late = (
        tickets.overdue_by_unit(ctx.actor, community_id=ctx.scope.community.id
                                if ctx.scope.community else None)
        if ctx.actor is not None
        else []
    )
    report.tables = [
        Table(
            "by_category",
            N_("Tickets by category"),
            [Column("category", N_("Category")), Column("reported", N_("Reported"), "count"),
             Column("fixed", N_("Fixed"), "count"),
             Column("closed_not_fixed", N_("Closed, not fixed"), "count"),
             Column("open", N_("Still open"), "count")],
            [[{"zh": line.category.name_zh, "en": line.category.name_en}, line.reported,
              line.fixed, line.closed_not_fixed, line.open] for line in now.lines],
            bar="reported",
        ),
        Table(
            "overdue_by_unit",
            N_("Overdue now, by handling unit"),
            [Column("unit", N_("Unit")), Column("overdue", N_("Overdue"), "count"),
             Column("escalated", N_("Escalated to the street"), "count")],
            [[{"zh": r.unit.name_zh, "en": r.unit.name_en}, r.overdue, r.escalated]
             for r in late],
            bar="overdue",
        ),
    ]
    report.links = [(N_("Overdue tickets"), "tickets.overdue")]
    return report
