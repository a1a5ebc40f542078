"""Programmes: create and edit, schedule sessions from bookings, sign up (a session or the
term), rate sessions once, complaints, and the measures the host assessment reads.

Sign-up, capacity, check-in and close are the activities domain's (points/activities/
events.py): a session is an activity, and this module calls those services rather than
counting places itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from points import clock
from points import messages as shared
from points.activities import events
from points.activities.models import Activity, Signup
from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound, PointsError
from points.extensions import db
from points.fund import services as fund
from points.fund import transparency as fund_transparency
from points.fund.models import IncomeEntry
from points.members import services as members
from points.members.models import Member
from points.notifications import services as notifications
from points.programmes import messages as M
from points.programmes.fees import FEE_MAX_FEN
from points.programmes.models import Programme, ProgrammeSession, Rating, TermMember
from points.spaces.models import TIERS, Booking, Space
from points.validate import text, whole

# The catalogue's type for programme sessions: open to residents, a small thank-you per
# session attended (seed/activity_types.toml).
SESSION_ACTIVITY_TYPE = "programme-attend"
# Residents see a programme's average only once this many ratings make it mean something.
PUBLIC_AVERAGE_FROM = 3
# How long after a session its attendees are reminded on the home page to rate it.
RATE_WITHIN = timedelta(days=14)
EDITABLE = {"name", "description", "tier", "fee_fen", "capacity", "space_id", "status"}


# ---------------------------------------------------------------------------- who may


def may_run_programmes(member: Member) -> bool:
    """Community hosts run programmes; social workers and admins may run them for hosts."""
    return member.status == "active" and (member.level == "host" or member.is_staff)


def may_edit(programme: Programme, actor: Member) -> bool:
    """The programme's own host (while a host), a social worker of its community, an admin."""
    if actor.status != "active":
        return False
    if actor.id == programme.host_id and actor.level == "host":
        return True
    if actor.has_role("admin"):
        return True
    return actor.has_role("social_worker") and actor.community_id == programme.community_id


def _require_editor(programme: Programme, actor: Member) -> None:
    if not may_edit(programme, actor):
        raise Forbidden(M.NOT_YOURS)


# ---------------------------------------------------------------------------- programmes


def _check_fee(tier, fee_fen) -> tuple[str, int]:
    if tier not in TIERS:
        raise InvalidInput(M.ONE_OF, field="tier", values=", ".join(TIERS))
    if isinstance(fee_fen, bool) or not isinstance(fee_fen, int):
        raise InvalidInput(M.FEE_SHAPE, field="fee_fen")
    if tier == "free":
        if fee_fen != 0:
            raise InvalidInput(M.FEE_FOR_FREE, field="fee_fen")
    elif not 1 <= fee_fen <= FEE_MAX_FEN:
        raise InvalidInput(
            M.FEE_NEEDED,
            field="fee_fen",
            low=1,
            high=FEE_MAX_FEN,
            low_yuan="0.01",
            high_yuan=f"{FEE_MAX_FEN // 100:,}",
        )
    return tier, fee_fen


def _check_space(space_id, community_id: int) -> int | None:
    if space_id is None or space_id == "":
        return None
    space = db.session.get(Space, space_id) if is_id(space_id) else None
    if space is None or not space.active or space.community_id != community_id:
        raise InvalidInput(M.NO_SUCH_SPACE, field="space_id")
    return space.id


def _host_for(actor: Member, host_id) -> Member:
    """Who the new programme belongs to: the acting host, or a host staff name."""
    if not may_run_programmes(actor):
        raise Forbidden(M.HOSTS_ONLY)
    if host_id is None or (is_id(host_id) and host_id == actor.id):
        if actor.level != "host":
            raise InvalidInput(M.NO_SUCH_HOST, field="host_id")
        return actor
    host = db.session.get(Member, host_id) if is_id(host_id) else None
    if (
        not actor.is_staff
        or host is None
        or host.level != "host"
        or host.status != "active"
        or not (actor.has_role("admin") or host.community_id == actor.community_id)
    ):
        raise InvalidInput(M.NO_SUCH_HOST, field="host_id")
    return host


def create_programme(
    actor: Member,
    *,
    name,
    tier,
    capacity,
    description="",
    fee_fen=0,
    space_id=None,
    host_id=None,
    now: datetime | None = None,
) -> Programme:
    """A host (or staff, naming the host) starts a programme in the host's community."""
    now = now or utcnow()
    host = _host_for(actor, host_id)
    if host.community_id is None:
        raise InvalidInput(M.NO_COMMUNITY, field="community")
    tier, fee_fen = _check_fee(tier, fee_fen)
    programme = Programme(
        community_id=host.community_id,
        host_id=host.id,
        name=text(name, "name", 80),
        description=text(description, "description", 1000, required=False),
        tier=tier,
        fee_fen=fee_fen,
        capacity=whole(capacity, "capacity", 1, 1000),
        space_id=_check_space(space_id, host.community_id),
        status="active",
        created_at=now,
        updated_at=now,
    )
    db.session.add(programme)
    db.session.flush()
    return programme


def update_programme(
    programme: Programme, *, actor: Member, changes: dict, now: datetime | None = None
) -> Programme:
    """Change what is given of name, description, tier, fee, capacity, space and status."""
    _require_editor(programme, actor)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(M.UNKNOWN_CHANGE, field=sorted(unknown)[0], fields=sorted(unknown))
    programme = lock_row(db.session, programme)
    tier, fee_fen = _check_fee(
        changes.get("tier", programme.tier), changes.get("fee_fen", programme.fee_fen)
    )
    if "name" in changes:
        programme.name = text(changes["name"], "name", 80)
    if "description" in changes:
        programme.description = text(changes["description"], "description", 1000, required=False)
    if "capacity" in changes:
        programme.capacity = whole(changes["capacity"], "capacity", 1, 1000)
    if "space_id" in changes:
        programme.space_id = _check_space(changes["space_id"], programme.community_id)
    if "status" in changes:
        if changes["status"] not in ("active", "ended"):
            raise InvalidInput(M.ONE_OF, field="status", values="active, ended")
        programme.status = changes["status"]
    programme.tier, programme.fee_fen = tier, fee_fen
    programme.updated_at = now or utcnow()
    db.session.flush()
    return programme


def get_programme(programme_id) -> Programme:
    found = db.session.get(Programme, programme_id) if is_id(programme_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_PROGRAMME, field="programme")
    return found


def visible_programme(programme_id, viewer: Member) -> Programme:
    """A programme of the viewer's own community (any, for an admin); else not found."""
    programme = get_programme(programme_id)
    if viewer.has_role("admin") or programme.community_id == viewer.community_id:
        return programme
    raise NotFound(M.NO_SUCH_PROGRAMME, field="programme")


def programmes_for(viewer: Member, *, tier: str | None = None) -> list[Programme]:
    """The active programmes of the viewer's community, by name (one tier if given)."""
    if tier is not None and tier not in TIERS:
        raise InvalidInput(M.ONE_OF, field="tier", values=", ".join(TIERS))
    query = sa.select(Programme).where(Programme.status == "active").order_by(Programme.name)
    if not viewer.has_role("admin"):
        query = query.where(Programme.community_id == viewer.community_id)
    if tier is not None:
        query = query.where(Programme.tier == tier)
    return list(db.session.scalars(query))


def of_community(community_id: int) -> list[Programme]:
    """A community's active programmes by name, as the public fund page lists them."""
    query = sa.select(Programme).where(
        Programme.status == "active", Programme.community_id == community_id
    )
    return list(db.session.scalars(query.order_by(Programme.name)))


def hosted_by(host: Member) -> list[Programme]:
    return list(
        db.session.scalars(
            sa.select(Programme)
            .where(Programme.host_id == host.id)
            .order_by(Programme.status, Programme.name)
        )
    )


# ---------------------------------------------------------------------------- sessions


def bookings_to_schedule(programme: Programme, now: datetime | None = None) -> list[Booking]:
    """The host's confirmed bookings still ahead that hold no session yet."""
    now = now or utcnow()
    used = sa.select(ProgrammeSession.booking_id)
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(
                Booking.host_id == programme.host_id,
                Booking.status == "confirmed",
                Booking.start_at > now,
                Booking.id.not_in(used),
            )
            .order_by(Booking.start_at)
            .limit(60)
        )
    )


def schedule_session(
    programme: Programme, *, booking_id, actor: Member, now: datetime | None = None
) -> ProgrammeSession:
    """Hold a session in one of the host's confirmed bookings: the activity takes the
    booking's time and place and the programme's capacity; the term's members are signed up
    while places last."""
    now = now or utcnow()
    _require_editor(programme, actor)
    if programme.status != "active":
        raise Conflict(M.ENDED)
    booking = db.session.get(Booking, booking_id) if is_id(booking_id) else None
    if booking is None or booking.host_id != programme.host_id:
        raise NotFound(M.NO_SUCH_BOOKING, field="booking_id")
    booking = lock_row(db.session, booking)
    if booking.status != "confirmed":
        raise Conflict(M.BOOKING_NOT_CONFIRMED, field="booking_id", status=booking.status)
    if db.session.scalar(sa.select(ProgrammeSession.id).filter_by(booking_id=booking.id)):
        raise Conflict(M.BOOKING_USED, field="booking_id")
    activity = events.create_activity(
        programme.host,
        activity_type=SESSION_ACTIVITY_TYPE,
        title=programme.name,
        place=booking.space.name_zh[:80],
        starts_at=booking.start_at,
        ends_at=booking.end_at,
        capacity=programme.capacity,
        now=now,
    )
    session = ProgrammeSession(
        programme_id=programme.id, activity_id=activity.id, booking_id=booking.id, created_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError:
        raise Conflict(M.BOOKING_USED, field="booking_id") from None
    for term_member in _term_members(programme):
        try:
            with db.session.begin_nested():
                events.sign_up(activity, term_member, now=now)
        except PointsError:
            continue  # full, or no longer eligible: the term's later members miss this one
    return session


def _term_members(programme: Programme) -> list[Member]:
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(TermMember, TermMember.member_id == Member.id)
            .where(TermMember.programme_id == programme.id, TermMember.status == "active")
            .order_by(TermMember.created_at, TermMember.id)
        )
    )


def get_session(session_id) -> ProgrammeSession:
    found = db.session.get(ProgrammeSession, session_id) if is_id(session_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_SESSION, field="session")
    return found


def visible_session(session_id, viewer: Member) -> ProgrammeSession:
    session = get_session(session_id)
    visible_programme(session.programme_id, viewer)
    return session


def session_of_activity(activity: Activity) -> ProgrammeSession | None:
    return db.session.scalar(sa.select(ProgrammeSession).filter_by(activity_id=activity.id))


def upcoming_sessions(
    programme: Programme, now: datetime | None = None, *, limit: int = 20
) -> list[ProgrammeSession]:
    """Sessions not yet ended and not cancelled, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .join(Activity, Activity.id == ProgrammeSession.activity_id)
            .where(
                ProgrammeSession.programme_id == programme.id,
                Activity.ends_at > now,
                Activity.status == "open",
            )
            .order_by(Activity.starts_at)
            .limit(limit)
        )
    )


def past_sessions(programme: Programme, now: datetime | None = None) -> list[ProgrammeSession]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .join(Activity, Activity.id == ProgrammeSession.activity_id)
            .where(
                ProgrammeSession.programme_id == programme.id,
                Activity.ends_at <= now,
                Activity.status != "cancelled",
            )
            .order_by(Activity.starts_at.desc())
        )
    )


def places_left(session: ProgrammeSession) -> int:
    return max(0, session.activity.capacity - events.taken(session.activity))


def is_signed_up(session: ProgrammeSession, member: Member) -> bool:
    signup = events.signup_of(session.activity, member)
    return signup is not None and signup.status == "signed_up"


def in_term(programme: Programme, member: Member) -> bool:
    return (
        db.session.scalar(
            sa.select(TermMember.id).filter_by(
                programme_id=programme.id, member_id=member.id, status="active"
            )
        )
        is not None
    )


def may_sign_up(session: ProgrammeSession, member: Member, now: datetime | None = None) -> bool:
    return events.may_sign_up(session.activity, member, now)


def sign_up_session(
    session: ProgrammeSession, member: Member, *, now: datetime | None = None
) -> Signup:
    """A place in one session (the activity's sign-up: its capacity, its rules)."""
    if session.programme.status != "active":
        raise Conflict(M.ENDED)
    return events.sign_up(session.activity, member, now=now)


def leave_session(session: ProgrammeSession, member: Member) -> Signup:
    return events.cancel_signup(session.activity, member)


def sign_up_term(programme: Programme, member: Member, *, now: datetime | None = None):
    """A place in every upcoming session, all or nothing; sessions scheduled later sign the
    member up while places last. Returns the sessions signed up for."""
    now = now or utcnow()
    if programme.status != "active":
        raise Conflict(M.ENDED)
    if member.community_id != programme.community_id:
        raise NotFound(M.NO_SUCH_PROGRAMME, field="programme")
    programme = lock_row(db.session, programme)  # one term sign-up of a programme at a time
    upcoming = [s for s in upcoming_sessions(programme, now, limit=200)]
    if not upcoming:
        raise Conflict(M.NO_UPCOMING)
    with db.session.begin_nested():  # any full session undoes the places taken before it
        for session in upcoming:
            try:
                events.sign_up(session.activity, member, now=now)
            except Conflict as error:
                if error.key == shared.PLACES_TAKEN.key:
                    day = clock.local(session.activity.starts_at).strftime("%Y-%m-%d")
                    raise Conflict(M.TERM_FULL, field="term", day=day) from None
                raise
        row = db.session.scalar(
            sa.select(TermMember).filter_by(programme_id=programme.id, member_id=member.id)
        )
        if row is None:
            db.session.add(
                TermMember(programme_id=programme.id, member_id=member.id, created_at=now)
            )
        else:
            row.status = "active"
        db.session.flush()
    return upcoming


def leave_term(programme: Programme, member: Member, *, now: datetime | None = None) -> int:
    """Leave the term and the upcoming sessions not checked in yet; returns how many."""
    now = now or utcnow()
    row = db.session.scalar(
        sa.select(TermMember).filter_by(
            programme_id=programme.id, member_id=member.id, status="active"
        )
    )
    if row is None:
        raise NotFound(M.NOT_IN_TERM, field="term")
    row.status = "left"
    left = 0
    for session in upcoming_sessions(programme, now, limit=200):
        signup = events.signup_of(session.activity, member)
        if signup is not None and signup.status == "signed_up" and signup.checked_in_at is None:
            events.cancel_signup(session.activity, member)
            left += 1
    db.session.flush()
    return left


# ---------------------------------------------------------------------------- ratings


# ---------------------------------------------------------------------------- fees


def fee_key(session: ProgrammeSession, member_id: int, reversed_before: int = 0) -> str:
    """One fee per participant and session: recording it twice gives the first entry. After
    a reversal (a mistake undone) the next fee has a key of its own."""
    key = f"programme-fee:{session.id}:{member_id}"
    return f"{key}:{reversed_before}" if reversed_before else key


def participants_of(session: ProgrammeSession) -> list[Signup]:
    """Who is signed up for (or came to) the session, in the order they signed up."""
    return [s for s in session.activity.signups if s.status != "cancelled"]


def _fees_of(session: ProgrammeSession) -> dict[int, list[IncomeEntry]]:
    """member id → every fee recorded for them at this session, oldest first: the first
    under fee_key(…), each after a reversal under the next key (one look-up by the keys'
    unique index, and one more for each round of reversed fees)."""
    fees: dict[int, list[IncomeEntry]] = {s.member_id: [] for s in participants_of(session)}
    going_on = dict(fees)
    while going_on:
        keys = {fee_key(session, m, len(chain)): m for m, chain in going_on.items()}
        going_on = {}
        for entry in fund.entries_by_key(list(keys)):
            member_id = keys[entry.idempotency_key]
            fees[member_id].append(entry)
            if entry.reversal is not None:
                going_on[member_id] = fees[member_id]
    return fees


def fees_paid(session: ProgrammeSession) -> dict[int, IncomeEntry]:
    """member id → the fee recorded for them at this session and not reversed."""
    return {
        member_id: chain[-1]
        for member_id, chain in _fees_of(session).items()
        if chain and chain[-1].reversal is None
    }


def record_fee(
    session: ProgrammeSession,
    member_id,
    *,
    actor: Member,
    method,
    reference="",
    paid_on=None,
    now: datetime | None = None,
) -> IncomeEntry:
    """A participant paid a 低偿 / 市场 session's fee, at the door or by transfer: recorded as
    the host's income, with the fund's 反哺 share moved at once (fund.record_income)."""
    now = now or utcnow()
    programme = session.programme
    _require_editor(programme, actor)
    if not programme.fee_fen:
        raise InvalidInput(M.NO_FEE, field="member_id")
    signup = next(
        (s for s in participants_of(session) if is_id(member_id) and s.member_id == member_id),
        None,
    )
    if signup is None:
        raise InvalidInput(M.NOT_A_PARTICIPANT, field="member_id")
    return fund.record_income(
        actor,
        community_id=programme.community_id,
        source="session_fee",
        tier=programme.tier,
        amount_fen=programme.fee_fen,
        collector_id=programme.host_id,
        payer_name=signup.member.name,
        method=method,
        reference=reference,
        paid_on=paid_on if paid_on is not None else clock.today(now),
        idempotency_key=_next_fee_key(session, signup.member_id),
        subject=f"programme_session:{session.id}",
        memo=programme.name,
        now=now,
    )


def _next_fee_key(session: ProgrammeSession, member_id: int) -> str:
    """The key a fee recorded now goes under: the live fee's (so recording it again gives
    it back), else the one after every reversed fee."""
    chain = _fees_of(session).get(member_id, [])
    if chain and chain[-1].reversal is None:
        return chain[-1].idempotency_key
    return fee_key(session, member_id, len(chain))


def rating_subject(session: ProgrammeSession) -> str:
    return f"programme-session:{session.id}"


def _day(moment: datetime) -> str:
    return clock.local(moment).strftime("%Y-%m-%d")


def invite_raters(activity: Activity, now: datetime) -> int:
    """A session was closed: ask each attendee to rate it (hooked into the activities'
    close, in its transaction). Returns how many were asked."""
    session = session_of_activity(activity)
    if session is None:
        return 0
    asked = 0
    for signup in activity.signups:
        if signup.status != "signed_up" or signup.checked_in_at is None:
            continue
        told = notifications.notify(
            signup.member,
            M.RATE_SESSION,
            subject=rating_subject(session),
            once=f"programme-rate:{session.id}",
            now=now,
            programme=session.programme.name,
            day=_day(activity.starts_at),
            session_id=session.id,
        )
        asked += told is not None
    return asked


def attended(session: ProgrammeSession, member: Member) -> bool:
    signup = events.signup_of(session.activity, member)
    return signup is not None and signup.status == "signed_up" and signup.checked_in_at is not None


def rating_of(session: ProgrammeSession, member: Member) -> Rating | None:
    return db.session.scalar(
        sa.select(Rating).filter_by(session_id=session.id, member_id=member.id)
    )


def may_rate(session: ProgrammeSession, member: Member, now: datetime | None = None) -> bool:
    """An attendee, after the session ended, who has not rated it yet."""
    return (
        (now or utcnow()) >= session.activity.ends_at
        and session.activity.status != "cancelled"
        and attended(session, member)
        and rating_of(session, member) is None
    )


def rate_session(
    session: ProgrammeSession,
    member: Member,
    *,
    stars,
    comment="",
    complaint=False,
    now: datetime | None = None,
) -> Rating:
    """An attendee's 1–5 stars once the session has ended, once; a complaint goes to the
    community's social workers in the same transaction."""
    now = now or utcnow()
    if member.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput(M.STARS, field="stars")
    if not isinstance(complaint, bool):
        raise InvalidInput(M.ONE_OF, field="complaint", values="true, false")
    comment = text(comment, "comment", 500, required=complaint)
    if now < session.activity.ends_at or session.activity.status == "cancelled":
        raise Conflict(M.NOT_ENDED)
    if not attended(session, member):
        raise Forbidden(M.ATTENDEES_ONLY)
    if rating_of(session, member) is not None:
        raise Conflict(M.ALREADY_RATED)
    rating = Rating(
        session_id=session.id,
        member_id=member.id,
        stars=stars,
        comment=comment,
        complaint_status="open" if complaint else None,
        created_at=now,
    )
    # Two presses at once both pass the check above: the unique key keeps one.
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError:
        raise Conflict(M.ALREADY_RATED) from None
    notifications.settle(rating_subject(session), member_id=member.id, now=now)
    if complaint:
        for worker in members.social_workers_of(session.programme.community_id):
            if worker.id == member.id:
                continue
            notifications.notify(
                worker,
                M.COMPLAINT_LODGED,
                subject=complaint_subject(rating),
                now=now,
                programme=session.programme.name,
                day=_day(session.activity.starts_at),
                resident=member.name,
                comment=comment,
            )
    return rating


def complaint_subject(rating: Rating) -> str:
    return f"programme-complaint:{rating.id}"


def may_decide(rating: Rating, actor: Member) -> bool:
    if actor.status != "active" or rating.complaint_status != "open":
        return False
    if actor.id == rating.member_id or actor.id == rating.session.programme.host_id:
        return False
    if actor.has_role("admin"):
        return True
    return actor.has_role("social_worker") and (
        actor.community_id == rating.session.programme.community_id
    )


def get_complaint(rating_id, actor: Member) -> Rating:
    rating = db.session.get(Rating, rating_id) if is_id(rating_id) else None
    if rating is None or rating.complaint_status is None:
        raise NotFound(M.NO_SUCH_COMPLAINT, field="complaint")
    if not actor.has_role("admin") and (
        not actor.has_role("social_worker")
        or actor.community_id != rating.session.programme.community_id
    ):
        raise NotFound(M.NO_SUCH_COMPLAINT, field="complaint")
    return rating


def decide_complaint(
    rating: Rating, *, actor: Member, decision, reason, now: datetime | None = None
) -> Rating:
    """A social worker upholds (it counts against the host) or dismisses a complaint, with a
    reason; who and when are kept, and the resident is told."""
    now = now or utcnow()
    if decision not in ("uphold", "dismiss"):
        raise InvalidInput(M.DECISION, field="decision")
    reason = text(reason, "reason", 500)
    members.require_staff(actor)
    rating = lock_row(db.session, rating)
    if rating.complaint_status != "open":
        raise Conflict(M.COMPLAINT_DECIDED, status=rating.complaint_status)
    if not may_decide(rating, actor):
        raise Forbidden(M.SOCIAL_WORKERS_ONLY)
    rating.complaint_status = "upheld" if decision == "uphold" else "dismissed"
    rating.decided_by, rating.decided_at, rating.decision_reason = actor.id, now, reason
    db.session.flush()
    notifications.settle(complaint_subject(rating), now=now)
    notifications.notify(
        rating.member,
        M.COMPLAINT_UPHELD if decision == "uphold" else M.COMPLAINT_DISMISSED,
        subject=complaint_subject(rating),
        now=now,
        programme=rating.session.programme.name,
        day=_day(rating.session.activity.starts_at),
        reason=reason,
    )
    return rating


def complaints_for(actor: Member, *, status: str | None = "open") -> list[Rating]:
    """The complaints of the actor's community (any, for an admin), newest first."""
    members.require_staff(actor)
    query = (
        sa.select(Rating)
        .join(ProgrammeSession, ProgrammeSession.id == Rating.session_id)
        .join(Programme, Programme.id == ProgrammeSession.programme_id)
        .where(Rating.complaint_status.is_not(None))
        .order_by(Rating.created_at.desc())
        .limit(200)
    )
    if status is not None:
        query = query.where(Rating.complaint_status == status)
    if not actor.has_role("admin"):
        query = query.where(Programme.community_id == actor.community_id)
    return list(db.session.scalars(query))


def open_complaints_count(actor: Member) -> int:
    if not actor.is_staff:
        return 0
    return len(complaints_for(actor))


# ---------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Summary:
    """What hosts read of ratings: how many, the average, the share of 4 and 5 stars."""

    count: int = 0
    average: float | None = None
    good_share: float | None = None
    comments: list = field(default_factory=list)


def summarise(ratings: list[Rating]) -> Summary:
    if not ratings:
        return Summary()
    stars = [r.stars for r in ratings]
    return Summary(
        count=len(stars),
        average=round(sum(stars) / len(stars), 2),
        good_share=round(sum(1 for s in stars if s >= 4) / len(stars), 3),
        comments=[
            r for r in sorted(ratings, key=lambda r: r.created_at, reverse=True) if r.comment
        ],
    )


def _ratings(where) -> list[Rating]:
    return list(
        db.session.scalars(
            sa.select(Rating)
            .join(ProgrammeSession, ProgrammeSession.id == Rating.session_id)
            .where(where)
            .order_by(Rating.id)
        )
    )


def programme_summary(programme: Programme) -> Summary:
    return summarise(_ratings(ProgrammeSession.programme_id == programme.id))


def session_summary(session: ProgrammeSession) -> Summary:
    return summarise(_ratings(ProgrammeSession.id == session.id))


def public_averages(programmes: list[Programme]) -> dict[int, tuple[float, int]]:
    """Each programme's (average, count) that residents may see: from PUBLIC_AVERAGE_FROM
    ratings on."""
    ids = [p.id for p in programmes]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            ProgrammeSession.programme_id, sa.func.avg(Rating.stars), sa.func.count(Rating.id)
        )
        .join(ProgrammeSession, ProgrammeSession.id == Rating.session_id)
        .where(ProgrammeSession.programme_id.in_(ids))
        .group_by(ProgrammeSession.programme_id)
    )
    return {pid: (round(float(avg), 1), n) for pid, avg, n in rows if n >= PUBLIC_AVERAGE_FROM}


@dataclass(frozen=True)
class PublicRating:
    """A programme as the public fund page, its API and its downloads list it."""

    id: int
    name: str
    tier: str
    fee_fen: int
    ratings: int  # how many ratings it has had
    average: float | None  # None below PUBLIC_AVERAGE_FROM ratings: too few to show


def public_ratings(community_id: int) -> list[PublicRating]:
    """A community's active programmes by name with their ratings as residents may see them."""
    shown = of_community(community_id)
    counts = dict(
        db.session.execute(
            sa.select(ProgrammeSession.programme_id, sa.func.count(Rating.id))
            .join(ProgrammeSession, ProgrammeSession.id == Rating.session_id)
            .where(ProgrammeSession.programme_id.in_([p.id for p in shown]))
            .group_by(ProgrammeSession.programme_id)
        ).all()
    ) if shown else {}
    averages = public_averages(shown)
    return [
        PublicRating(
            id=p.id,
            name=p.name,
            tier=p.tier,
            fee_fen=p.fee_fen,
            ratings=int(counts.get(p.id, 0)),
            average=averages[p.id][0] if p.id in averages else None,
        )
        for p in shown
    ]


def fund_page(community_id, now: datetime | None = None):
    """The public fund page's figures (`fund.transparency`) with the community's programmes
    and their ratings: what the page, its CSV / Excel and the API all show."""
    page = fund_transparency.transparency(community_id, now=now)
    page.programmes = public_ratings(page.community_id)
    return page


def next_sessions(programmes: list[Programme], now: datetime | None = None) -> dict:
    """Each programme's next upcoming session (programme id → session)."""
    now = now or utcnow()
    found = {}
    for programme in programmes:
        ahead = upcoming_sessions(programme, now, limit=1)
        if ahead:
            found[programme.id] = ahead[0]
    return found


def due_ratings(member: Member, now: datetime | None = None) -> list[ProgrammeSession]:
    """Sessions the member attended that ended in the last RATE_WITHIN and wait for their
    rating (the home page's "please rate")."""
    now = now or utcnow()
    rated = sa.select(Rating.session_id).where(Rating.member_id == member.id)
    return list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .join(Activity, Activity.id == ProgrammeSession.activity_id)
            .join(Signup, Signup.activity_id == Activity.id)
            .where(
                Signup.member_id == member.id,
                Signup.status == "signed_up",
                Signup.checked_in_at.is_not(None),
                Activity.status != "cancelled",
                Activity.ends_at <= now,
                Activity.ends_at > now - RATE_WITHIN,
                ProgrammeSession.id.not_in(rated),
            )
            .order_by(Activity.ends_at.desc())
            .limit(5)
        )
    )


def attendees(session: ProgrammeSession) -> int:
    return sum(1 for s in session.activity.signups if s.status == "signed_up" and s.checked_in_at)


# ---------------------------------------------------------------------------- measures


def _host_sessions(host_id: int, start: datetime, end: datetime):
    """The host's programme sessions that took place in [start, end) (closed ones)."""
    return (
        sa.select(ProgrammeSession.id)
        .join(Programme, Programme.id == ProgrammeSession.programme_id)
        .join(Activity, Activity.id == ProgrammeSession.activity_id)
        .where(
            Programme.host_id == host_id,
            Activity.status == "closed",
            Activity.starts_at >= start,
            Activity.starts_at < end,
        )
    )


def programmes_held(host_id: int, start: datetime, end: datetime) -> float:
    """Programme sessions the host held (closed) that began in [start, end)."""
    held = _host_sessions(host_id, start, end).subquery()
    return float(db.session.scalar(sa.select(sa.func.count()).select_from(held)))


def _session_ratings(host_id: int, start: datetime, end: datetime):
    """Ratings of the host's sessions that began in [start, end), held or not yet closed."""
    return (
        sa.select(Rating)
        .join(ProgrammeSession, ProgrammeSession.id == Rating.session_id)
        .join(Programme, Programme.id == ProgrammeSession.programme_id)
        .join(Activity, Activity.id == ProgrammeSession.activity_id)
        .where(
            Programme.host_id == host_id,
            Activity.starts_at >= start,
            Activity.starts_at < end,
        )
    )


def average_rating(host_id: int, start: datetime, end: datetime) -> float | None:
    """The average stars of the host's sessions in [start, end); None without a rating."""
    ratings = _session_ratings(host_id, start, end).subquery()
    average = db.session.scalar(sa.select(sa.func.avg(ratings.c.stars)))
    return None if average is None else round(float(average), 2)


def upheld_complaints(host_id: int, start: datetime, end: datetime) -> float:
    """Complaints upheld against the host's sessions that began in [start, end)."""
    upheld = (
        _session_ratings(host_id, start, end).where(Rating.complaint_status == "upheld").subquery()
    )
    return float(db.session.scalar(sa.select(sa.func.count()).select_from(upheld)))


def participants(host_id: int, start: datetime, end: datetime) -> int:
    """Different members checked in at the host's programme sessions that began in
    [start, end)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Signup.member_id)))
            .join(ProgrammeSession, ProgrammeSession.activity_id == Signup.activity_id)
            .join(Programme, Programme.id == ProgrammeSession.programme_id)
            .join(Activity, Activity.id == ProgrammeSession.activity_id)
            .where(
                Programme.host_id == host_id,
                Signup.status == "signed_up",
                Signup.checked_in_at.is_not(None),
                Activity.status != "cancelled",
                Activity.starts_at >= start,
                Activity.starts_at < end,
            )
        )
        or 0
    )


def register() -> None:
    """Feed the ladder's measures and hook the activities' close (at start-up)."""
    members.register_measure("programmes_held", programmes_held)
    members.register_measure("rating", average_rating)
    members.register_measure("complaints", upheld_complaints)
    members.register_measure("participants", participants)
    events.register_on_close(invite_raters)
