"""People: members per level at the end of each month, certified and active volunteers and
their hours, the ladder funnel (registered → volunteer → talent → applied → selected →
appointed) and, per recruitment round (the quarter an application came in), applied →
selected."""

from __future__ import annotations

import sqlalchemy as sa

from points import clock
from points.activities import services as activities
from points.activities.models import Claim
from points.errors import N_
from points.extensions import db
from points.members import services as members
from points.members.models import LEVELS, HostApplication, LevelChange, Member
from points.reports.figures import AreaReport, Column, Context, Figure, Table
from points.reports.period import Period, quarter_of
from points.reports.scope import Scope

SELECTED = ("selected", "appointed")


def _applications(scope: Scope, end):
    return (
        HostApplication.member_id.in_(scope.members()),
        HostApplication.created_at < end,
    )


def funnel(scope: Scope, end, levels: dict[str, int]) -> list[tuple[str, str, int]]:
    """(key, label, members) for each step of the ladder as of `end`: everyone registered;
    those who ever reached volunteer or talent (or stand there now); applied; selected;
    appointed."""
    reached = {}
    recorded = sa.select(LevelChange.member_id)
    for level in ("volunteer", "talent"):
        above = LEVELS[LEVELS.index(level):]
        ever = sa.select(LevelChange.member_id).where(
            LevelChange.to_level.in_(above), LevelChange.created_at < end
        )
        reached[level] = db.session.scalar(
            sa.select(sa.func.count()).select_from(Member).where(
                scope.where(Member.community_id),
                Member.created_at < end,
                # with no recorded change (loaded so), the level they stand at counts
                sa.or_(Member.id.in_(ever), sa.and_(Member.level.in_(above),
                                                   Member.id.not_in(recorded))),
            )
        )
    applied = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(HostApplication.member_id))).where(
            *_applications(scope, end)
        )
    )
    selected = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(HostApplication.member_id))).where(
            *_applications(scope, end), HostApplication.status.in_(SELECTED)
        )
    )
    appointed = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(HostApplication.member_id))).where(
            *_applications(scope, end), HostApplication.status == "appointed"
        )
    )
    return [
        ("registered", N_("Registered"), sum(levels.values())),
        ("volunteer", N_("Became volunteers"), int(reached["volunteer"])),
        ("talent", N_("Became community talents"), int(reached["talent"])),
        ("applied", N_("Applied to host"), int(applied)),
        ("selected", N_("Selected"), int(selected)),
        ("appointed", N_("Appointed hosts"), int(appointed)),
    ]


def rounds(scope: Scope, period: Period) -> list[list]:
    """Per recruitment round (the quarter applications came in, up to the period's end):
    applied → selected."""
    rows = db.session.execute(
        sa.select(HostApplication.created_at, HostApplication.status).where(
            *_applications(scope, period.end)
        )
    ).all()
    tally: dict[str, list[int]] = {}
    for created, status in rows:
        label = quarter_of(clock.local(created).date()).label
        counts = tally.setdefault(label, [0, 0])
        counts[0] += 1
        counts[1] += status in SELECTED
    return [[label, a, s] for label, (a, s) in sorted(tally.items())]


def build(ctx: Context) -> AreaReport:
    scope, period, before = ctx.scope, ctx.period, ctx.previous
    where = scope.where(Member.community_id)
    months = list(period.months())
    by_month = members.levels_at(where, [m.end for m in months] + [before.end])
    at_end, at_before = by_month[-2], by_month[-1]

    def certified(counts: dict[str, int]) -> int:
        return sum(n for level, n in counts.items() if members.is_certified_volunteer(level))

    served, hours = activities.service_totals(scope.where(Claim.community_id), period.first,
                                              period.last)
    served_before, hours_before = activities.service_totals(
        scope.where(Claim.community_id), before.first, before.last
    )
    steps = funnel(scope, period.end, at_end)
    steps_before = {key: n for key, _, n in funnel(scope, before.end, at_before)}
    report = AreaReport("people", N_("People"), ctx)
    report.figures = [
        Figure("members", N_("Members"), sum(at_end.values()), sum(at_before.values()),
               public=True),
        Figure("certified", N_("Certified volunteers"), certified(at_end), certified(at_before),
               public=True),
        Figure("hosts", N_("Community hosts"), at_end["host"], at_before["host"], public=True),
        Figure("active", N_("Volunteers active in the period"), served, served_before,
               public=True),
        Figure("hours", N_("Hours served"), hours, hours_before, "hours", public=True),
        Figure("applied", N_("Applied to host"), steps[3][2], steps_before["applied"]),
        Figure("selected", N_("Selected hosts"), steps[4][2], steps_before["selected"],
               public=True),
    ]
    report.tables = [
        Table(
            "levels_by_month",
            N_("Members per level at the end of each month"),
            [Column("month", N_("Month"))]
            + [Column(level, label, "count") for level, label in (
                ("resident", N_("Residents")), ("volunteer", N_("Volunteers")),
                ("talent", N_("Community talents")), ("host", N_("Community hosts")))],
            [[f"{m.first:%Y-%m}", *(counts[level] for level in LEVELS)]
             for m, counts in zip(months, by_month, strict=False)],
        ),
        Table(
            "funnel",
            N_("The ladder: registered → appointed host"),
            [Column("step", N_("Step")), Column("members", N_("Members"), "count"),
             Column("previous", N_("Previous period"), "count")],
            [[label, n, steps_before[key]] for key, label, n in steps],
            bar="members",
        ),
        Table(
            "rounds",
            N_("Host recruitment rounds: applied → selected"),
            [Column("round", N_("Round (quarter applied)")),
             Column("applied", N_("Applied"), "count"),
             Column("selected", N_("Selected"), "count")],
            rounds(scope, period),
        ),
    ]
    return report
