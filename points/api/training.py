"""Training over the API: the sessions my next level needs, sign up and cancel, the pledge;
for staff, scheduling, the sign-in sheet and attendance by member id (no phone typed)."""

from __future__ import annotations

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.extensions import ErrorSchema
from points.members import services as members
from points.members import training
from points.members.schemas import (
    AssignCommunityRequest,
    AttendanceOut,
    AttendanceRequest,
    CourseSignupOut,
    MemberOut,
    PledgeRequest,
    RosterEntryOut,
    ScheduleRequest,
    SessionOut,
)

blp = Blueprint("training_api", __name__, description="Training and the volunteer pledge")

_401 = {"schema": ErrorSchema, "description": "not signed in"}
_403 = {"schema": ErrorSchema, "description": "not staff, or another community's member"}
_404 = {"schema": ErrorSchema, "description": "no such session in your community"}
_409 = {"schema": ErrorSchema, "description": "full, or the session has begun"}
_422 = {"schema": ErrorSchema, "description": "a field is not valid (named in errors)"}


def _roster(session, actor) -> list[dict]:
    attended = {a.member_id for a in session.attendances}
    return [
        {
            "member_id": s.member_id,
            "member": s.member,
            "phone": members.masked_phone(s.member.phone),
            "attended": s.member_id in attended,
        }
        for s in training.roster(session, actor=actor)
    ]


@blp.post("/me/pledge")
@blp.arguments(PledgeRequest)
@blp.response(200, MemberOut)
@blp.alt_response(401, **_401)
@blp.alt_response(422, **_422)
def pledge(body):
    """Give my real name and take the volunteer pledge (a step to volunteer)."""
    return members.record_pledge(current_member(), real_name=body["real_name"])


@blp.get("/training/sessions")
@blp.response(200, SessionOut(many=True))
@blp.alt_response(401, **_401)
def sessions():
    """Upcoming sessions in my community of the courses my next level still needs."""
    return training.sessions_needed(current_member())


@blp.get("/me/training/signups")
@blp.response(200, SessionOut(many=True))
@blp.alt_response(401, **_401)
def my_signups():
    """Sessions I hold a seat at that have not begun, soonest first."""
    return training.my_signups(current_member())


@blp.post("/training/sessions/<int:session_id>/signup")
@blp.response(200, CourseSignupOut)
@blp.alt_response(401, **_401)
@blp.alt_response(404, **_404)
@blp.alt_response(409, **_409)
def sign_up(session_id: int):
    """Take a seat (refused when every seat is taken; the same call twice keeps one seat)."""
    member = current_member()
    return training.sign_up(training.visible_session(session_id, member), member)


@blp.post("/training/sessions/<int:session_id>/signup/cancel")
@blp.response(200, CourseSignupOut)
@blp.alt_response(401, **_401)
@blp.alt_response(404, **_404)
@blp.alt_response(409, **_409)
def cancel_signup(session_id: int):
    """Free my seat before the session begins."""
    member = current_member()
    return training.cancel_signup(training.visible_session(session_id, member), member)


# ---------------------------------------------------------------------------- staff


@blp.post("/training/sessions")
@blp.arguments(ScheduleRequest)
@blp.response(201, SessionOut)
@blp.alt_response(401, **_401)
@blp.alt_response(403, **_403)
@blp.alt_response(422, **_422)
def schedule(body):
    """Social workers: schedule a session of a course in their community, with seats."""
    actor = current_member()
    session = training.schedule(
        actor,
        course_code=body["course"],
        starts_at=body["starts_at"],
        place=body["place"],
        capacity=body["capacity"],
        community_id=body["community_id"],
    )
    return training.Offer(session=session, seats_left=session.capacity, signed_up=False)


@blp.get("/training/sessions/<int:session_id>/roster")
@blp.response(200, RosterEntryOut(many=True))
@blp.alt_response(401, **_401)
@blp.alt_response(403, **_403)
@blp.alt_response(404, **_404)
def roster(session_id: int):
    """Social workers: the sign-in sheet — who holds a seat, and who is marked present."""
    actor = current_member()
    members.require_staff(actor)
    return _roster(training.get_session(session_id, actor), actor)


@blp.post("/training/sessions/<int:session_id>/attendance")
@blp.arguments(AttendanceRequest)
@blp.response(200, AttendanceOut)
@blp.alt_response(401, **_401)
@blp.alt_response(403, **_403)
@blp.alt_response(404, **_404)
@blp.alt_response(422, **_422)
def attendance(body, session_id: int):
    """Social workers: mark members present (by id; walk-ins by phone). Each one's course
    completion is recorded and the ladder promotes whoever it now allows."""
    actor = current_member()
    members.require_staff(actor)
    session = training.get_session(session_id, actor)
    recorded = training.record_attendance(
        session, body["phones"], member_ids=body["member_ids"], actor=actor
    )
    return {"recorded": recorded, "roster": _roster(session, actor)}


@blp.post("/members/<int:member_id>/community")
@blp.arguments(AssignCommunityRequest)
@blp.response(200, MemberOut)
@blp.alt_response(401, **_401)
@blp.alt_response(403, **_403)
@blp.alt_response(404, **_404)
@blp.alt_response(409, **_409)
@blp.alt_response(422, **_422)
def assign_community(body, member_id: int):
    """The street admin: put a member without a community into one (recorded, with a
    reason if given)."""
    actor = current_member()
    member = members.get_member(member_id)
    members.assign_community(member, actor=actor, **body)
    return member
