"""Merchants (爱心商户 and 共建单位): per provider, vouchers issued, confirmed (核销) and lapsed,
and the points confirmed, for vouchers of the scope's members."""

from __future__ import annotations

import sqlalchemy as sa

from points.errors import N_
from points.extensions import db
from points.marketplace.models import Provider, Redemption
from points.reports.figures import AreaReport, Column, Context, Figure, Table
from points.reports.period import Period
from points.reports.scope import Scope


def _counts(scope: Scope, period: Period) -> dict[int, list[int]]:
    """provider id → [issued, confirmed, expired, points confirmed]: each by the moment it
    happened (issued when held, confirmed at the counter, expired when it lapsed)."""
    mine = scope.member_of(Redemption.member_id)
    out: dict[int, list[int]] = {}
    steps = (
        (0, Redemption.created_at, None),
        (1, Redemption.confirmed_at, "confirmed"),
        (2, Redemption.ended_at, "expired"),
    )
    for index, column, status in steps:
        query = (
            sa.select(Redemption.provider_id, sa.func.count(), sa.func.sum(Redemption.points))
            .where(mine, column >= period.start, column < period.end)
            .group_by(Redemption.provider_id)
        )
        if status is not None:
            query = query.where(Redemption.status == status)
        for provider_id, n, points in db.session.execute(query):
            row = out.setdefault(provider_id, [0, 0, 0, 0])
            row[index] = int(n)
            if index == 1:
                row[3] = int(points)
    return out


def build(ctx: Context) -> AreaReport:
    now, before = _counts(ctx.scope, ctx.period), _counts(ctx.scope, ctx.previous)
    names = {
        p.id: {"zh": p.name_zh, "en": p.name_en}
        for p in db.session.scalars(sa.select(Provider).where(Provider.id.in_(list(now))))
    }

    def total(counts: dict[int, list[int]], index: int) -> int:
        return sum(row[index] for row in counts.values())

    report = AreaReport("merchants", N_("Merchants"), ctx)
    report.figures = [
        Figure("issued", N_("Vouchers issued"), total(now, 0), total(before, 0), public=True),
        Figure("confirmed", N_("Vouchers confirmed at the counter"), total(now, 1),
               total(before, 1), public=True),
        Figure("expired", N_("Vouchers lapsed"), total(now, 2), total(before, 2)),
        Figure("points", N_("Points confirmed"), total(now, 3), total(before, 3), "points"),
        Figure("providers", N_("Providers with vouchers"), len(now), len(before), public=True),
    ]
    rows = sorted(now.items(), key=lambda kv: (-kv[1][3], -kv[1][0], kv[0]))
    report.tables = [
        Table(
            "by_provider",
            N_("Vouchers by provider"),
            [Column("provider", N_("Provider")), Column("issued", N_("Issued"), "count"),
             Column("confirmed", N_("Confirmed"), "count"),
             Column("expired", N_("Lapsed"), "count"),
             Column("points", N_("Points confirmed"), "points")],
            [[names[pid], *counts] for pid, counts in rows],
            bar="points",
        )
    ]
    return report
