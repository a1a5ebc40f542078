"""Host assessment (三色预警) over the API: the same services as the staff pages."""

from __future__ import annotations

from types import SimpleNamespace

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.errors import NotFound
from points.members import messages as M
from points.members import quarterly
from points.members import services as members
from points.members.schemas import (
    HostQuarterOut,
    LevelChangeOut,
    PublishOut,
    PublishRequest,
    ReverseRequest,
    ScorecardOut,
    SummaryOut,
)

blp = Blueprint("assessments_api", __name__, description="Host assessment (三色预警)")


def _with_scorecard(hq: quarterly.HostQuarter, quarter: str) -> quarterly.HostQuarter:
    if hq.assessment is not None:
        hq.scorecard = hq.assessment
    elif hq.preview is not None:
        hq.scorecard = SimpleNamespace(
            id=None,
            member_id=hq.member.id,
            quarter=quarter,
            status="preview",
            colour=hq.preview.colour,
            rated_findings=hq.preview.findings,
            days_rated=hq.days_held,
            days_in_quarter=hq.days_in_quarter,
            improvement_note="",
            published_at=None,
        )
    else:
        hq.scorecard = None
    return hq


@blp.get("/assessments/<quarter>")
@refuses(blp, 403, 422)
@blp.response(200, HostQuarterOut(many=True))
def board(quarter: str):
    """Staff: the quarter's hosts in scope, on the days they held the role, each with their
    scorecard (published or draft) or, while the quarter runs, a preview that records
    nothing; `rated` false: less than half the quarter as host."""
    return [_with_scorecard(hq, quarter) for hq in quarterly.board(current_member(), quarter)]


@blp.post("/assessments/<quarter>/draft")
@refuses(blp, 403, 422)
@blp.response(200, ScorecardOut(many=True))
def draft(quarter: str):
    """Staff: rate an ended quarter as drafts (again, if drafts exist); 422 while it runs."""
    return quarterly.run_draft(current_member(), quarter)


@blp.get("/assessments/<quarter>/summary")
@refuses(blp, 403, 422)
@blp.response(200, SummaryOut)
def summary(quarter: str):
    """Staff: what publishing will do — how many hosts, which colours, who returns to
    talent — and the `confirmed` value that publishes exactly that."""
    return quarterly.summary(current_member(), quarter)


@blp.post("/assessments/<quarter>/publish")
@refuses(blp, 403, 409)
@blp.arguments(PublishRequest)
@blp.response(200, PublishOut)
def publish(body, quarter: str):
    """Staff: publish the drafts as summarised; 409 if they changed since. Two published
    reds in consecutive rated quarters return a host to talent, with its consequences."""
    published, demoted = quarterly.publish(current_member(), quarter, confirmed=body["confirmed"])
    return {"published": published, "demoted": demoted}


@blp.post("/level-changes/<int:change_id>/reverse")
@refuses(blp, 403, 409)
@blp.arguments(ReverseRequest)
@blp.response(200, LevelChangeOut)
def reverse(body, change_id: int):
    """Admin: give a demoted member their level back within 30 days (cancelled bookings
    stay cancelled)."""
    actor = current_member()
    change = members.get_level_change(change_id)
    members.require_manager(actor, members.get_member(change.member_id))
    return members.reverse_demotion(change, reason=body["reason"], actor=actor)


@blp.get("/me/assessment")
@refuses(blp, 404)
@blp.response(200, ScorecardOut)
def mine():
    """My latest published scorecard: colour, each measure against its thresholds."""
    found = quarterly.latest_for(current_member())
    if found is None:
        raise NotFound(M.NO_PUBLISHED_ASSESSMENT, field="assessment")
    return found
