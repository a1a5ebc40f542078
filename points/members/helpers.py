"""代办: helpers who act for a resident, within what the resident granted.

A resident names a helper (another member, found by mobile number) for chosen scopes —
`balance`, `claim`, `redeem`, `book` — until a last day; a social worker may record the grant
for a resident who agreed in person (witnessed). The resident or a social worker withdraws it
at any time. A social worker at the counter acts for a resident who came in person, in every
scope, for that visit (no grant: the row says who acted and nothing else).

`may_act_for` is the one rule; `authorise` is what every service that writes for a member asks
first, and the `OnBehalf` it returns is what the written row records (`acted_by`,
`helper_grant_id`). `tell_acted` tells the resident what was done for them, by SMS too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from points import clock
from points.database import is_id, lock_key, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.members import messages as M
from points.members import services as members
from points.members.models import HELPER_SCOPES, HelperGrant, Member
from points.notifications import render
from points.notifications import services as notifications
from points.validate import mobile

MAX_DAYS = 366  # a grant names its last day within a year; the resident names it again then

SCOPE_NAMES = {
    "balance": render.names("查询积分", "check points"),
    "claim": render.names("申报积分", "claim points"),
    "redeem": render.names("兑换权益", "redeem benefits"),
    "book": render.names("预约场地", "book space"),
}


@dataclass(frozen=True)
class OnBehalf:
    """Who acts for a member in one write: a helper under `grant_id`, or (no grant) a social
    worker at the counter with the resident there in person."""

    actor: Member
    grant_id: int | None

    @property
    def at_counter(self) -> bool:
        return self.grant_id is None


# ---------------------------------------------------------------------------- the rule


def _live(grant: HelperGrant, today: date) -> bool:
    return grant.withdrawn_at is None and grant.ends_on >= today


def may_act_for(helper: Member, resident: Member, scope: str, now: datetime | None = None) -> bool:
    """The helper may act for the resident in `scope` now: a grant not withdrawn, its last
    day not passed, the scope granted, and both accounts active."""
    return _grant_for(helper, resident, scope, now or utcnow()) is not None


def _grant_for(helper: Member, resident: Member, scope: str, now: datetime) -> HelperGrant | None:
    if helper.status != "active" or resident.status != "active" or helper.id == resident.id:
        return None
    grant = db.session.scalar(
        sa.select(HelperGrant).where(
            HelperGrant.resident_id == resident.id,
            HelperGrant.helper_id == helper.id,
            HelperGrant.withdrawn_at.is_(None),
        )
    )
    if grant is None or not _live(grant, clock.today(now)) or not grant.allows(scope):
        return None
    return grant


def may_act_at_counter(staff: Member, resident: Member) -> bool:
    """A social worker (or admin) of the resident's community, both accounts active."""
    return (
        staff.id != resident.id
        and staff.status == "active"
        and resident.status == "active"
        and members.can_manage(staff, resident)
    )


def authorise(
    actor: Member | None,
    member: Member,
    scope: str,
    *,
    counter: bool = False,
    now: datetime | None = None,
) -> OnBehalf | None:
    """What a service asks before it writes for `member` in `scope` with `actor` acting:
    None when the member acts for themselves; an `OnBehalf` to record when the actor may;
    Forbidden when not. The grant is read under a row lock, so a withdrawal committed a
    moment before is seen and one running now waits for this write."""
    if actor is None or actor.id == member.id:
        return None
    now = now or utcnow()
    if counter:
        if not may_act_at_counter(actor, member):
            raise Forbidden(M.COUNTER_NOT_STAFF)
        return OnBehalf(actor=actor, grant_id=None)
    grant = _grant_for(actor, member, scope, now)
    if grant is not None:
        grant = lock_row(db.session, grant)
    if grant is None or not _live(grant, clock.today(now)) or not grant.allows(scope):
        raise Forbidden(M.HELPER_NOT_GRANTED, name=member.name, scope=scope)
    return OnBehalf(actor=actor, grant_id=grant.id)


def tell_acted(member: Member, on_behalf: OnBehalf | None, what, *, subject: str, now=None):
    """Tell the member what was done for them (inbox and SMS); nothing when they acted."""
    if on_behalf is None:
        return None
    return notifications.notify(
        member,
        M.HELPER_ACTED,
        subject=subject,
        now=now or utcnow(),
        actor=actor_names(on_behalf.actor, at_counter=on_behalf.at_counter),
        what=what,
        time=now or utcnow(),
    )


def actor_names(actor: Member, *, at_counter: bool) -> render.Names:
    if at_counter:
        return render.names(f"社工{actor.name}（柜台）", f"social worker {actor.name} (counter)")
    return render.names(actor.name, actor.name)


# ---------------------------------------------------------------------------- granting


def _scopes(value) -> dict[str, bool]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set | frozenset) or not value:
        raise InvalidInput(M.HELPER_SCOPES_NEEDED, field="scopes", values=HELPER_SCOPES)
    chosen = set()
    for item in value:
        if item not in HELPER_SCOPES:
            raise InvalidInput(M.HELPER_SCOPES_NEEDED, field="scopes", values=HELPER_SCOPES)
        chosen.add(item)
    return {f"may_{s}": s in chosen for s in HELPER_SCOPES}


def _ends_on(value, now: datetime) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(M.HELPER_END_NEEDED, field="ends_on") from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput(M.HELPER_END_NEEDED, field="ends_on")
    today = clock.today(now)
    if value < today:
        raise InvalidInput(M.HELPER_END_PAST, field="ends_on")
    if value > today + timedelta(days=MAX_DAYS):
        raise InvalidInput(M.HELPER_END_TOO_FAR, field="ends_on", days=MAX_DAYS)
    return value


def _helper(resident: Member, phone) -> Member:
    phone = mobile(phone, "helper_phone")
    if phone == resident.phone:
        raise InvalidInput(M.HELPER_SELF, field="helper_phone")
    helper = members.find_by_phone(phone)
    if helper is None:
        raise InvalidInput(M.HELPER_UNKNOWN_PHONE, field="helper_phone")
    if helper.status != "active":
        raise InvalidInput(M.HELPER_NOT_ACTIVE, field="helper_phone")
    return helper


def grant_helper(
    resident: Member,
    *,
    helper_phone,
    scopes,
    ends_on,
    granted_by: Member,
    now: datetime | None = None,
) -> HelperGrant:
    """Name a helper. `granted_by` is the resident, or a social worker of the resident's
    community who witnessed the resident's consent in person (recorded as witnessed). A grant
    already in force for the same helper is replaced (withdrawn now), so there is one."""
    now = now or utcnow()
    witnessed = granted_by.id != resident.id
    if witnessed and not (
        granted_by.status == "active" and members.can_manage(granted_by, resident)
    ):
        raise Forbidden(M.HELPER_GRANTER)
    if resident.status != "active":
        raise Forbidden(M.ACCOUNT_CLOSED, status=resident.status)
    helper = _helper(resident, helper_phone)
    chosen = _scopes(scopes)
    last_day = _ends_on(ends_on, now)
    lock_key(db.session, f"helper-grant:{resident.id}:{helper.id}")
    earlier = db.session.scalar(
        sa.select(HelperGrant).where(
            HelperGrant.resident_id == resident.id,
            HelperGrant.helper_id == helper.id,
            HelperGrant.withdrawn_at.is_(None),
        )
    )
    if earlier is not None:
        earlier = lock_row(db.session, earlier)
        earlier.withdrawn_at = now
        earlier.withdrawn_by = granted_by.id
        db.session.flush()
    grant = HelperGrant(
        resident_id=resident.id,
        helper_id=helper.id,
        ends_on=last_day,
        granted_by=granted_by.id,
        witnessed=witnessed,
        created_at=now,
        **chosen,
    )
    db.session.add(grant)
    db.session.flush()
    notifications.notify(
        resident,
        M.HELPER_GRANTED,
        subject=f"helper-grant:{grant.id}",
        now=now,
        helper=render.names(helper.name, helper.name),
        ends_on=last_day,
        scopes=[SCOPE_NAMES[s] for s in grant.scopes],
    )
    return grant


def get_grant(grant_id) -> HelperGrant:
    found = db.session.get(HelperGrant, grant_id) if is_id(grant_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_GRANT, field="grant")
    return found


def visible_grant(grant_id, viewer: Member) -> HelperGrant:
    """A grant its resident, its helper or a social worker of the resident's sees; for
    anyone else it is not found."""
    grant = get_grant(grant_id)
    if viewer.id in (grant.resident_id, grant.helper_id) or members.can_manage(
        viewer, grant.resident
    ):
        return grant
    raise NotFound(M.NO_SUCH_GRANT, field="grant")


def withdraw_grant(
    grant: HelperGrant, *, actor: Member, now: datetime | None = None
) -> HelperGrant:
    """The resident (or a social worker of their community) ends a grant, at once: the
    helper's next page or request for the resident is refused."""
    now = now or utcnow()
    if actor.id != grant.resident_id and not members.can_manage(actor, grant.resident):
        raise NotFound(M.NO_SUCH_GRANT, field="grant")
    grant = lock_row(db.session, grant)
    if grant.withdrawn_at is not None:
        raise Conflict(M.HELPER_ALREADY_WITHDRAWN)
    grant.withdrawn_at = now
    grant.withdrawn_by = actor.id
    db.session.flush()
    notifications.notify(
        grant.resident,
        M.HELPER_WITHDRAWN,
        subject=f"helper-grant:{grant.id}",
        now=now,
        helper=render.names(grant.helper.name, grant.helper.name),
        time=now,
    )
    return grant


# ---------------------------------------------------------------------------- reading


def helpers_of(resident: Member, *, now: datetime | None = None) -> list[HelperGrant]:
    """The resident's grants in force (not withdrawn, last day not passed), newest first."""
    today = clock.today(now or utcnow())
    return list(
        db.session.scalars(
            sa.select(HelperGrant)
            .where(
                HelperGrant.resident_id == resident.id,
                HelperGrant.withdrawn_at.is_(None),
                HelperGrant.ends_on >= today,
            )
            .order_by(HelperGrant.id.desc())
        )
    )


def helped_by(helper: Member, *, now: datetime | None = None) -> list[HelperGrant]:
    """The grants in force naming this member as helper, for active residents: 我帮助的人."""
    today = clock.today(now or utcnow())
    return list(
        db.session.scalars(
            sa.select(HelperGrant)
            .join(Member, Member.id == HelperGrant.resident_id)
            .where(
                HelperGrant.helper_id == helper.id,
                HelperGrant.withdrawn_at.is_(None),
                HelperGrant.ends_on >= today,
                Member.status == "active",
            )
            .order_by(Member.name, HelperGrant.id)
        )
    )


def live_grant(helper: Member, resident: Member, *, now: datetime | None = None):
    """The grant in force from resident to helper, whatever its scopes (None if none)."""
    today = clock.today(now or utcnow())
    if helper.status != "active" or resident.status != "active":
        return None
    grant = db.session.scalar(
        sa.select(HelperGrant).where(
            HelperGrant.resident_id == resident.id,
            HelperGrant.helper_id == helper.id,
            HelperGrant.withdrawn_at.is_(None),
        )
    )
    return grant if grant is not None and _live(grant, today) else None
