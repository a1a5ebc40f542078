"""The members' page-only actions over the API, on the same services as the pages: skills
and their review, the host application with its public notice (公示) and objections, and
the staff's member record and status changes. Staff lists mask phones; the record shows the
number in full and records the look. Another community's member is 'not found' for a
social worker, as on the staff pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from points import clock
from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.database import is_id
from points.errors import NotFound
from points.extensions import db
from points.members import applications
from points.members import messages as M
from points.members import services as members
from points.members.models import Member, Objection, Skill
from points.members.schemas import (
    ApplicationOut,
    ApplicationQueueQuery,
    ApplicationRequest,
    ApplicationReviewRequest,
    LevelChangeOut,
    MemberRecordOut,
    NoticeOut,
    ObjectionOut,
    ObjectionRequest,
    ResolveObjectionRequest,
    SkillOut,
    SkillQueueOut,
    SkillQueueQuery,
    SkillRequest,
    SkillReviewRequest,
    StaffApplicationOut,
    StatusRequest,
)

blp = Blueprint("members_api", __name__, description="Skills, becoming a host, member records")


def _managed(actor: Member, member: Member, what: str = "member") -> None:
    """403 for a caller who is not staff; 404 for a member outside the caller's scope."""
    members.require_staff(actor)
    if not members.can_manage(actor, member):
        raise NotFound(M.NO_SUCH[what], field=what)


def _get(model, object_id: int, what: str):
    found = db.session.get(model, object_id) if is_id(object_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH[what], field=what)
    return found


# ---------------------------------------------------------------------------- skills


@blp.post("/me/skills")
@blp.arguments(SkillRequest)
@blp.response(201, SkillOut)
def declare_skill(body):
    """Declare a skill for the resource map (资源地图); a social worker reviews it."""
    return members.declare_skill(current_member(), **body)


@blp.get("/me/skills")
@blp.response(200, SkillOut(many=True))
def my_skills():
    """My declared skills, newest first, with their review."""
    return db.session.scalars(
        sa.select(Skill).filter_by(member_id=current_member().id).order_by(Skill.id.desc())
    ).all()


@blp.get("/skills")
@refuses(blp, 403)
@blp.arguments(SkillQueueQuery, location="query")
@blp.response(200, SkillQueueOut(many=True))
def skill_queue(query):
    """Staff: skills of members in my scope, by status (default: declared, to review)."""
    actor = current_member()
    return db.session.scalars(
        sa.select(Skill)
        .join(Member, Member.id == Skill.member_id)
        .where(Skill.status == query["status"], members.staff_scope(actor))
        .order_by(Skill.id)
    ).all()


@blp.post("/skills/<int:skill_id>/review")
@refuses(blp, 403, 409)
@blp.arguments(SkillReviewRequest)
@blp.response(200, SkillOut)
def review_skill(body, skill_id: int):
    """Staff: approve or reject (with a note) a declared skill; approval may promote."""
    actor = current_member()
    members.require_staff(actor)
    skill = _get(Skill, skill_id, "skill")
    _managed(actor, members.get_member(skill.member_id), "skill")
    members.review_skill(skill, approve=body["approve"], note=body["note"], actor=actor)
    return skill


# ---------------------------------------------------------------------------- hosting


@blp.post("/me/host-application")
@refuses(blp, 403, 409)
@blp.arguments(ApplicationRequest)
@blp.response(201, ApplicationOut)
def apply(body):
    """Talents: apply to become a host with a programme proposal (one open at a time)."""
    return applications.apply(current_member(), **body)


@blp.get("/me/host-application")
@refuses(blp, 404)
@blp.response(200, ApplicationOut)
def my_application():
    """My latest host application and where it stands."""
    latest = applications.latest_application(current_member())
    if latest is None:
        raise NotFound(M.NO_APPLICATION_YET, field="application")
    return latest


def _staff_view(application):
    application.blockers = applications.blockers(application, clock.now())
    return application


@blp.get("/host-applications")
@refuses(blp, 403)
@blp.arguments(ApplicationQueueQuery, location="query")
@blp.response(200, StaffApplicationOut(many=True))
def application_queue(query):
    """Staff: applications in my scope by status (default: submitted), each with what still
    stands before the appointment."""
    return [_staff_view(a) for a in applications.queue(current_member(), query["status"])]


def _application_in_scope(actor: Member, application_id: int):
    members.require_staff(actor)
    application = applications.get_application(application_id)
    _managed(actor, members.get_member(application.member_id), "application")
    return application


@blp.post("/host-applications/<int:application_id>/review")
@refuses(blp, 403, 409)
@blp.arguments(ApplicationReviewRequest)
@blp.response(200, StaffApplicationOut)
def review_application(body, application_id: int):
    """Staff: select (the public notice starts) or decline (with a reason) an application."""
    actor = current_member()
    application = _application_in_scope(actor, application_id)
    applications.review(application, select=body["select"], reason=body["reason"], actor=actor)
    return _staff_view(application)


@blp.post("/host-applications/<int:application_id>/appoint")
@refuses(blp, 403, 409)
@blp.response(200, StaffApplicationOut)
def appoint(application_id: int):
    """Staff: the appointment takes effect once the notice has ended with no open objection
    and the training is done (409 names what is still waiting)."""
    actor = current_member()
    application = _application_in_scope(actor, application_id)
    applications.appoint(application, actor=actor)
    return _staff_view(application)


@blp.get("/notices")
@blp.response(200, NoticeOut(many=True))
def notices():
    """Public notices (公示) of selected hosts, readable without signing in: everyone's for a
    visitor or an admin, my own community's for a signed-in member."""
    reader = current_member() if current_user.is_authenticated else None
    return applications.notices(reader)


@blp.post("/notices/<int:application_id>/objections")
@refuses(blp, 403, 409)
@blp.arguments(ObjectionRequest)
@blp.response(201, ObjectionOut)
def object_to(body, application_id: int):
    """Object to a notice I can see while it runs (not to my own)."""
    member = current_member()
    visible = {a.id: a for a in applications.notices(member)}
    application = visible.get(application_id)
    if application is None:
        raise NotFound(M.NO_SUCH_NOTICE, field="application")
    return applications.object_to(application, member=member, reason=body["reason"])


@blp.post("/objections/<int:objection_id>/resolve")
@refuses(blp, 403, 409)
@blp.arguments(ResolveObjectionRequest)
@blp.response(200, ObjectionOut)
def resolve_objection(body, objection_id: int):
    """Staff: uphold (the application is declined) or dismiss an objection, with a note."""
    actor = current_member()
    members.require_staff(actor)
    objection = _get(Objection, objection_id, "objection")
    _managed(actor, members.get_member(objection.application.member_id), "objection")
    applications.resolve_objection(objection, uphold=body["uphold"], note=body["note"], actor=actor)
    return objection


# ---------------------------------------------------------------------------- records


@blp.get("/members/<int:member_id>")
@refuses(blp, 403)
@blp.response(200, MemberRecordOut)
def member_record(member_id: int):
    """Staff: a member's record with the phone in full; each look is recorded."""
    actor = current_member()
    members.require_staff(actor)
    member = members.get_member(member_id)
    _managed(actor, member)
    phone = members.reveal_phone(actor, member)
    return {
        "member": member,
        "phone": phone,
        "progress": members.progress_of(member),
        "history": members.level_history(member),
        "skills": db.session.scalars(
            sa.select(Skill).filter_by(member_id=member.id).order_by(Skill.id.desc())
        ).all(),
    }


@blp.post("/members/<int:member_id>/status")
@refuses(blp, 403, 409)
@blp.arguments(StatusRequest)
@blp.response(200, LevelChangeOut)
def set_status(body, member_id: int):
    """Staff: suspend, exit or reinstate a member, with a reason (recorded; suspending or
    exiting ends their sign-ins)."""
    actor = current_member()
    members.require_staff(actor)
    member = members.get_member(member_id)
    _managed(actor, member)
    return members.set_status(member, body["status"], reason=body["reason"], actor=actor)
