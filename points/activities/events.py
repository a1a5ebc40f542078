"""Scheduled activities: create, sign up, check in at the venue, and turn the roster into
claims approved in one step.

Check-in codes are signed, time-limited tokens (itsdangerous) naming the activity; the
organiser's page shows a fresh one as a QR code. A forged code fails its signature; an old
one has expired; both are refused. Check-in opens a while before the start and closes a
while after the end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from points.activities import messages as M
from points.activities import services as claims
from points.activities.catalogue import current_type, may_claim
from points.activities.models import Activity, Claim, Signup
from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound, PointsError
from points.extensions import db
from points.members import services as members
from points.members.models import Member
from points.validate import aware_time, text, whole

CHECK_IN_SALT = "activity-check-in"

# What other domains do when an activity is closed (programmes: ask attendees to rate the
# session), registered at start-up by the domain that owns it, so the arrows point one way.
# Each hook(activity, now) runs in the close's transaction.
OnClose = Callable[[Activity, datetime], object]
_on_close: list[OnClose] = []


def register_on_close(hook: OnClose) -> None:
    """Add hook(activity, now), called inside every close of an activity."""
    if hook not in _on_close:
        _on_close.append(hook)


def may_organise(member: Member) -> bool:
    return member.is_staff or member.level == "host"


def create_activity(
    organiser: Member,
    *,
    activity_type,
    title,
    place,
    starts_at,
    ends_at,
    capacity,
    now: datetime | None = None,
) -> Activity:
    """A host or social worker schedules an activity in their community."""
    now = now or utcnow()
    if not may_organise(organiser):
        raise Forbidden(M.ORGANISERS_ONLY)
    if organiser.community_id is None:
        raise InvalidInput(M.NO_COMMUNITY, field="community")
    version = current_type(activity_type)
    if not version.active:
        raise InvalidInput(M.CLOSED_FOR_CLAIMS, field="activity_type")
    starts_at, ends_at = aware_time(starts_at, "starts_at"), aware_time(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput(M.ENDS_BEFORE_START, field="ends_at")
    if ends_at - starts_at > timedelta(hours=12):
        raise InvalidInput(M.TOO_LONG_EVENT, field="ends_at")
    if starts_at < now - timedelta(days=1):
        raise InvalidInput(M.START_IN_PAST, field="starts_at")
    if starts_at > now + timedelta(days=366):
        raise InvalidInput(M.START_TOO_FAR, field="starts_at")
    capacity = whole(capacity, "capacity", 1, 1000)
    activity = Activity(
        activity_type_id=version.id,
        community_id=organiser.community_id,
        organiser_id=organiser.id,
        title=text(title, "title", 80),
        place=text(place, "place", 80),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        status="open",
        created_at=now,
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def get_activity(activity_id) -> Activity:
    found = db.session.get(Activity, activity_id) if is_id(activity_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_ACTIVITY, field="activity")
    return found


def visible_activity(activity_id, viewer: Member) -> Activity:
    """Activities of the viewer's own community (or any, for an admin)."""
    activity = get_activity(activity_id)
    if viewer.has_role("admin") or activity.community_id == viewer.community_id:
        return activity
    raise NotFound(M.NO_SUCH_ACTIVITY, field="activity")


def may_run(activity: Activity, actor: Member) -> bool:
    """The organiser, or a social worker of the activity's community, or an admin."""
    if actor.id == activity.organiser_id or actor.has_role("admin"):
        return True
    return actor.has_role("social_worker") and actor.community_id == activity.community_id


def _require_runner(activity: Activity, actor: Member) -> None:
    if not may_run(activity, actor):
        raise Forbidden(M.RUNNERS_ONLY)


def upcoming(viewer: Member, *, now: datetime | None = None, limit: int = 50) -> list[Activity]:
    now = now or utcnow()
    query = (
        sa.select(Activity)
        .where(Activity.ends_at > now - timedelta(days=2), Activity.status != "cancelled")
        .order_by(Activity.starts_at)
        .limit(limit)
    )
    if not viewer.has_role("admin"):
        query = query.where(Activity.community_id == viewer.community_id)
    return list(db.session.scalars(query))


def signup_of(activity: Activity, member: Member) -> Signup | None:
    return db.session.scalar(
        sa.select(Signup).filter_by(activity_id=activity.id, member_id=member.id)
    )


def taken(activity: Activity) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signup)
        .filter_by(activity_id=activity.id, status="signed_up")
    )


def may_sign_up(activity: Activity, member: Member, now: datetime | None = None) -> bool:
    """Whether the page offers the member a place (as `sign_up` decides, but for the count
    of places, which the refusal names): an active member of the activity's community at
    its level, while it is open and has not ended."""
    return (
        member.status == "active"
        and activity.community_id == member.community_id
        and may_claim(member, activity.activity_type)
        and activity.status == "open"
        and (now or utcnow()) < activity.ends_at
    )


def may_close(activity: Activity, actor: Member, now: datetime | None = None) -> bool:
    """Whether `actor` may close the activity now (as `close_activity` decides): one who
    runs it, once it is open and has ended."""
    return (
        may_run(activity, actor)
        and activity.status == "open"
        and (now or utcnow()) >= activity.ends_at
    )


def sign_up(activity: Activity, member: Member, *, now: datetime | None = None) -> Signup:
    """Take a place; never more places than the capacity, whatever runs at once."""
    now = now or utcnow()
    if member.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    if activity.community_id != member.community_id:
        raise NotFound(M.NO_SUCH_ACTIVITY, field="activity")
    if not may_claim(member, activity.activity_type):
        raise Forbidden(M.LEVEL_NEEDED, level=activity.activity_type.min_level)
    activity = lock_row(db.session, activity)
    if activity.status != "open":
        raise Conflict(M.NOT_OPEN, status=activity.status)
    if now >= activity.ends_at:
        raise Conflict(M.HAS_ENDED)
    existing = signup_of(activity, member)
    if existing is not None and existing.status == "signed_up":
        return existing
    if taken(activity) >= activity.capacity:
        raise Conflict(M.FULL, n=activity.capacity)
    if existing is None:
        existing = Signup(activity_id=activity.id, member_id=member.id, created_at=now)
        db.session.add(existing)
    existing.status = "signed_up"
    db.session.flush()
    return existing


def cancel_signup(activity: Activity, member: Member) -> Signup:
    signup = signup_of(activity, member)
    if signup is None or signup.status != "signed_up":
        raise NotFound(M.NOT_SIGNED_UP, field="activity")
    if signup.checked_in_at is not None:
        raise Conflict(M.CHECKED_IN)
    signup.status = "cancelled"
    db.session.flush()
    return signup


# ---------------------------------------------------------------------------- check-in


def _serializer(now: datetime) -> URLSafeTimedSerializer:
    """A serializer whose clock is `now`, so tests (and the sweep) can inject time."""
    stamp = int(now.timestamp())
    signer = type("ClockSigner", (TimestampSigner,), {"get_timestamp": lambda self: stamp})
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=CHECK_IN_SALT, signer=signer
    )


def _window(activity: Activity) -> tuple[datetime, datetime]:
    minutes = timedelta(minutes=current_app.config["CHECK_IN_OPENS_MINUTES"])
    return activity.starts_at - minutes, activity.ends_at + minutes


def check_in_token(activity: Activity, *, actor: Member, now: datetime | None = None) -> str:
    """A fresh code for the organiser's screen."""
    now = now or utcnow()
    _require_runner(activity, actor)
    return _serializer(now).dumps({"a": activity.id})


def _read_token(token, now: datetime) -> int:
    if not isinstance(token, str) or not token or len(token) > 300:
        raise InvalidInput(M.CODE_INVALID, field="token")
    try:
        data = _serializer(now).loads(token, max_age=current_app.config["CHECK_IN_TOKEN_SECONDS"])
    except SignatureExpired:
        raise Conflict(M.CODE_EXPIRED, field="token") from None
    except BadSignature:
        raise InvalidInput(M.CODE_INVALID, field="token") from None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise InvalidInput(M.CODE_INVALID, field="token")
    return data["a"]


def _mark_present(activity: Activity, member: Member, *, by: int | None, now: datetime) -> Signup:
    opens, closes = _window(activity)
    if not opens <= now <= closes:
        raise Conflict(M.CHECK_IN_WINDOW, n=current_app.config["CHECK_IN_OPENS_MINUTES"])
    signup = signup_of(activity, member)
    if signup is None or signup.status != "signed_up":
        signup = sign_up(activity, member, now=now)  # a walk-in takes a free place
    if signup.checked_in_at is None:
        signup.checked_in_at = now
        signup.checked_in_by = by
        db.session.flush()
    return signup


def check_in(member: Member, token, *, now: datetime | None = None) -> Signup:
    """The member scanned the organiser's code at the venue."""
    now = now or utcnow()
    activity = get_activity(_read_token(token, now))
    if activity.status != "open":
        raise Conflict(M.NOT_OPEN, status=activity.status)
    return _mark_present(activity, member, by=None, now=now)


def tick_off(activity: Activity, member_id, *, actor: Member, now: datetime | None = None):
    """The organiser marks a member present by hand."""
    now = now or utcnow()
    _require_runner(activity, actor)
    if activity.status != "open":
        raise Conflict(M.NOT_OPEN, status=activity.status)
    member = members.get_member(member_id) if is_id(member_id) else None
    if member is None or member.community_id != activity.community_id:
        raise NotFound(M.NO_SUCH_MEMBER, field="member")
    return _mark_present(activity, member, by=actor.id, now=now)


def roster(activity: Activity, *, actor: Member) -> list[Signup]:
    _require_runner(activity, actor)
    return [s for s in activity.signups if s.status == "signed_up"]


# ---------------------------------------------------------------------------- award


def _hours(activity: Activity) -> Decimal:
    """The activity's length in hours, rounded down to half hours (at least half an hour)."""
    halves = int((activity.ends_at - activity.starts_at).total_seconds() // 1800)
    return Decimal(max(halves, 1)) / 2


def close_activity(activity: Activity, *, actor: Member, now: datetime | None = None):
    """After the event: every member checked in gets a claim; a social worker who may approve
    them approves them in the same step (one `earn` transfer per member). Returns
    (claims made, claims approved, {claim id: refusal})."""
    now = now or utcnow()
    _require_runner(activity, actor)
    activity = lock_row(db.session, activity)
    if activity.status != "open":
        raise Conflict(M.ALREADY_CLOSED, status=activity.status)
    if now < activity.ends_at:
        raise Conflict(M.NOT_ENDED)
    version = activity.activity_type
    quantity = _hours(activity) if version.unit == "hour" else Decimal(1)
    made: list[Claim] = []
    day = claims.local_today(activity.starts_at)
    for signup in activity.signups:
        if signup.status != "signed_up" or signup.checked_in_at is None:
            continue
        if signup.member.status != "active":
            continue  # suspended or exited since: no claim (the roster still shows them)
        made.append(
            claims.submit_claim(
                signup.member,
                activity_type=version.code,
                occurred_on=day,
                quantity=quantity,
                note=f"活动签到：{activity.title}",
                activity=activity,
                now=now,
            )
        )
    activity.status = "closed"
    db.session.flush()
    for hook in _on_close:
        hook(activity, now)
    approved, refused = [], {}
    if actor.is_staff:
        for claim in made:
            if claim.member_id == actor.id:
                continue  # nobody approves their own claim: it waits for a colleague
            try:
                with db.session.begin_nested():
                    approved.append(claims.approve_claim(claim, actor=actor, now=now))
            except PointsError as error:
                refused[claim.id] = error
    return made, approved, refused


def cancel_activity(activity: Activity, *, actor: Member) -> Activity:
    _require_runner(activity, actor)
    activity = lock_row(db.session, activity)
    if activity.status != "open":
        raise Conflict(M.ALREADY_CLOSED, status=activity.status)
    activity.status = "cancelled"
    db.session.flush()
    return activity
