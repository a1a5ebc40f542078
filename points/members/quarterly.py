"""Quarterly host assessment (三色预警).

A quarter is rated only once it has ended; before then staff may look at a preview that
records nothing. Only members who held the host role during the quarter are rated, each on
the days they held it (measures over those days, counting thresholds scaled to them); one
who held it for less than half the quarter is listed as not rated. Rating makes drafts,
which may be run again; a social worker publishes them after a confirmation naming how many
hosts and colours. Only published colours count: the host sees them, and two published reds
in consecutive rated quarters of one tenure return the host to community talent — through
members.demote, so the loss has the same consequences as any other (bookings, minutes).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from points import clock
from points import messages as shared
from points.database import lock_row, utcnow
from points.errors import Conflict, InvalidInput, NotFound
from points.extensions import db
from points.members import messages as M
from points.members import services as members
from points.members.assessment import (
    COLOURS,
    Inputs,
    Rating,
    Thresholds,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    rate,
)
from points.members.models import Assessment, LevelChange, Member
from points.notifications import services as notifications

RATED = ("green", "yellow", "red")
# Where two published reds in a row return a host to.
DEMOTED_TO = "talent"


_zone = clock.zone


def _bounds(value) -> tuple[datetime, datetime]:
    try:
        return quarter_bounds(value, _zone())
    except (ValueError, TypeError):
        raise InvalidInput(M.QUARTER_FORMAT, field="quarter") from None


def _started(quarter, now: datetime) -> str:
    start, _ = _bounds(quarter)
    if start > now:
        raise InvalidInput(M.FUTURE_QUARTER, field="quarter")
    return quarter


def _ended(quarter, now: datetime) -> str:
    _, end = _bounds(quarter)
    if end > now:
        raise InvalidInput(M.QUARTER_NOT_ENDED, field="quarter", quarter=quarter, date=end.date())
    return quarter


def has_ended(quarter: str, now: datetime | None = None) -> bool:
    return _bounds(quarter)[1] <= (now or utcnow())


@dataclass
class HostQuarter:
    """A member who held the host role during a quarter, and on which days."""

    member: Member
    segments: list[tuple[datetime, datetime]]
    days_held: int
    days_in_quarter: int
    since: datetime  # the start of their first stretch as host in the quarter
    assessment: Assessment | None = None
    preview: Rating | None = None  # a running quarter: what the data says so far

    @property
    def rated(self) -> bool:
        """Held the role for at least half of the quarter."""
        return self.days_held * 2 >= self.days_in_quarter


def _host_quarter(member: Member, start: datetime, end: datetime, now: datetime):
    segments = []
    for since, until in members.host_periods(member):
        s, e = max(since, start), min(until or now, end, now)
        if s < e:
            segments.append((s, e))
    if not segments:
        return None
    held = sum((e - s).total_seconds() for s, e in segments)
    return HostQuarter(
        member=member,
        segments=segments,
        days_held=round(held / 86400),
        days_in_quarter=round((end - start).total_seconds() / 86400),
        since=segments[0][0],
    )


def hosts_of(actor: Member, quarter: str, *, now: datetime) -> list[HostQuarter]:
    """Members in the actor's scope who held the host role during the quarter."""
    start, end = _bounds(quarter)
    ever_host = sa.exists().where(
        LevelChange.member_id == Member.id,
        (LevelChange.to_level == "host") | (LevelChange.from_level == "host"),
    )
    candidates = db.session.scalars(
        sa.select(Member)
        .where(members.staff_scope(actor), (Member.level == "host") | ever_host)
        .order_by(Member.id)
    ).all()
    found = [_host_quarter(m, start, end, now) for m in candidates]
    return [hq for hq in found if hq is not None]


def _thresholds() -> Thresholds:
    return Thresholds.from_config(current_app.config)


def inputs_for(member_id: int, segments: list[tuple[datetime, datetime]]) -> Inputs:
    """Measured inputs over the days held; None where the platform does not measure one."""
    values = {}
    for name in members.MEASURES:
        parts = [members.measure(name, member_id, s, e) for s, e in segments]
        known = [p for p in parts if p is not None]
        if not known:
            values[name] = None
        elif name in members.AVERAGED:
            values[name] = round(sum(known) / len(known), 2)
        else:
            values[name] = sum(known)
    return Inputs(**values)


def score(hq: HostQuarter) -> Rating:
    share = hq.days_held / hq.days_in_quarter if hq.days_in_quarter else 1
    return rate(inputs_for(hq.member.id, hq.segments), _thresholds().scaled(share))


def _assessments(quarter: str, member_ids) -> dict[int, Assessment]:
    rows = db.session.scalars(
        sa.select(Assessment).where(
            Assessment.quarter == quarter, Assessment.member_id.in_(list(member_ids))
        )
    )
    return {a.member_id: a for a in rows}


def preview(actor: Member, quarter: str, *, now: datetime | None = None) -> list[HostQuarter]:
    """What the data says so far, for a running or an ended quarter; records nothing."""
    now = now or utcnow()
    quarter = _started(quarter, now)
    rows = hosts_of(actor, quarter, now=now)
    for hq in rows:
        if hq.rated or not has_ended(quarter, now):
            hq.preview = score(hq)
    return rows


def run_draft(actor: Member, quarter: str, *, now: datetime | None = None) -> list[Assessment]:
    """Rate every host of an ended quarter as a draft (again, if drafts exist); published
    scorecards are left as they are."""
    now = now or utcnow()
    quarter = _ended(quarter, now)
    rows = hosts_of(actor, quarter, now=now)
    existing = _assessments(quarter, [hq.member.id for hq in rows])
    drafts = []
    for hq in rows:
        found = existing.get(hq.member.id)
        if found is not None and found.status == "published":
            continue
        if not hq.rated:
            if found is not None:
                db.session.delete(found)
            continue
        rating = score(hq)
        draft = found or Assessment(member_id=hq.member.id, quarter=quarter, status="draft")
        draft.colour = rating.colour
        draft.findings = [asdict(f) for f in rating.findings]
        draft.days_rated, draft.days_in_quarter = hq.days_held, hq.days_in_quarter
        draft.assessed_by, draft.created_at = actor.id, now
        if found is None:
            try:
                with db.session.begin_nested():
                    db.session.add(draft)
                    db.session.flush()
            except IntegrityError:  # another social worker rated this host at the same instant
                continue
        drafts.append(draft)
    db.session.flush()
    return drafts


def drafts_of(actor: Member, quarter: str, *, lock: bool = False) -> list[Assessment]:
    """The quarter's drafts in the actor's scope (`lock`: under row locks, re-read, so two
    social workers publishing at once publish each draft once)."""
    _bounds(quarter)
    query = (
        sa.select(Assessment)
        .join(Member, Member.id == Assessment.member_id)
        .where(
            members.staff_scope(actor),
            Assessment.quarter == quarter,
            Assessment.status == "draft",
        )
        .order_by(Assessment.member_id)
    )
    if lock:
        query = query.with_for_update(of=Assessment).execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def _tenure_start(member: Member) -> datetime | None:
    periods = members.host_periods(member)
    if not periods or periods[-1][1] is not None:
        return None
    return periods[-1][0]


def _red_pair(member: Member, quarter: str, colours: dict[str, str]) -> str | None:
    """The other quarter of two reds in consecutive rated quarters of the current tenure,
    given the member's published colours (plus `colours` about to be published)."""
    if member.level != "host" or member.status != "active" or colours.get(quarter) != "red":
        return None
    tenure = _tenure_start(member)
    if tenure is None:
        return None
    rated = {
        q: c for q, c in colours.items() if c in RATED and quarter_bounds(q, _zone())[1] > tenure
    }
    order = sorted(rated)
    i = order.index(quarter)
    for j in (i - 1, i + 1):
        if 0 <= j < len(order) and rated[order[j]] == "red":
            return order[j]
    return None


def _published_colours(member_id: int) -> dict[str, str]:
    return dict(
        db.session.execute(
            sa.select(Assessment.quarter, Assessment.colour).filter_by(
                member_id=member_id, status="published"
            )
        ).all()
    )


@dataclass(frozen=True)
class Summary:
    """What publishing a quarter's drafts will do: the confirmation names it."""

    quarter: str
    colours: dict[str, int]  # colour → how many hosts
    demotions: list[tuple[Member, str]]  # the host and the other red quarter

    @property
    def hosts(self) -> int:
        return sum(self.colours.values())

    @property
    def token(self) -> str:
        """The counts as the confirmation showed them (publish refuses if they changed)."""
        return ",".join(f"{c}={self.colours.get(c, 0)}" for c in COLOURS)


def summary(actor: Member, quarter: str, drafts: list[Assessment] | None = None) -> Summary:
    if drafts is None:
        drafts = drafts_of(actor, quarter)
    counts = Counter(d.colour for d in drafts)
    demotions = []
    for d in drafts:
        other = _red_pair(d.member, quarter, _published_colours(d.member_id) | {quarter: d.colour})
        if other:
            demotions.append((d.member, other))
    return Summary(quarter, {c: counts.get(c, 0) for c in COLOURS}, demotions)


def publish(
    actor: Member, quarter: str, *, confirmed: str | None, now: datetime | None = None
) -> tuple[list[Assessment], list[LevelChange]]:
    """Publish the quarter's drafts in the actor's scope, as confirmed (`Summary.token`),
    and return hosts with two consecutive published reds to community talent."""
    now = now or utcnow()
    quarter = _ended(quarter, now)
    drafts = drafts_of(actor, quarter, lock=True)
    shown = summary(actor, quarter, drafts)
    if not shown.hosts:
        raise Conflict(M.NO_DRAFT, quarter=quarter)
    if confirmed != shown.token:
        raise Conflict(M.DRAFTS_CHANGED, field="confirmed")
    for draft in drafts:
        draft.status, draft.published_by, draft.published_at = "published", actor.id, now
        notifications.notify(
            draft.member,
            M.ASSESSMENT_PUBLISHED,
            subject=f"assessment:{draft.id}",
            now=now,
            quarter=quarter,
            colour=draft.colour,
        )
    db.session.flush()
    demoted = []
    for draft in drafts:
        member = lock_row(db.session, draft.member)
        other = _red_pair(member, quarter, _published_colours(member.id))
        if other:
            first, second = sorted((other, quarter))
            demoted.append(
                members.demote(
                    member,
                    DEMOTED_TO,
                    actor_id=actor.id,
                    now=now,
                    reason=f"三色预警: red in {first} and {second}; returned to community talent",
                )
            )
    return drafts, demoted


def add_note(assessment: Assessment, *, note, actor: Member) -> Assessment:
    """Record the improvement agreed with the host for a yellow or red quarter."""
    members.require_manager(actor, members.get_member(assessment.member_id))
    if assessment.colour not in ("yellow", "red"):
        raise Conflict(M.NOTE_YELLOW_RED, field="note")
    if not isinstance(note, str) or not note.strip():
        raise InvalidInput(shared.REQUIRED, field="note")
    if len(note.strip()) > 1000:
        raise InvalidInput(shared.TOO_LONG, field="note", limit=1000)
    assessment.improvement_note = note.strip()
    db.session.flush()
    return assessment


def get_assessment(assessment_id: int) -> Assessment:
    found = db.session.get(Assessment, assessment_id)
    if found is None:
        raise NotFound(M.NO_SUCH_ASSESSMENT, field="assessment")
    return found


ORDER = {"red": 0, "yellow": 1, "unrated": 2, "green": 3, None: 4}


def board(actor: Member, quarter: str, *, now: datetime | None = None) -> list[HostQuarter]:
    """The quarter's hosts in scope with their scorecard (published or draft) or, for a
    running quarter, a preview; reds first, those not rated last."""
    now = now or utcnow()
    rows = preview(actor, quarter, now=now) if not has_ended(quarter, now) else None
    if rows is None:
        quarter = _started(quarter, now)
        rows = hosts_of(actor, quarter, now=now)
    found = _assessments(quarter, [hq.member.id for hq in rows])
    for hq in rows:
        hq.assessment = found.get(hq.member.id)

    def key(hq: HostQuarter):
        colour = hq.assessment.colour if hq.assessment else hq.preview and hq.preview.colour
        return (not hq.rated, ORDER[colour or None], hq.member.id)

    return sorted(rows, key=key)


def latest_for(member: Member) -> Assessment | None:
    """The member's latest published scorecard (drafts are not shown to the host)."""
    return db.session.scalar(
        sa.select(Assessment)
        .filter_by(member_id=member.id, status="published")
        .order_by(Assessment.quarter.desc())
        .limit(1)
    )


def current_quarter(now: datetime | None = None) -> str:
    return quarter_of(now or utcnow(), _zone())


def last_ended_quarter(now: datetime | None = None) -> str:
    return previous_quarter(current_quarter(now))
