"""Becoming a host: apply → select or decline → public notice (公示) → appoint.

A talent applies with a programme proposal. A social worker of their community selects or
declines it (with a reason). Selection opens a public notice of `LADDER_NOTICE_DAYS` days
in which any member may lodge an objection; a social worker upholds (the application is
declined) or dismisses each. When the notice has ended with no open objection and the
applicant has finished all three training tiers, the appointment takes effect — by a
social worker's click or by the application itself on its housekeeping round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from points import validate
from points.database import is_id, utcnow
from points.errors import Conflict, Forbidden, NotFound
from points.extensions import db
from points.members import messages as M
from points.members import progression
from points.members import services as members
from points.members.models import HostApplication, Member, Objection
from points.notifications import services as notifications

OPEN = ("submitted", "selected")
NOTICE_ENDED_WITHIN_DAYS = 7  # how far back the sweep looks for notices that ended


def get_application(application_id: int) -> HostApplication:
    found = db.session.get(HostApplication, application_id) if is_id(application_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_APPLICATION, field="application")
    return found


def latest_application(member: Member) -> HostApplication | None:
    return db.session.scalar(
        sa.select(HostApplication)
        .filter_by(member_id=member.id)
        .order_by(HostApplication.id.desc())
        .limit(1)
    )


def may_apply(member: Member) -> bool:
    """Whether the member may apply now (as `apply` decides): an active community talent
    with no application in progress."""
    if member.level != "talent" or member.status != "active":
        return False
    return not db.session.scalar(
        sa.select(HostApplication.id).where(
            HostApplication.member_id == member.id, HostApplication.status.in_(OPEN)
        )
    )


def apply(member: Member, *, programme_title, proposal, now: datetime | None = None):
    """A community talent applies to become a host with a programme proposal."""
    title = validate.text(programme_title, "programme_title", 80)
    text = validate.text(proposal, "proposal", 2000)
    if member.level != "talent" or member.status != "active":
        raise Forbidden(M.TALENTS_ONLY)
    if db.session.scalar(
        sa.select(HostApplication.id).where(
            HostApplication.member_id == member.id, HostApplication.status.in_(OPEN)
        )
    ):
        raise Conflict(M.APPLICATION_IN_PROGRESS, field="application")
    application = HostApplication(
        member_id=member.id,
        community_id=member.community_id,
        programme_title=title,
        proposal=text,
        status="submitted",
        created_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:  # a second submission at the same instant
        raise Conflict(M.APPLICATION_IN_PROGRESS, field="application") from None
    return application


def review(
    application: HostApplication,
    *,
    select: bool,
    reason: str = "",
    actor: Member,
    now: datetime | None = None,
) -> HostApplication:
    """Select (opening the public notice) or decline (with a reason) a submitted application."""
    applicant = members.get_member(application.member_id)
    members.require_manager(actor, applicant)
    if actor.id == applicant.id:
        raise Forbidden(M.APPLICATION_OWN)
    if application.status != "submitted":
        raise Conflict(M.APPLICATION_DECIDED, field="status", status=application.status)
    now = now or utcnow()
    application.reviewed_by, application.reviewed_at = actor.id, now
    if select:
        application.status = "selected"
        application.decision_reason = reason.strip() if isinstance(reason, str) else ""
        application.notice_ends_at = now + timedelta(days=members.rules().notice_days)
    else:
        application.decision_reason = validate.text(reason, "reason", 500)
        application.status = "declined"
    db.session.flush()
    if select:  # the decision, and the public notice it starts
        notifications.notify(
            applicant,
            M.APPLICATION_SELECTED,
            subject=f"application:{application.id}",
            now=now,
            programme=application.programme_title,
            ends=application.notice_ends_at,
        )
    else:
        notifications.notify(
            applicant,
            M.APPLICATION_DECLINED,
            subject=f"application:{application.id}",
            now=now,
            programme=application.programme_title,
            reason=application.decision_reason,
        )
    return application


def in_notice(application: HostApplication, now: datetime) -> bool:
    return application.status == "selected" and now < application.notice_ends_at


def object_to(
    application: HostApplication, *, member: Member, reason, now: datetime | None = None
) -> Objection:
    """Any active member may object while the notice runs; the applicant may not."""
    now = now or utcnow()
    if not in_notice(application, now):
        raise Conflict(M.NOTICE_OVER, field="application")
    if member.id == application.member_id:
        raise Forbidden(M.OBJECTION_OWN)
    objection = Objection(
        application_id=application.id,
        lodged_by=member.id,
        reason=validate.text(reason, "reason", 500),
        created_at=now,
    )
    db.session.add(objection)
    db.session.flush()
    applicant = members.get_member(application.member_id)
    # A social worker must uphold or dismiss it before the appointment: tell them all.
    for worker in members.social_workers_of(application.community_id):
        notifications.notify(
            worker,
            M.OBJECTION_LODGED,
            subject=f"objection:{objection.id}",
            now=now,
            applicant=applicant.name,
            programme=application.programme_title,
            reason=objection.reason,
        )
    return objection


def resolve_objection(
    objection: Objection, *, uphold: bool, note, actor: Member, now: datetime | None = None
) -> Objection:
    """Uphold (the application is declined) or dismiss an objection, with a note."""
    application = objection.application
    members.require_manager(actor, members.get_member(application.member_id))
    if objection.status != "open":
        raise Conflict(M.OBJECTION_RESOLVED, field="objection", status=objection.status)
    now = now or utcnow()
    objection.resolution = validate.text(note, "note", 500)
    objection.status = "upheld" if uphold else "dismissed"
    objection.resolved_by, objection.resolved_at = actor.id, now
    applicant = members.get_member(application.member_id)
    if uphold and application.status == "selected":
        application.status = "declined"
        application.decision_reason = f"objection upheld: {objection.resolution}"
        notifications.notify(
            applicant,
            M.OBJECTION_UPHELD,
            subject=f"application:{application.id}",
            now=now,
            programme=application.programme_title,
            note=objection.resolution,
        )
    db.session.flush()
    notifications.settle(f"objection:{objection.id}", now=now)
    notifications.notify(
        members.get_member(objection.lodged_by),
        M.OBJECTION_RESOLVED,
        subject=f"objection:{objection.id}",
        now=now,
        outcome=objection.status,
        applicant=applicant.name,
        programme=application.programme_title,
        note=objection.resolution,
    )
    return objection


def blockers(application: HostApplication, now: datetime) -> list[str]:
    """What stands between a selected application and the appointment (codes)."""
    if application.status != "selected":
        return [f"status:{application.status}"]
    out = []
    if now < application.notice_ends_at:
        out.append("notice_running")
    if any(o.status == "open" for o in application.objections):
        out.append("open_objection")
    applicant = members.get_member(application.member_id)
    facts = members.member_facts(applicant, now=now)
    missing = [
        r.code
        for r in progression.progress(facts, members.rules()).requirements
        if not r.met and r.code != "host_application"
    ]
    if applicant.level != "talent" or applicant.status != "active":
        out.append("not_an_active_talent")
    return out + missing


def appoint(
    application: HostApplication, *, actor: Member | None, now: datetime | None = None
) -> HostApplication:
    """The appointment takes effect: the talent becomes a host, recorded."""
    now = now or utcnow()
    if actor is not None:
        members.require_manager(actor, members.get_member(application.member_id))
    waiting = blockers(application, now)
    if waiting:
        raise Conflict(M.CANNOT_APPOINT_YET, field="application", waiting=waiting)
    applicant = members.get_member(application.member_id)
    application.status, application.appointed_at = "appointed", now
    members.promote_to_host(
        applicant,
        reason=(
            f"selected {application.reviewed_at:%Y-%m-%d}; public notice ended "
            f"{application.notice_ends_at:%Y-%m-%d} without upheld objections; "
            f"programme: {application.programme_title}"
        ),
        actor_id=actor.id if actor else None,
        now=now,
    )
    return application


def notices_ended(now: datetime | None = None) -> int:
    """The sweep: tell each applicant whose public notice has ended, once. Returns how many
    were told (an appointment that follows is told as the new level)."""
    now = now or utcnow()
    ended = db.session.scalars(
        sa.select(HostApplication)
        .where(
            HostApplication.status == "selected",
            HostApplication.notice_ends_at <= now,
            # Only notices that ended recently: not every past one when this first runs.
            HostApplication.notice_ends_at > now - timedelta(days=NOTICE_ENDED_WITHIN_DAYS),
        )
        .order_by(HostApplication.id)
    ).all()
    told = 0
    for application in ended:
        written = notifications.notify(
            members.get_member(application.member_id),
            M.NOTICE_ENDED,
            subject=f"application:{application.id}",
            once=f"notice-ended:{application.id}",
            now=now,
            programme=application.programme_title,
            ends=application.notice_ends_at,
        )
        told += written is not None
    return told


def appoint_due(now: datetime | None = None) -> int:
    """Housekeeping: appoint every selected application that has nothing left to wait for."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(HostApplication).where(
            HostApplication.status == "selected", HostApplication.notice_ends_at <= now
        )
    ).all()
    done = 0
    for application in due:
        if not blockers(application, now):
            appoint(application, actor=None, now=now)
            done += 1
    return done


@dataclass(frozen=True)
class Funnel:
    applied: int
    selected: int
    appointed: int


def funnel(actor: Member) -> Funnel:
    """Applied → selected → appointed within the actor's scope, as in "23 of 53"."""
    scope = members.staff_scope(actor)
    rows = dict(
        db.session.execute(
            sa.select(HostApplication.status, sa.func.count())
            .join(Member, Member.id == HostApplication.member_id)
            .where(scope)
            .group_by(HostApplication.status)
        ).all()
    )
    appointed = rows.get("appointed", 0)
    selected = rows.get("selected", 0) + appointed
    return Funnel(
        applied=sum(rows.values()) - rows.get("withdrawn", 0),
        selected=selected,
        appointed=appointed,
    )


def queue(actor: Member, status: str) -> list[HostApplication]:
    return list(
        db.session.scalars(
            sa.select(HostApplication)
            .join(Member, Member.id == HostApplication.member_id)
            .where(members.staff_scope(actor), HostApplication.status == status)
            .order_by(HostApplication.id)
        )
    )


def queue_count(actor: Member, status: str = "submitted") -> int:
    """How many applications in the actor's scope are in `status` (the home page's count)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(HostApplication)
        .join(Member, Member.id == HostApplication.member_id)
        .where(members.staff_scope(actor), HostApplication.status == status)
    )


def notices(member: Member | None, now: datetime | None = None) -> list[HostApplication]:
    """Applications in public notice (公示 is public): everyone's for a visitor or an admin,
    a member's own community's for a signed-in member."""
    now = now or utcnow()
    query = sa.select(HostApplication).where(
        HostApplication.status == "selected", HostApplication.notice_ends_at > now
    )
    if member is not None and not member.has_role("admin"):
        query = query.where(HostApplication.community_id == member.community_id)
    return list(db.session.scalars(query.order_by(HostApplication.notice_ends_at)))
