"""Shared spaces: the utilisation report's own figures (points/spaces/utilisation.py,
the page at /spaces/utilisation) for the period and the one before, narrowed to the scope's
spaces, and the bookings held. Programmes' sessions, attendance and ratings are their own
area (programmes.py)."""

from __future__ import annotations

import sqlalchemy as sa

from points.errors import N_
from points.extensions import db
from points.reports.figures import AreaReport, Column, Context, Figure, Table, ratio
from points.spaces import utilisation
from points.spaces.models import Booking
from points.spaces.utilisation import Usage


def _usage(measures, ids) -> Usage:
    return sum((measures.spaces.get(i, Usage()) for i in ids), Usage())


def _parts(measures, ids) -> dict:
    out: dict = {}
    for (space_id, part), usage in measures.space_parts.items():
        if space_id in ids:
            out[part] = out.get(part, Usage()) + usage
    return out


def _bookings(ids, period) -> int:
    if not ids:
        return 0
    return int(db.session.scalar(
        sa.select(sa.func.count()).select_from(Booking).where(
            Booking.space_id.in_(ids),
            Booking.status == "confirmed",
            Booking.start_at >= period.start,
            Booking.start_at < period.end,
        )
    ))


def build(ctx: Context) -> AreaReport:
    report = AreaReport("spaces", N_("Shared spaces"), ctx)
    report.links = [(N_("Utilisation report"), "space_reports.utilisation_page")]
    if ctx.actor is None:  # the utilisation report is staff's; the public summary leaves it
        return report
    now = utilisation.report(ctx.actor, ctx.period.first, ctx.period.last)
    before = utilisation.report(ctx.actor, ctx.previous.first, ctx.previous.last)
    spaces = [s for s in now.spaces if ctx.scope.community is None
              or s.community_id == ctx.scope.community.id]
    ids = {s.id for s in spaces}
    use, use_before = _usage(now.now, ids), _usage(before.now, ids)
    report.figures = [
        Figure("utilisation", N_("Utilisation (booked ÷ open hours)"), _rate(use),
               _rate(use_before), "ratio", public=True),
        Figure("booked_hours", N_("Booked hours"), round(use.booked_hours, 1),
               round(use_before.booked_hours, 1), "hours", public=True),
        Figure("bookings", N_("Bookings held"), _bookings(ids, ctx.period),
               _bookings(ids, ctx.previous), public=True),
    ]
    parts, parts_before = _parts(now.now, ids), _parts(before.now, ids)
    # day-parts in the order of the day, as the utilisation report orders them
    order = [p for p, _ in now.parts] + [p for p, _ in before.parts]
    seen = list(dict.fromkeys(p for p in order if p in parts or p in parts_before))
    report.tables = [
        Table(
            "by_part",
            N_("Utilisation by day-part"),
            [Column("part", N_("Day-part")), Column("rate", N_("Utilisation"), "ratio"),
             Column("previous", N_("Previous period"), "ratio"),
             Column("booked", N_("Booked hours"), "hours"),
             Column("use_ratio", N_("Change in use (×)"), "ratio_x")],
            [[{"zh": p.name_zh, "en": p.name_en}, _rate(parts.get(p, Usage())),
              _rate(parts_before.get(p, Usage())), round(parts.get(p, Usage()).booked_hours, 1),
              ratio(parts.get(p, Usage()).booked, parts_before.get(p, Usage()).booked)]
             for p in seen],
            bar="rate",
        ),
        Table(
            "by_space",
            N_("Utilisation by space"),
            [Column("space", N_("Space")), Column("rate", N_("Utilisation"), "ratio"),
             Column("previous", N_("Previous period"), "ratio"),
             Column("booked", N_("Booked hours"), "hours")],
            [[{"zh": s.name_zh, "en": s.name_en}, _rate(_usage(now.now, {s.id})),
              _rate(_usage(before.now, {s.id})), round(_usage(now.now, {s.id}).booked_hours, 1)]
             for s in spaces],
            bar="rate",
        ),
    ]
    return report


def _rate(usage: Usage) -> float | None:
    return None if usage.rate is None else round(usage.rate, 4)



