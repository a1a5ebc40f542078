"""Member verbs: register, authenticate, tokens, roles, levels, pledge, courses, skills.

The acting member is always an argument; staff powers are checked here, not in views:
a social worker acts inside their own community, an admin across the street.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from points import clock, validate
from points import messages as shared
from points.database import is_id, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from points.extensions import db
from points.ledger import services as ledger
from points.members import messages as M
from points.members import progression
from points.members.models import (
    LEVELS,
    ROLES,
    STATUSES,
    TIERS,
    ApiToken,
    Community,
    Course,
    CourseCompletion,
    Grid,
    HostApplication,
    LevelChange,
    Member,
    MemberRole,
    PhoneView,
    Skill,
    Street,
)
from points.notifications import services as notifications
from points.statements import Statements, columns

MIN_PASSWORD = 8
TOKEN_DAYS = 30
# Compared against when the phone is unknown, so a wrong phone costs what a wrong password does.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
# Under TESTING only: scrypt at N=2^10 instead of werkzeug's default 2^15 (~2 ms, not ~60 ms,
# per sign-up in the test suite). A hash carries its parameters, so checking is the same.
_TESTING_METHOD = "scrypt:1024:8:1"


def hash_password(password: str) -> str:
    """The stored form of a password (werkzeug's scrypt; cheaper under TESTING)."""
    if current_app.config.get("TESTING"):
        return generate_password_hash(password, method=_TESTING_METHOD)
    return generate_password_hash(password)


# Facts measured by other domains — approved service hours (activities), programmes held,
# bookings used and no-shows (spaces), ratings and complaints — are registered here at
# start-up by the domains that own them, so the arrows keep pointing one way. A measure
# nobody registered is None: "not measured yet".
# Programme sessions, ratings, complaints and participants are measured by programmes. A
# source may answer None ("nothing to measure": no ratings); an average (AVERAGED) over
# several spells of a quarter is the mean of the spells that have one.
MEASURES = (
    "service_hours",
    "programmes_held",
    "bookings_used",
    "no_shows",
    "rating",
    "complaints",
    "participants",
)
AVERAGED = ("rating",)
Measure = Callable[[int, datetime, datetime], float | None]
_measures: dict[str, list[Measure]] = {}


def register_measure(name: str, source: Measure) -> None:
    """Add a source for a measure: source(member_id, start, end) → value in [start, end)."""
    if name not in MEASURES:
        raise ValueError(f"unknown measure {name!r}")
    sources = _measures.setdefault(name, [])
    if source not in sources:
        sources.append(source)


def measure(name: str, member_id: int, start: datetime, end: datetime) -> float | None:
    """The sources' sum; None when nobody measures it or no source has a value."""
    sources = _measures.get(name)
    if not sources:
        return None
    values = [v for v in (source(member_id, start, end) for source in sources) if v is not None]
    return sum(values) if values else None


# What other domains undo when a member loses a level or stops being active (exit,
# suspension, demotion): each hook is registered at start-up by the domain that owns the
# rights (spaces: future bookings the new level may not make, space minutes), runs in the
# same transaction as the change, and returns what it did, which is kept on the change.
LevelLoss = Callable[[Member, LevelChange, datetime], dict]
_on_level_loss: list[LevelLoss] = []


def register_level_loss(hook: LevelLoss) -> None:
    """Add hook(member, change, now) → {what it did}, called on every loss of level/status."""
    if hook not in _on_level_loss:
        _on_level_loss.append(hook)


def rules() -> progression.LadderRules:
    return progression.LadderRules.from_config(current_app.config)


# ---------------------------------------------------------------------------- validation


def _phone(value) -> str:
    return validate.mobile(value)


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, as zxcvbn ships them (lower case)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _password(value, field: str = "password", phone: str | None = None) -> str:
    """A password someone who knows the member's phone cannot guess in a few tries; each
    refusal names its rule."""
    if not isinstance(value, str) or len(value) < MIN_PASSWORD:
        raise InvalidInput(M.PASSWORD_TOO_SHORT, field=field, n=MIN_PASSWORD)
    if len(value) > 128:
        raise InvalidInput(shared.TOO_LONG, field=field, limit=128)
    if len(set(value)) == 1:
        raise InvalidInput(M.PASSWORD_REPEATED, field=field)
    if phone and phone in value:
        raise InvalidInput(M.PASSWORD_HAS_PHONE, field=field)
    if value.lower() in _common_passwords():
        raise InvalidInput(M.PASSWORD_COMMON, field=field)
    return value


def _name(value, field: str = "name") -> str:
    return validate.text(value, field, 40)


def _place(community_id, grid_id) -> tuple[int | None, int | None]:
    if community_id is None:
        if grid_id is not None:
            raise InvalidInput(M.GRID_NEEDS_COMMUNITY, field="grid_id")
        return None, None
    community = db.session.get(Community, community_id) if isinstance(community_id, int) else None
    if community is None:
        raise InvalidInput(shared.NOT_A_COMMUNITY, field="community_id")
    if grid_id is None:
        return community.id, None
    grid = db.session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or grid.community_id != community.id:
        raise InvalidInput(M.NOT_A_GRID, field="grid_id")
    return community.id, grid.id


# ---------------------------------------------------------------------------- accounts


def get_member(member_id: int) -> Member:
    member = db.session.get(Member, member_id) if is_id(member_id) else None
    if member is None:
        raise NotFound(M.NO_SUCH_MEMBER, field="member")
    return member


def find_by_phone(phone: str) -> Member | None:
    return db.session.scalar(sa.select(Member).filter_by(phone=phone))


def register_member(
    *,
    phone,
    password,
    name,
    community_id: int | None = None,
    grid_id: int | None = None,
    password_hash: str | None = None,
    now: datetime | None = None,
) -> Member:
    """Sign a resident up; their points and space-minute wallets open at once. Without a
    password (None) the member signs in by SMS code (points/members/codes.py) until they
    set one."""
    phone, name = _phone(phone), _name(name)
    if password_hash is None:
        password_hash = "" if password is None else hash_password(_password(password, phone=phone))
    community_id, grid_id = _place(community_id, grid_id)
    if find_by_phone(phone) is not None:
        raise InvalidInput(M.ALREADY_REGISTERED, field="phone")
    member = Member(
        phone=phone,
        name=name,
        password_hash=password_hash,
        community_id=community_id,
        grid_id=grid_id,
        level="resident",
        status="active",
        created_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(member)
            db.session.flush()
    except IntegrityError:  # the same phone registered at the same instant
        raise InvalidInput(M.ALREADY_REGISTERED, field="phone") from None
    for asset in ("points", "space_minutes"):
        ledger.member_wallet(member.id, asset)
    return member


def authenticate(phone, password) -> Member:
    """The member with this phone and password, if active; otherwise Unauthorized."""
    member = find_by_phone(validate.folded(phone).strip()) if isinstance(phone, str) else None
    given = password if isinstance(password, str) else ""
    # A member without a password is refused like a wrong one, after the same work.
    stored = member.password_hash if member is not None and member.has_password else None
    if not check_password_hash(stored or _DUMMY_HASH, given) or stored is None:
        raise Unauthorized(M.WRONG_PASSWORD, field="password")
    if not member.is_active:
        raise Unauthorized(M.ACCOUNT_CLOSED, field="phone", status=member.status)
    return member


def check_password(value, field: str = "password", phone: str | None = None) -> str:
    """`value` if it follows the password rules, else InvalidInput naming `field`."""
    return _password(value, field, phone)


def set_password(member: Member, new: str) -> None:
    member.password_hash = hash_password(_password(new, "new_password", member.phone))


def change_password(
    member: Member,
    *,
    current,
    new,
    keep: str | None = None,
    proven: bool = False,
    fresh_minutes: int = 10,
) -> None:
    """Change the password and end every other sign-in of the member (`keep`: this one).
    The current password is needed unless `proven`: the member signed in with an SMS code
    a few minutes ago (how a member without a password sets their first)."""
    if not proven:
        if not member.has_password:
            raise InvalidInput(
                M.CODE_SIGN_IN_FIRST, field="current_password", minutes=fresh_minutes
            )
        if not isinstance(current, str) or not check_password_hash(member.password_hash, current):
            raise InvalidInput(M.NOT_CURRENT_PASSWORD, field="current_password")
    set_password(member, new)
    end_sign_ins(member, keep=keep)


def reset_password(member: Member, *, new) -> None:
    """Set a new password for a member who lost theirs (an operator's act); every sign-in
    of theirs ends."""
    member.password_hash = hash_password(_password(new, "password", member.phone))
    end_sign_ins(member)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _well_formed(raw) -> bool:
    """token_urlsafe(32) makes 43 characters of [A-Za-z0-9_-]; anything else is not ours."""
    return isinstance(raw, str) and 20 <= len(raw) <= 100 and raw.isascii()


def issue_token(
    member: Member, *, kind: str = "api", now: datetime | None = None
) -> tuple[str, ApiToken]:
    """A new sign-in: an API bearer token, or ("web") the secret a web session carries.
    Only its hash is stored, so the raw value is shown once."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    days = current_app.config.get("SESSION_DAYS" if kind == "web" else "TOKEN_DAYS", TOKEN_DAYS)
    token = ApiToken(
        member_id=member.id,
        token_hash=_token_hash(raw),
        kind=kind,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


@functools.cache
def _sign_in(_size: int) -> sa.Select:
    """The member of a live token, with the member's roles, in one round trip: every request
    asks. The token itself is not read, only asked whether it still signs anyone in."""
    tokens, member_table, roles = ApiToken.__table__, Member.__table__, MemberRole.__table__
    return (
        sa.select(*columns(Member, MemberRole))
        .select_from(
            tokens.join(member_table, member_table.c.id == tokens.c.member_id).outerjoin(
                roles, roles.c.member_id == member_table.c.id
            )
        )
        .where(
            tokens.c.token_hash == sa.bindparam("hash"),
            tokens.c.kind == sa.bindparam("kind"),
            tokens.c.revoked_at.is_(None),
            tokens.c.expires_at > sa.bindparam("now"),
        )
        .order_by(roles.c.id)
    )


def member_for_token(raw, *, kind: str = "api", now: datetime | None = None) -> Member | None:
    """The active member this live sign-in belongs to, or None.

    The first statement of every signed-in request, so it skips the ORM's query machinery:
    one prepared statement on the session's connection, the member and its roles made from
    the rows as a joined load would make them (points/statements.py)."""
    if not _well_formed(raw):
        return None
    with Statements() as run:
        params = {"hash": _token_hash(raw), "kind": kind, "now": run.stamp(now or utcnow())}
        found = run.objects(_sign_in, 1, params, Member, MemberRole)
    if not found:
        return None
    member = found[0][0]
    if "roles" not in instance_dict(member):
        set_committed_value(member, "roles", [role for _, role in found if role is not None])
    return member if member.is_active else None


def revoke_token(raw, *, now: datetime | None = None) -> None:
    """End one sign-in (a bearer token, or the web session signing out)."""
    if not _well_formed(raw):
        return
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=_token_hash(raw)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = now or utcnow()


def end_sign_ins(member: Member, *, keep: str | None = None, now: datetime | None = None) -> int:
    """End every live web session, remember cookie and API token of the member but `keep`
    (the raw secret of the sign-in making the change). Returns how many ended."""
    now = now or utcnow()
    query = (
        sa.update(ApiToken)
        .where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if keep is not None:
        query = query.where(ApiToken.token_hash != _token_hash(keep))
    ended = db.session.execute(query, execution_options={"synchronize_session": False})
    return ended.rowcount


def forget_ended_sign_ins(*, now: datetime | None = None, keep_days: int = 30) -> int:
    """Delete sign-ins that ended (expired or revoked) more than `keep_days` ago: they can
    never sign anyone in again, and the table would otherwise grow with every sign-in."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    ended = sa.or_(ApiToken.expires_at < cutoff, ApiToken.revoked_at < cutoff)
    return db.session.execute(sa.delete(ApiToken).where(ended)).rowcount


# ---------------------------------------------------------------------------- staff


def set_elder_mode(member: Member, on: bool) -> Member:
    """长辈版 on or off for the member's pages (larger type and targets, fewer items)."""
    if not isinstance(on, bool):
        raise InvalidInput(shared.ONE_OF, field="elder_mode", values=("true", "false"))
    member.elder_mode = on
    return member


def update_settings(member: Member, *, elder_mode: bool) -> Member:
    """The member's own settings, as the API's PATCH /me sends them."""
    return set_elder_mode(member, elder_mode)


def grant_role(member: Member, role: str, *, merchant_id: int | None = None) -> MemberRole:
    if role not in ROLES:
        raise InvalidInput(shared.ONE_OF, field="role", values=ROLES)
    if (role == "merchant_staff") != (merchant_id is not None):
        raise InvalidInput(M.MERCHANT_STAFF_MERCHANT, field="merchant_id")
    if merchant_id is not None:
        # Providers belong to the marketplace, a layer above: look the row up by table name.
        providers = sa.table("providers", sa.column("id"))
        found = db.session.scalar(sa.select(providers.c.id).where(providers.c.id == merchant_id))
        if found is None:
            raise InvalidInput(M.NOT_A_MERCHANT, field="merchant_id")
    for existing in member.roles:
        if existing.role == role and existing.merchant_id == merchant_id:
            return existing
    granted = MemberRole(role=role, merchant_id=merchant_id)
    member.roles.append(granted)
    db.session.flush()
    return granted


def can_manage(actor: Member, member: Member) -> bool:
    """Admins act across the street; social workers only inside their own community."""
    if actor.has_role("admin"):
        return True
    return (
        actor.has_role("social_worker")
        and actor.community_id is not None
        and actor.community_id == member.community_id
    )


def social_workers_of(community_id: int | None) -> list[Member]:
    """The active social workers of a community: who must act on what happens in it."""
    if community_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(MemberRole, MemberRole.member_id == Member.id)
            .where(
                MemberRole.role == "social_worker",
                Member.community_id == community_id,
                Member.status == "active",
            )
            .order_by(Member.id)
        )
    )


def require_staff(actor: Member) -> None:
    if not actor.is_staff:
        raise Forbidden(M.STAFF_ONLY)


def require_manager(actor: Member, member: Member) -> None:
    require_staff(actor)
    if not can_manage(actor, member):
        raise Forbidden(shared.NOT_YOUR_COMMUNITY)


def lookalike_phones() -> list[tuple[str, list[Member]]]:
    """Accounts whose number is not plain ASCII digits (signed up before numbers were folded),
    grouped by the number they fold to, with any account that already has it: for an admin
    to merge or correct by hand."""
    odd = [
        m
        for m in db.session.scalars(sa.select(Member).order_by(Member.id))
        if not validate.MOBILE.match(m.phone)
    ]
    groups: dict[str, list[Member]] = {}
    for member in odd:
        groups.setdefault(validate.folded(member.phone).strip(), []).append(member)
    for folded, group in groups.items():
        plain = find_by_phone(folded)
        if plain is not None:
            group.insert(0, plain)
    return sorted(groups.items())


def masked_phone(phone: str) -> str:
    """How staff lists show a phone number: 139****0004."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def reveal_phone(actor: Member, member: Member, *, now: datetime | None = None) -> str:
    """The member's full phone number for staff who manage them; each look is recorded."""
    require_manager(actor, member)
    db.session.add(PhoneView(viewer_id=actor.id, member_id=member.id, viewed_at=now or utcnow()))
    return member.phone


def staff_scope(actor: Member):
    """A WHERE clause limiting Member rows to those the actor manages."""
    require_staff(actor)
    if actor.has_role("admin"):
        return sa.true()
    return Member.community_id == actor.community_id


# ---------------------------------------------------------------------------- ladder


def _record(
    member: Member,
    *,
    to_level=None,
    to_status=None,
    reason: str,
    actor_id,
    now,
    reverses_id=None,
    tell: bool = True,
):
    """Record a change of level or status; a loss has the same consequences on every path.
    A change of level is told to the member (`tell=False`: a level taken over from a roster,
    which the member already held)."""
    change = LevelChange(
        member_id=member.id,
        from_level=member.level,
        to_level=to_level or member.level,
        from_status=member.status,
        to_status=to_status or member.status,
        reason=reason,
        decided_by=actor_id,
        created_at=now,
        reverses_id=reverses_id,
    )
    db.session.add(change)
    member.level = change.to_level
    member.status = change.to_status
    db.session.flush()
    if change.is_loss:
        done: dict = {}
        for hook in _on_level_loss:
            done.update(hook(member, change, now))
        change.consequences = done
        db.session.flush()
    if tell and change.to_level != change.from_level:
        gained = LEVELS.index(change.to_level) > LEVELS.index(change.from_level)
        notifications.notify(
            member,
            M.LEVEL_GAINED if gained else M.LEVEL_LOST,
            subject=f"level-change:{change.id}",
            now=now,
            level=change.to_level,
            was=change.from_level,
            day=clock.today(now),
        )
    return change


def host_periods(member: Member) -> list[tuple[datetime, datetime | None]]:
    """The [start, end) stretches in which the member was an active host, oldest first
    (end None: still is), replayed from the level history."""
    changes = sorted(
        db.session.scalars(sa.select(LevelChange).filter_by(member_id=member.id)),
        key=lambda c: (c.created_at, c.id),
    )
    level, status = (
        (changes[0].from_level, changes[0].from_status)
        if changes
        else (member.level, member.status)
    )
    start = member.created_at if (level, status) == ("host", "active") else None
    periods: list[tuple[datetime, datetime | None]] = []
    for change in changes:
        holds = (change.to_level, change.to_status) == ("host", "active")
        if start is None and holds:
            start = change.created_at
        elif start is not None and not holds:
            periods.append((start, change.created_at))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


def reversal_days() -> int:
    return int(current_app.config.get("LEVEL_REVERSAL_DAYS", 30))


def reversible(change: LevelChange, *, now: datetime | None = None) -> bool:
    """A demotion not yet reversed, made within the last LEVEL_REVERSAL_DAYS."""
    now = now or utcnow()
    if LEVELS.index(change.to_level) >= LEVELS.index(change.from_level):
        return False
    if now - change.created_at > timedelta(days=reversal_days()):
        return False
    return not db.session.scalar(
        sa.select(sa.func.count()).select_from(LevelChange).filter_by(reverses_id=change.id)
    )


def reverse_demotion(
    change: LevelChange, *, reason, actor: Member, now: datetime | None = None
) -> LevelChange:
    """An admin gives a demoted member their level back (within LEVEL_REVERSAL_DAYS, with a
    reason). What the demotion cancelled stays cancelled."""
    now = now or utcnow()
    if not actor.has_role("admin"):
        raise Forbidden(M.ADMIN_REVERSES_DEMOTION)
    member = get_member(change.member_id)
    reason = validate.reason(reason)
    if LEVELS.index(change.to_level) >= LEVELS.index(change.from_level):
        raise Conflict(M.ONLY_DEMOTION_REVERSED, field="change")
    if not reversible(change, now=now):
        raise Conflict(M.REVERSED_ONCE, field="change", n=reversal_days())
    if member.level != change.to_level or member.status != "active":
        raise Conflict(M.CHANGED_SINCE, field="change")
    return _record(
        member,
        to_level=change.from_level,
        reason=f"demotion of {change.created_at:%Y-%m-%d} reversed: {reason}",
        actor_id=actor.id,
        now=now,
        reverses_id=change.id,
    )


def get_level_change(change_id) -> LevelChange:
    found = db.session.get(LevelChange, change_id) if is_id(change_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_LEVEL_CHANGE, field="change")
    return found


def level_history(member: Member) -> list[LevelChange]:
    return list(
        db.session.scalars(
            sa.select(LevelChange).filter_by(member_id=member.id).order_by(LevelChange.id.desc())
        )
    )


def current_course_ids(member: Member, now: datetime) -> set[int]:
    """Courses of which the member holds a completion that has not lapsed."""
    return set(
        db.session.scalars(
            sa.select(CourseCompletion.course_id).where(
                CourseCompletion.member_id == member.id,
                sa.or_(CourseCompletion.expires_at.is_(None), CourseCompletion.expires_at > now),
            )
        )
    )


def course_counts(member: Member, now: datetime) -> dict[str, tuple[int, int]]:
    """Per tier: (courses currently held, courses in the tier)."""
    courses = db.session.execute(sa.select(Course.id, Course.tier)).all()
    current = current_course_ids(member, now)
    return {
        tier: (
            sum(1 for course_id, t in courses if t == tier and course_id in current),
            sum(1 for _, t in courses if t == tier),
        )
        for tier in TIERS
    }


def tiers_done(member: Member, now: datetime) -> frozenset[str]:
    """Tiers in which the member holds a current completion of every course."""
    return frozenset(
        tier
        for tier, (done, total) in course_counts(member, now).items()
        if total and done == total
    )


def service_hours(member: Member, now: datetime) -> float:
    since = now - timedelta(days=rules().hours_window_days)
    return float(measure("service_hours", member.id, since, now) or 0)


def member_facts(member: Member, *, now: datetime | None = None) -> progression.MemberFacts:
    now = now or utcnow()
    approved_skill = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Skill)
        .filter_by(member_id=member.id, status="approved")
    )
    counts = course_counts(member, now)
    return progression.MemberFacts(
        level=member.level,
        real_name=bool(member.real_name),
        pledged=member.pledged_at is not None,
        tiers_done=frozenset(t for t, (done, total) in counts.items() if total and done == total),
        courses=tuple((tier, done, total) for tier, (done, total) in counts.items()),
        service_hours=service_hours(member, now),
        approved_skill=bool(approved_skill),
        application=db.session.scalar(
            sa.select(HostApplication.status)
            .filter_by(member_id=member.id)
            .order_by(HostApplication.id.desc())
            .limit(1)
        ),
    )


def progress_of(member: Member, *, now: datetime | None = None) -> progression.Progress:
    return progression.progress(member_facts(member, now=now), rules())


def promote_if_eligible(member: Member, *, actor_id: int | None, now: datetime | None = None):
    """Move the member up every level the rules now grant; returns the changes made."""
    now = now or utcnow()
    changes = []
    while member.status == "active":
        facts = member_facts(member, now=now)
        target = progression.automatic_promotion(facts, rules())
        if target is None:
            break
        met = ", ".join(r.code for r in progression.progress(facts, rules()).requirements)
        changes.append(
            _record(member, to_level=target, reason=f"rules met: {met}", actor_id=actor_id, now=now)
        )
    return changes


def record_pledge(member: Member, *, real_name, now: datetime | None = None) -> Member:
    """The member gives their real name and takes the volunteer pledge."""
    now = now or utcnow()
    member.real_name = _name(real_name, "real_name")
    if member.pledged_at is None:
        member.pledged_at = now
    promote_if_eligible(member, actor_id=member.id, now=now)
    return member


def course_exists(code: str) -> bool:
    return db.session.scalar(sa.select(Course.id).filter_by(code=code)) is not None


def get_course(code: str) -> Course:
    course = db.session.scalar(sa.select(Course).filter_by(code=code))
    if course is None:
        raise NotFound(M.NO_SUCH_COURSE, field="course", code=code)
    return course


def record_completion(
    member: Member, course: Course, *, actor: Member, completed_on: datetime | None = None
) -> CourseCompletion:
    """A social worker records that the member finished a course (attendance)."""
    require_manager(actor, member)
    completed_on = completed_on or utcnow()
    completion = CourseCompletion(
        member_id=member.id,
        course_id=course.id,
        completed_on=completed_on,
        expires_at=(
            completed_on + timedelta(days=course.valid_days) if course.valid_days else None
        ),
        recorded_by=actor.id,
    )
    db.session.add(completion)
    db.session.flush()
    promote_if_eligible(member, actor_id=actor.id, now=completed_on)
    return completion


def completions_of(member: Member) -> list[CourseCompletion]:
    return list(
        db.session.scalars(
            sa.select(CourseCompletion)
            .filter_by(member_id=member.id)
            .order_by(CourseCompletion.completed_on.desc())
        )
    )


def declare_skill(member: Member, *, category, description) -> Skill:
    category = _name(category, "category")
    description = validate.reason(description, "description")
    skill = Skill(member_id=member.id, category=category, description=description)
    db.session.add(skill)
    db.session.flush()
    return skill


def skills_to_review_count(actor: Member) -> int:
    """Declared skills of members in the actor's scope that wait for a review."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Skill)
        .join(Member, Member.id == Skill.member_id)
        .where(Skill.status == "declared", staff_scope(actor))
    )


def review_skill(
    skill: Skill, *, approve: bool, note: str = "", actor: Member, now: datetime | None = None
) -> Skill:
    """A social worker approves or rejects a declared skill (with a note when rejecting)."""
    member = get_member(skill.member_id)
    require_manager(actor, member)
    if actor.id == member.id:
        raise Forbidden(M.SKILL_OWN)
    if skill.status != "declared":
        raise Conflict(M.SKILL_REVIEWED, field="skill", status=skill.status)
    if not approve:
        note = validate.reason(note, "note")
    now = now or utcnow()
    skill.status = "approved" if approve else "rejected"
    skill.review_note = note or ""
    skill.reviewed_by, skill.reviewed_at = actor.id, now
    db.session.flush()
    if approve:
        promote_if_eligible(member, actor_id=actor.id, now=now)
    return skill


def set_status(
    member: Member, status: str, *, reason, actor: Member, now: datetime | None = None
) -> LevelChange:
    """Suspend, exit or reinstate a member; history is kept."""
    reason = check_status_change(member, status, reason=reason, actor=actor)
    now = now or utcnow()
    if status != "active":
        end_sign_ins(member, now=now)
    return _record(member, to_status=status, reason=reason, actor_id=actor.id, now=now)


def check_status_change(member: Member, status: str, *, reason, actor: Member) -> str:
    """Refuse a status change `set_status` would refuse, writing nothing (a confirmation
    page asks first); returns the reason as it will be recorded."""
    require_manager(actor, member)
    if status not in STATUSES:
        raise InvalidInput(M.STATUS_CHOICE, field="status")
    if actor.id == member.id:
        raise Forbidden(M.STATUS_OWN)
    if member.status == status:
        raise Conflict(M.STATUS_UNCHANGED, field="status", status=status)
    return validate.reason(reason)


def assign_community(
    member: Member,
    *,
    community_id,
    grid_id=None,
    reason="",
    actor: Member,
    now: datetime | None = None,
) -> LevelChange:
    """A street admin puts a member without a community (an older account, an API sign-up
    that named none) into one, or moves them; recorded with who and why."""
    if not actor.has_role("admin"):
        raise Forbidden(M.ASSIGN_ADMIN_ONLY)
    community_id, grid_id = _place(community_id, grid_id)
    if community_id is None:
        raise InvalidInput(shared.NOT_A_COMMUNITY, field="community_id")
    if community_id == member.community_id and grid_id == member.grid_id:
        raise Conflict(M.ALREADY_THERE, field="community_id")
    community = db.session.get(Community, community_id)
    before = member.community.name if member.community else "—"
    note = validate.text(reason, "reason", 300) if reason and str(reason).strip() else ""
    member.community_id, member.grid_id = community_id, grid_id
    return _record(
        member,
        reason=f"community: {before} → {community.name}" + (f"; {note}" if note else ""),
        actor_id=actor.id,
        now=now or utcnow(),
    )


def unassigned_count(actor: Member) -> int:
    """Members without a community, for the street admin's attention (others: 0)."""
    if not actor.has_role("admin"):
        return 0
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Member).where(Member.community_id.is_(None))
    )


def demote(
    member: Member, to_level: str, *, reason: str, actor_id: int | None, now: datetime | None = None
) -> LevelChange:
    if to_level not in LEVELS or LEVELS.index(to_level) >= LEVELS.index(member.level):
        raise InvalidInput(M.LOWER_LEVEL, field="level")
    return _record(
        member,
        to_level=to_level,
        reason=validate.reason(reason),
        actor_id=actor_id,
        now=now or utcnow(),
    )


def import_level(
    member: Member, level: str, *, reason, actor_id: int | None, now: datetime | None = None
) -> LevelChange | None:
    """Set a level taken over from an existing roster (the seed, or a street office moving
    its paper records in); recorded like any other change. Returns None if unchanged."""
    if level not in LEVELS:
        raise InvalidInput(shared.ONE_OF, field="level", values=LEVELS)
    if level == member.level:
        return None
    return _record(
        member,
        to_level=level,
        reason=validate.reason(reason),
        actor_id=actor_id,
        now=now or utcnow(),
        tell=False,  # not a change for the member: the level they already held
    )


def communities() -> list[Community]:
    """Every community of the street, in order, with its grids (the sign-up list)."""
    return list(db.session.scalars(sa.select(Community).order_by(Community.id)))


def ensure_place(street: str, community: str, grids: list, name_en: str = "") -> Community:
    """Create the street, community and grids if missing (seed and set-up); `name_en` is
    the community's name on English pages. A grid is its name, or {name, name_en} with its
    English name too."""
    street_name, community_name = _name(street, "street"), _name(community, "community")
    street_row = db.session.scalar(sa.select(Street).filter_by(name=street_name))
    if street_row is None:
        street_row = Street(name=street_name)
        db.session.add(street_row)
        db.session.flush()
    row = db.session.scalar(
        sa.select(Community).filter_by(street_id=street_row.id, name=community_name)
    )
    if row is None:
        row = Community(street_id=street_row.id, name=community_name)
        db.session.add(row)
        db.session.flush()
    if name_en:
        row.name_en = validate.text(name_en, "name_en", 120)
    existing = {g.name: g for g in row.grids}
    for grid in grids:
        grid_en = ""
        if isinstance(grid, dict):
            grid, grid_en = grid.get("name"), grid.get("name_en") or ""
        name = _name(grid, "grid")
        found = existing.get(name)
        if found is None:
            found = existing[name] = Grid(name=name)
            row.grids.append(found)
        if grid_en:
            found.name_en = validate.text(grid_en, "name_en", 120)
    db.session.flush()
    return row


def ensure_course(*, code, tier, name_zh, name_en, hours=2, valid_days=None) -> Course:
    """Create or update a training course (seed and set-up)."""
    if not isinstance(code, str) or not re.match(r"^[a-z0-9-]{2,40}$", code):
        raise InvalidInput(M.COURSE_CODE, field="code")
    if tier not in TIERS:
        raise InvalidInput(shared.ONE_OF, field="tier", values=TIERS)
    for value, field in ((hours, "hours"), (valid_days, "valid_days")):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0
        ):
            raise InvalidInput(M.POSITIVE_WHOLE, field=field)
    course = db.session.scalar(sa.select(Course).filter_by(code=code))
    if course is None:
        course = Course(code=code)
        db.session.add(course)
    course.tier, course.hours, course.valid_days = tier, hours, valid_days
    course.name_zh, course.name_en = _name(name_zh, "name_zh"), validate.reason(name_en, "name_en")
    db.session.flush()
    return course


def create_staff(
    *, phone, name, role, password=None, community_name=None, merchant_id=None
) -> Member:
    """Operator set-up: a social worker of a community, an admin, or merchant staff."""
    community_id = None
    if community_name is not None:
        community = db.session.scalar(sa.select(Community).filter_by(name=community_name))
        if community is None:
            raise InvalidInput(shared.NOT_A_COMMUNITY, field="community_id")
        community_id = community.id
    if role == "social_worker" and community_id is None:
        raise InvalidInput(M.SOCIAL_WORKER_COMMUNITY, field="community_id")
    member = find_by_phone(_phone(phone))
    if member is None:
        if password is None:
            raise InvalidInput(M.PASSWORD_NEEDED, field="password")
        member = register_member(
            phone=phone, password=password, name=name, community_id=community_id
        )
    elif community_id is not None:
        member.community_id = community_id
    grant_role(member, role, merchant_id=merchant_id)
    return member


def promote_to_host(member: Member, *, reason: str, actor_id: int | None, now: datetime):
    """Record the appointment of a host (called by applications.appoint)."""
    return _record(member, to_level="host", reason=reason, actor_id=actor_id, now=now)


def set_email(member: Member, value) -> Member:
    """The member's email address for notifications (empty: none); checked and normalised."""
    from email_validator import EmailNotValidError, validate_email

    if value is None or (isinstance(value, str) and not value.strip()):
        member.email = None
        return member
    if not isinstance(value, str) or len(value) > 120:
        raise InvalidInput(M.EMAIL, field="email")
    try:
        member.email = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput(M.EMAIL, field="email") from None
    return member


# ---------------------------------------------------------------------------- counting

CERTIFIED_LEVELS = LEVELS[1:]  # a certified volunteer: trained and pledged, volunteer or above


def is_certified_volunteer(level: str) -> bool:
    """Whether a member at `level` counts as a certified volunteer (志愿者 and up)."""
    return level in CERTIFIED_LEVELS


def levels_at(where, moments: list[datetime]) -> list[dict[str, int]]:
    """Members per level at each moment, for the members matching `where` (a condition on
    Member): a member counts from their registration, at the level their last recorded
    change before the moment gave them (or their current level if none was recorded)."""
    people = db.session.execute(
        sa.select(Member.id, Member.created_at, Member.level).where(where)
    ).all()
    changes: dict[int, list[tuple[datetime, str]]] = {}
    for member_id, at, level in db.session.execute(
        sa.select(LevelChange.member_id, LevelChange.created_at, LevelChange.to_level)
        .where(LevelChange.member_id.in_(sa.select(Member.id).where(where)))
        .order_by(LevelChange.id)
    ):
        changes.setdefault(member_id, []).append((at, level))
    out = []
    for moment in moments:
        counts = dict.fromkeys(LEVELS, 0)
        for member_id, created, current in people:
            if created >= moment:
                continue
            history = changes.get(member_id)
            if not history:
                counts[current] += 1
                continue
            level = "resident"
            for at, to_level in history:
                if at >= moment:
                    break
                level = to_level
            counts[level] += 1
        out.append(counts)
    return out
