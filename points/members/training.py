"""Training sessions and their attendance rosters (三阶培训).

A social worker schedules a session of a course in their community and, afterwards, ticks
off who came — by phone number, as from a paper sign-in sheet. Each attendee's completion of
the course is recorded (and may lapse, per course), which can move them up the ladder.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from points import validate
from points.database import utcnow
from points.errors import Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.members import services as members
from points.members.models import Attendance, Course, CourseSession, Member


def schedule(
    actor: Member, *, course_code, starts_at, place, community_id: int | None = None
) -> CourseSession:
    """Schedule a session in the actor's community (admins name the community)."""
    members.require_staff(actor)
    course = members.get_course(course_code) if isinstance(course_code, str) else None
    if course is None:
        raise InvalidInput("choose a course", field="course")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise InvalidInput("must be a date and time", field="starts_at")
    if not isinstance(place, str) or not place.strip() or len(place.strip()) > 80:
        raise InvalidInput("is required (at most 80 characters)", field="place")
    community_id = community_id if actor.has_role("admin") and community_id else actor.community_id
    if community_id is None:
        raise InvalidInput("is not a community here", field="community_id")
    session = CourseSession(
        course_id=course.id,
        community_id=community_id,
        starts_at=starts_at,
        place=place.strip(),
        created_by=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def get_session(session_id: int, actor: Member) -> CourseSession:
    """A session the actor may manage; another community's is not found."""
    session = db.session.get(CourseSession, session_id)
    if session is None or not (
        actor.has_role("admin") or session.community_id == actor.community_id
    ):
        raise NotFound("no such session", field="session")
    return session


def sessions(actor: Member) -> list[CourseSession]:
    members.require_staff(actor)
    query = sa.select(CourseSession).order_by(CourseSession.starts_at.desc()).limit(100)
    if not actor.has_role("admin"):
        query = query.where(CourseSession.community_id == actor.community_id)
    return list(db.session.scalars(query))


def record_attendance(
    session: CourseSession, phones: list[str], *, actor: Member, now: datetime | None = None
) -> list[Member]:
    """Tick off attendees by phone; all are checked before anything is written."""
    now = now or utcnow()
    if session.starts_at > now:
        raise InvalidInput("attendance is recorded once the session has begun", field="phones")
    wanted = [validate.folded(p).strip() for p in phones if p.strip()]
    if not wanted:
        raise InvalidInput("enter at least one phone number", field="phones")
    found = {
        m.phone: m for m in db.session.scalars(sa.select(Member).where(Member.phone.in_(wanted)))
    }
    unknown = [p for p in wanted if p not in found]
    if unknown:
        raise InvalidInput("not registered: " + ", ".join(unknown), field="phones")
    outside = [p for p in wanted if not members.can_manage(actor, found[p])]
    if outside:
        raise Forbidden("not in your community: " + ", ".join(outside))
    already = set(
        db.session.scalars(sa.select(Attendance.member_id).filter_by(session_id=session.id))
    )
    course = db.session.get(Course, session.course_id)
    ticked = []
    for phone in dict.fromkeys(wanted):
        member = found[phone]
        if member.id in already:
            continue
        db.session.add(Attendance(session_id=session.id, member_id=member.id, recorded_by=actor.id))
        members.record_completion(member, course, actor=actor, completed_on=session.starts_at)
        ticked.append(member)
    db.session.flush()
    return ticked
