"""Training sessions, their sign-ups and attendance rosters (三阶培训).

A social worker schedules a session of a course in their community, with a number of seats.
Members see the sessions their next level needs and take a seat (never more than the
capacity: the session row is locked while seats are counted) or free it again. Afterwards
the social worker ticks off who came on the sign-in sheet — the signed-up members by a tick
box, walk-ins by phone number. Each attendee's completion of the course is recorded (and may
lapse, per course), which can move them up the ladder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from points import clock, validate
from points import messages as shared
from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.members import messages as M
from points.members import services as members
from points.members.models import Attendance, Course, CourseSession, CourseSignup, Member
from points.notifications import render
from points.notifications import services as notifications

MAX_CAPACITY = 500
DEFAULT_SEATS = 30


def schedule(
    actor: Member,
    *,
    course_code,
    starts_at,
    place,
    capacity=DEFAULT_SEATS,
    community_id: int | None = None,
) -> CourseSession:
    """Schedule a session in the actor's community (admins name the community)."""
    members.require_staff(actor)
    # An unknown code is a field to correct (422), not a missing object (404).
    known = isinstance(course_code, str) and members.course_exists(course_code)
    if not known:
        raise InvalidInput(M.CHOOSE_COURSE, field="course")
    course = members.get_course(course_code)
    starts_at = validate.aware_time(starts_at, "starts_at")
    if not isinstance(place, str) or not place.strip() or len(place.strip()) > 80:
        raise InvalidInput(shared.REQUIRED_AT_MOST_80, field="place")
    if (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or not 1 <= capacity <= MAX_CAPACITY
    ):
        raise InvalidInput(shared.WHOLE_NUMBER, field="capacity", low=1, high=MAX_CAPACITY)
    community_id = community_id if actor.has_role("admin") and community_id else actor.community_id
    if community_id is None:
        raise InvalidInput(shared.NOT_A_COMMUNITY, field="community_id")
    session = CourseSession(
        course_id=course.id,
        community_id=community_id,
        starts_at=starts_at,
        place=place.strip(),
        capacity=capacity,
        created_by=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def get_session(session_id: int, actor: Member) -> CourseSession:
    """A session the actor may manage; another community's is not found."""
    session = db.session.get(CourseSession, session_id) if is_id(session_id) else None
    if session is None or not (
        actor.has_role("admin") or session.community_id == actor.community_id
    ):
        raise NotFound(M.NO_SUCH_SESSION, field="session")
    return session


def sessions(actor: Member) -> list[CourseSession]:
    members.require_staff(actor)
    query = sa.select(CourseSession).order_by(CourseSession.starts_at.desc()).limit(100)
    if not actor.has_role("admin"):
        query = query.where(CourseSession.community_id == actor.community_id)
    return list(db.session.scalars(query))


def record_attendance(
    session: CourseSession,
    phones: list[str] = (),
    *,
    actor: Member,
    member_ids=(),
    now: datetime | None = None,
) -> list[Member]:
    """Tick off attendees — signed-up members by id, walk-ins by phone; all are checked
    before anything is written. Returns the members newly recorded."""
    now = now or utcnow()
    members.require_staff(actor)
    if session.starts_at > now:
        raise InvalidInput(M.ATTENDANCE_TOO_EARLY, field="phones")
    # Each refused element is named as sent (phones[2], member_ids[0]); the message lists them.
    sent = {i: validate.folded(p).strip() for i, p in enumerate(phones) if isinstance(p, str)}
    sent = {i: p for i, p in sent.items() if p}
    wanted = list(sent.values())
    ids = list(member_ids or ())
    if not wanted and not ids:
        raise InvalidInput(M.TICK_SOMEONE, field="phones")
    bad = [i for i, v in enumerate(ids) if not is_id(v)]
    if bad:
        raise InvalidInput(M.MEMBER_IDS, errors={f"member_ids[{i}]": [M.MEMBER_ID()] for i in bad})
    found = {
        m.phone: m for m in db.session.scalars(sa.select(Member).where(Member.phone.in_(wanted)))
    }
    unknown = {i: p for i, p in sent.items() if p not in found}
    if unknown:
        raise InvalidInput(
            M.PHONES_NOT_REGISTERED,
            errors={f"phones[{i}]": [M.PHONE_NOT_REGISTERED(phone=p)] for i, p in unknown.items()},
            phones=list(unknown.values()),
        )
    by_id = {m.id: m for m in db.session.scalars(sa.select(Member).where(Member.id.in_(ids)))}
    missing = {i: v for i, v in enumerate(ids) if v not in by_id}
    if missing:
        raise InvalidInput(
            M.MEMBERS_NOT_FOUND,
            errors={f"member_ids[{i}]": [M.MEMBER_NOT_FOUND(id=v)] for i, v in missing.items()},
            ids=[str(v) for v in missing.values()],
        )
    chosen = [*(by_id[i] for i in ids), *(found[p] for p in wanted)]
    people = list({m.id: m for m in chosen}.values())
    outside = [m.phone for m in people if not members.can_manage(actor, m)]
    if outside:
        raise Forbidden(M.MEMBERS_OUTSIDE, phones=outside)
    already = set(
        db.session.scalars(sa.select(Attendance.member_id).filter_by(session_id=session.id))
    )
    course = db.session.get(Course, session.course_id)
    ticked = []
    for member in people:
        if member.id in already:
            continue
        db.session.add(Attendance(session_id=session.id, member_id=member.id, recorded_by=actor.id))
        members.record_completion(member, course, actor=actor, completed_on=session.starts_at)
        notifications.notify(
            member,
            M.TRAINING_ATTENDED,
            subject=f"training-session:{session.id}",
            now=now,
            course=_course_name(course),
            day=clock.today(session.starts_at),
        )
        ticked.append(member)
    db.session.flush()
    return ticked


# ---------------------------------------------------------------------------- sign-ups


def seats_taken(session: CourseSession) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CourseSignup)
        .filter_by(session_id=session.id, status="signed_up")
    )


def seats_left(session: CourseSession) -> int:
    return max(session.capacity - seats_taken(session), 0)


def signup_of(session: CourseSession, member: Member) -> CourseSignup | None:
    return db.session.scalar(
        sa.select(CourseSignup).filter_by(session_id=session.id, member_id=member.id)
    )


def visible_session(session_id, member: Member) -> CourseSession:
    """A session of the member's own community (any, for an admin); else not found."""
    session = db.session.get(CourseSession, session_id) if is_id(session_id) else None
    if session is None or not (
        member.has_role("admin")
        or (member.community_id is not None and session.community_id == member.community_id)
    ):
        raise NotFound(M.NO_SUCH_SESSION, field="session")
    return session


def sign_up(session: CourseSession, member: Member, *, now: datetime | None = None):
    """Take a seat; never more seats than the capacity, whatever runs at once."""
    now = now or utcnow()
    if member.status != "active":
        raise Forbidden(shared.ACCOUNT_NOT_ACTIVE)
    if member.community_id is None or session.community_id != member.community_id:
        raise NotFound(M.NO_SUCH_SESSION, field="session")
    session = lock_row(db.session, session)
    if session.starts_at <= now:
        raise Conflict(M.SESSION_BEGUN)
    existing = signup_of(session, member)
    if existing is not None and existing.status == "signed_up":
        return existing
    if seats_taken(session) >= session.capacity:
        raise Conflict(shared.PLACES_TAKEN, n=session.capacity)
    if existing is None:
        existing = CourseSignup(session_id=session.id, member_id=member.id, created_at=now)
        db.session.add(existing)
    existing.status = "signed_up"
    db.session.flush()
    notifications.notify(
        member,
        M.TRAINING_SIGNED_UP,
        subject=f"training-session:{session.id}",
        now=now,
        **_about(session),
    )
    return existing


def _course_name(course: Course) -> render.Names:
    return render.names(course.name_zh, course.name_en)


def _about(session: CourseSession) -> dict:
    return {
        "course": _course_name(session.course),
        "start": session.starts_at,
        "place": session.place,
    }


def remind_tomorrow(now: datetime | None = None) -> int:
    """The sweep: remind everyone holding a seat at a session on the community's next day,
    once per sign-up however often the sweep runs. Returns how many reminders it wrote."""
    now = now or utcnow()
    tomorrow = clock.today(now) + timedelta(days=1)
    rows = db.session.execute(
        sa.select(CourseSignup, CourseSession, Member)
        .join(CourseSession, CourseSession.id == CourseSignup.session_id)
        .join(Member, Member.id == CourseSignup.member_id)
        .where(
            CourseSignup.status == "signed_up",
            CourseSession.starts_at >= clock.at(tomorrow),
            CourseSession.starts_at < clock.at(tomorrow + timedelta(days=1)),
            CourseSession.starts_at > now,
            Member.status == "active",
        )
        .order_by(CourseSignup.id)
    ).all()
    written = 0
    for signup, session, member in rows:
        told = notifications.notify(
            member,
            M.TRAINING_TOMORROW,
            subject=f"training-session:{session.id}",
            once=f"training-tomorrow:{signup.id}",
            now=now,
            **_about(session),
        )
        written += told is not None
    return written


def cancel_signup(session: CourseSession, member: Member, *, now: datetime | None = None):
    """Free the member's seat before the session begins."""
    now = now or utcnow()
    signup = signup_of(session, member)
    if signup is None or signup.status != "signed_up":
        raise NotFound(M.NOT_SIGNED_UP, field="session")
    if session.starts_at <= now:
        raise Conflict(M.SESSION_BEGUN)
    signup.status = "cancelled"
    db.session.flush()
    return signup


@dataclass(frozen=True)
class Offer:
    """A session as a member sees it: seats left and whether they hold one."""

    session: CourseSession
    seats_left: int
    signed_up: bool
    attended: bool = False


def _offer(session: CourseSession, member: Member) -> Offer:
    signup = signup_of(session, member)
    attended = db.session.scalar(
        sa.select(Attendance.id).filter_by(session_id=session.id, member_id=member.id)
    )
    return Offer(
        session=session,
        seats_left=seats_left(session),
        signed_up=signup is not None and signup.status == "signed_up",
        attended=attended is not None,
    )


def needed_courses(member: Member, *, now: datetime | None = None) -> list[Course]:
    """Courses the member's next level needs and they do not currently hold."""
    now = now or utcnow()
    progress = members.progress_of(member, now=now)
    tiers = [
        r.code.split(":", 1)[1]
        for r in progress.requirements
        if r.code.startswith("course_tier:") and not r.met
    ]
    if not tiers:
        return []
    held = members.current_course_ids(member, now)
    courses = db.session.scalars(
        sa.select(Course).where(Course.tier.in_(tiers)).order_by(Course.id)
    ).all()
    return [c for c in courses if c.id not in held]


def sessions_needed(member: Member, *, now: datetime | None = None) -> list[Offer]:
    """Upcoming sessions in the member's community of the courses their next level needs."""
    now = now or utcnow()
    courses = needed_courses(member, now=now)
    if not courses or member.community_id is None:
        return []
    found = db.session.scalars(
        sa.select(CourseSession)
        .where(
            CourseSession.community_id == member.community_id,
            CourseSession.course_id.in_([c.id for c in courses]),
            CourseSession.starts_at > now,
        )
        .order_by(CourseSession.starts_at)
        .limit(50)
    )
    return [_offer(s, member) for s in found]


def my_signups(member: Member, *, now: datetime | None = None) -> list[Offer]:
    """The member's seats at sessions that have not begun, soonest first."""
    now = now or utcnow()
    found = db.session.scalars(
        sa.select(CourseSession)
        .join(CourseSignup, CourseSignup.session_id == CourseSession.id)
        .where(
            CourseSignup.member_id == member.id,
            CourseSignup.status == "signed_up",
            CourseSession.starts_at > now,
        )
        .order_by(CourseSession.starts_at)
    )
    return [_offer(s, member) for s in found]


def roster(session: CourseSession, *, actor: Member) -> list[CourseSignup]:
    """The sign-in sheet: who holds a seat (staff of the session's community)."""
    members.require_staff(actor)
    get_session(session.id, actor)
    return [s for s in session.signups if s.status == "signed_up"]
