"""Programmes over the API: find them, sign up for a session or the term, rate a session."""

from __future__ import annotations

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.errors import InvalidInput
from points.programmes import messages as M
from points.programmes import services as programmes
from points.programmes.schemas import (
    ProgrammeDetailOut,
    ProgrammeOut,
    ProgrammeRequest,
    ProgrammeSessionOut,
    ProgrammeSessionRequest,
    ProgrammeSignupOut,
    ProgrammeSignupRequest,
    ProgrammesQuery,
    SessionRatingOut,
    SessionRatingRequest,
)

blp = Blueprint("programmes_api", __name__, description="Programmes and ratings")


def _with_rating(found, averages) -> list:
    """The programmes, each carrying what residents may see of its rating."""
    out = []
    for programme in found:
        shown = averages.get(programme.id)
        programme.rating = {"average": shown[0], "count": shown[1]} if shown else None
        out.append(programme)
    return out


@blp.get("/programmes")
@blp.arguments(ProgrammesQuery, location="query")
@blp.response(200, ProgrammeOut(many=True))
def programme_list(query):
    """The active programmes of my community (one tier if given)."""
    found = programmes.programmes_for(current_member(), tier=query["tier"])
    return _with_rating(found, programmes.public_averages(found))


@blp.post("/programmes")
@refuses(blp, 403)
@blp.arguments(ProgrammeRequest)
@blp.response(201, ProgrammeOut)
def create_programme(body):
    """Hosts (and staff, naming the host): start a programme."""
    programme = programmes.create_programme(current_member(), **body)
    programme.rating = None
    return programme


@blp.get("/programmes/<int:programme_id>")
@blp.response(200, ProgrammeDetailOut)
def programme(programme_id: int):
    """A programme with its upcoming sessions and the summary of its ratings."""
    found = programmes.visible_programme(programme_id, current_member())
    _with_rating([found], programmes.public_averages([found]))
    found.ratings_summary = programmes.programme_summary(found)
    found.sessions_ahead = programmes.upcoming_sessions(found)
    return found


@blp.post("/programmes/<int:programme_id>/sessions")
@refuses(blp, 403, 409)
@blp.arguments(ProgrammeSessionRequest)
@blp.response(201, ProgrammeSessionOut)
def schedule_session(body, programme_id: int):
    """The host: hold a session in one of their confirmed bookings."""
    member = current_member()
    found = programmes.visible_programme(programme_id, member)
    return programmes.schedule_session(found, booking_id=body["booking_id"], actor=member)


@blp.post("/programmes/<int:programme_id>/signups")
@refuses(blp, 403, 409)
@blp.arguments(ProgrammeSignupRequest)
@blp.response(201, ProgrammeSignupOut)
def sign_up(body, programme_id: int):
    """`{session_id}` for one session, or `{term: true}` for every upcoming one (all or
    nothing; sessions added later join while places last)."""
    member = current_member()
    found = programmes.visible_programme(programme_id, member)
    if body["term"] == (body["session_id"] is not None):
        raise InvalidInput(M.SIGNUP_CHOICE, field="session_id")
    if body["term"]:
        sessions = programmes.sign_up_term(found, member)
        return {"programme_id": found.id, "term": True, "session_ids": [s.id for s in sessions]}
    session = programmes.get_session(body["session_id"])
    if session.programme_id != found.id:
        raise InvalidInput(M.NO_SUCH_SESSION, field="session_id")
    programmes.sign_up_session(session, member)
    return {"programme_id": found.id, "term": False, "session_ids": [session.id]}


@blp.post("/programme-sessions/<int:session_id>/ratings")
@refuses(blp, 403, 409)
@blp.arguments(SessionRatingRequest)
@blp.response(201, SessionRatingOut)
def rate(body, session_id: int):
    """Attendees, after the session: 1–5 stars once, a comment, perhaps a complaint."""
    member = current_member()
    session = programmes.visible_session(session_id, member)
    return programmes.rate_session(session, member, **body)
