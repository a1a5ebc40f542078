"""Quarterly host assessment (三色预警): score every host in scope from platform data,
record the scorecard, ask for an improvement note on yellow and red, and return a host to
community talent after two consecutive red quarters (logged; host-only rights go with the
level)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from points.database import utcnow
from points.errors import Conflict, InvalidInput, NotFound
from points.extensions import db
from points.members import services as members
from points.members.assessment import (
    Inputs,
    Thresholds,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    rate,
)
from points.members.models import Assessment, Member


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["COMMUNITY_TIMEZONE"])


def _quarter(value, now: datetime) -> str:
    try:
        start, _ = quarter_bounds(value, _zone())
    except (ValueError, TypeError):
        raise InvalidInput("must be a quarter like 2026Q4", field="quarter") from None
    if start > now:
        raise InvalidInput("must not be a future quarter", field="quarter")
    return value


def inputs_for(member_id: int, quarter: str) -> Inputs:
    """The quarter's measured inputs; None where the platform does not measure one yet."""
    start, end = quarter_bounds(quarter, _zone())
    values = {name: members.measure(name, member_id, start, end) for name in members.MEASURES}
    return Inputs(**values)


def assess_quarter(actor: Member, quarter: str, *, now: datetime | None = None):
    """Rate every active host in the actor's scope not yet rated for `quarter`."""
    now = now or utcnow()
    quarter = _quarter(quarter, now)
    thresholds = Thresholds.from_config(current_app.config)
    hosts = db.session.scalars(
        sa.select(Member)
        .where(members.staff_scope(actor), Member.level == "host", Member.status == "active")
        .where(~sa.exists().where(Assessment.member_id == Member.id, Assessment.quarter == quarter))
        .order_by(Member.id)
    ).all()
    made = []
    for host in hosts:
        rating = rate(inputs_for(host.id, quarter), thresholds)
        assessment = Assessment(
            member_id=host.id,
            quarter=quarter,
            colour=rating.colour,
            findings=[asdict(f) for f in rating.findings],
            assessed_by=actor.id,
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(assessment)
                db.session.flush()
        except IntegrityError:  # another social worker rated this host at the same instant
            continue
        made.append(assessment)
        if rating.colour == "red":
            before = previous_quarter(quarter)
            earlier = db.session.scalar(
                sa.select(Assessment.colour).filter_by(member_id=host.id, quarter=before)
            )
            if earlier == "red":
                members.demote(
                    host,
                    "talent",
                    actor_id=actor.id,
                    now=now,
                    reason=f"三色预警: red in {before} and {quarter}; returned to community talent",
                )
    return made


def add_note(assessment: Assessment, *, note, actor: Member) -> Assessment:
    """Record the improvement agreed with the host for a yellow or red quarter."""
    members.require_manager(actor, members.get_member(assessment.member_id))
    if assessment.colour not in ("yellow", "red"):
        raise Conflict("only yellow and red quarters take an improvement note", field="note")
    if not isinstance(note, str) or not note.strip():
        raise InvalidInput("is required", field="note")
    if len(note.strip()) > 1000:
        raise InvalidInput("must be at most 1000 characters", field="note")
    assessment.improvement_note = note.strip()
    db.session.flush()
    return assessment


def get_assessment(assessment_id: int) -> Assessment:
    found = db.session.get(Assessment, assessment_id)
    if found is None:
        raise NotFound("no such assessment", field="assessment")
    return found


def board(actor: Member, quarter: str, *, now: datetime | None = None):
    """Hosts in scope (and anyone rated that quarter) with their scorecard, reds first."""
    quarter = _quarter(quarter, now or utcnow())
    rows = db.session.execute(
        sa.select(Member, Assessment)
        .outerjoin(
            Assessment, (Assessment.member_id == Member.id) & (Assessment.quarter == quarter)
        )
        .where(members.staff_scope(actor))
        .where((Member.level == "host") | Assessment.id.is_not(None))
        .order_by(Member.id)
    ).all()
    order = {"red": 0, "yellow": 1, "unrated": 2, "green": 3, None: 4}
    return sorted(rows, key=lambda row: order[row[1].colour if row[1] else None])


def latest_for(member: Member) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment)
        .filter_by(member_id=member.id)
        .order_by(Assessment.quarter.desc())
        .limit(1)
    )


def current_quarter(now: datetime | None = None) -> str:
    return quarter_of(now or utcnow(), _zone())
