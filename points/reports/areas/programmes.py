"""Programmes (品牌项目): the sessions held in the period — closed sessions that began in it, as
the host assessment counts them (points/programmes/services.py `programmes_held`) — with
their sign-ups and attendance, the ratings and complaints of those sessions, split by service
tier (公益 / 低偿 / 市场), by community, and the hosts who held the most sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from points.activities.models import Activity, Signup
from points.errors import N_
from points.extensions import db
from points.members.models import Community, Member
from points.programmes.models import Programme, ProgrammeSession, Rating
from points.reports.figures import AreaReport, Column, Context, Figure, Table, ratio
from points.reports.period import Period
from points.reports.scope import Scope
from points.spaces.models import TIERS

TOP_HOSTS = 10
TIER_NAMES = {
    "free": {"zh": "公益", "en": "Free (public-interest)"},
    "low_fee": {"zh": "低偿", "en": "Low fee"},
    "market": {"zh": "市场", "en": "Market price"},
}


@dataclass
class Tally:
    """What a set of held sessions adds up to."""

    programmes: set = field(default_factory=set)
    sessions: int = 0
    signups: int = 0
    attended: int = 0
    participants: set = field(default_factory=set)
    stars: list[int] = field(default_factory=list)
    complaints: int = 0
    upheld: int = 0

    @property
    def average(self) -> float | None:
        return round(sum(self.stars) / len(self.stars), 2) if self.stars else None

    @property
    def satisfied(self) -> float | None:
        return ratio(sum(1 for s in self.stars if s >= 4), len(self.stars))


@dataclass
class Held:
    """The period's held sessions, tallied for the whole scope and by tier, community and host."""

    total: Tally = field(default_factory=Tally)
    tiers: dict[str, Tally] = field(default_factory=dict)
    communities: dict[int, Tally] = field(default_factory=dict)
    hosts: dict[int, Tally] = field(default_factory=dict)

    def each(self, session) -> list[Tally]:
        _, _, tier, host_id, community_id = session
        return [self.total, self.tiers.setdefault(tier, Tally()),
                self.communities.setdefault(community_id, Tally()),
                self.hosts.setdefault(host_id, Tally())]


def held(scope: Scope, period: Period) -> Held:
    """Tally the closed programme sessions of the scope that began in the period."""
    sessions = (
        sa.select(ProgrammeSession.id, Programme.id, Programme.tier, Programme.host_id,
                  Programme.community_id)
        .join(Programme, Programme.id == ProgrammeSession.programme_id)
        .join(Activity, Activity.id == ProgrammeSession.activity_id)
        .where(
            scope.where(Programme.community_id),
            scope.indexed(Activity.community_id),  # the period's activities by their index
            Activity.status == "closed",
            Activity.starts_at >= period.start,
            Activity.starts_at < period.end,
        )
    )
    found = Held()
    by_id = {}
    for row in db.session.execute(sessions):
        by_id[row[0]] = row
        for tally in found.each(row):
            tally.programmes.add(row[1])
            tally.sessions += 1
    if not by_id:
        return found
    ids = sessions.with_only_columns(ProgrammeSession.id).scalar_subquery()
    signups = (
        sa.select(ProgrammeSession.id, Signup.member_id, Signup.checked_in_at.is_not(None))
        .join(Signup, Signup.activity_id == ProgrammeSession.activity_id)
        .where(ProgrammeSession.id.in_(ids), Signup.status == "signed_up")
    )
    for session_id, member_id, came in db.session.execute(signups):
        for tally in found.each(by_id[session_id]):
            tally.signups += 1
            if came:
                tally.attended += 1
                tally.participants.add(member_id)
    ratings = sa.select(Rating.session_id, Rating.stars, Rating.complaint_status).where(
        Rating.session_id.in_(ids)
    )
    for session_id, stars, complaint in db.session.execute(ratings):
        for tally in found.each(by_id[session_id]):
            tally.stars.append(stars)
            tally.complaints += complaint is not None
            tally.upheld += complaint == "upheld"
    return found


def build(ctx: Context) -> AreaReport:
    now, before = held(ctx.scope, ctx.period), held(ctx.scope, ctx.previous)
    this, last = now.total, before.total
    report = AreaReport("programmes", N_("Programmes"), ctx)
    report.figures = [
        Figure("running", N_("Programmes that held sessions"), len(this.programmes),
               len(last.programmes), public=True),
        Figure("sessions", N_("Programme sessions held"), this.sessions, last.sessions,
               public=True),
        Figure("signups", N_("Sign-ups to sessions held"), this.signups, last.signups),
        Figure("attended", N_("Attendances (checked in)"), this.attended, last.attended,
               public=True),
        Figure("participants", N_("Different residents who attended"), len(this.participants),
               len(last.participants), public=True),
        Figure("attendance_rate", N_("Sign-ups who attended"),
               ratio(this.attended, this.signups), ratio(last.attended, last.signups), "ratio"),
        Figure("ratings", N_("Ratings of sessions held"), len(this.stars), len(last.stars)),
        Figure("average_rating", N_("Average rating (1–5 stars)"), this.average, last.average,
               "stars"),
        Figure("satisfied", N_("Ratings of 4 or 5 stars"), this.satisfied, last.satisfied,
               "ratio"),
        Figure("complaints", N_("Complaints"), this.complaints, last.complaints),
        Figure("upheld", N_("Complaints upheld"), this.upheld, last.upheld),
    ]
    columns = [Column("sessions", N_("Sessions held"), "count"),
               Column("signups", N_("Sign-ups"), "count"),
               Column("attended", N_("Attended"), "count"),
               Column("ratings", N_("Ratings"), "count"),
               Column("average", N_("Average rating"), "stars"),
               Column("complaints", N_("Complaints"), "count")]

    def line(tally: Tally) -> list:
        return [tally.sessions, tally.signups, tally.attended, len(tally.stars), tally.average,
                tally.complaints]

    communities = {c.id: c for c in db.session.scalars(
        sa.select(Community).where(Community.id.in_(list(now.communities))))}
    hosts = sorted(now.hosts.items(), key=lambda kv: (-kv[1].sessions, -kv[1].attended, kv[0]))
    hosts = hosts[:TOP_HOSTS]
    names = dict(db.session.execute(
        sa.select(Member.id, Member.name).where(Member.id.in_([h for h, _ in hosts]))).all())
    report.tables = [
        Table(
            "by_tier",
            N_("Programmes by service tier"),
            [Column("tier", N_("Service tier")),
             Column("programmes", N_("Programmes"), "count"), *columns],
            [[TIER_NAMES[tier], len(now.tiers.get(tier, Tally()).programmes),
              *line(now.tiers.get(tier, Tally()))] for tier in TIERS],
            bar="sessions",
        ),
        Table(
            "by_community",
            N_("Programmes by community"),
            [Column("community", N_("Community")),
             Column("programmes", N_("Programmes"), "count"), *columns],
            [[{"zh": communities[cid].name, "en": communities[cid].name_en
               or communities[cid].name}, len(tally.programmes), *line(tally)]
             for cid, tally in sorted(now.communities.items())],
            bar="sessions",
        ),
        Table(
            "top_hosts",
            N_("Hosts with the most sessions"),
            [Column("host", N_("Host")), Column("programmes", N_("Programmes"), "count"),
             *columns],
            [[names.get(host_id, ""), len(tally.programmes), *line(tally)]
             for host_id, tally in hosts],
            bar="sessions",
        ),
    ]
    report.links = [(N_("Complaints about programmes"), "programmes.complaints")]
    return report
