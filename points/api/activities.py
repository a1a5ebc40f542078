"""Earning over the API: the catalogue, claims and their approval, evidence uploads and
scheduled activities with check-in."""

from __future__ import annotations

from flask import current_app, request, url_for

from points.activities import catalogue, events
from points.activities import messages as M
from points.activities import services as claims
from points.activities.schemas import (
    ActivityOut,
    ActivityRequest,
    ActivityTypeChange,
    ActivityTypeOut,
    BulkApproveOut,
    BulkApproveRequest,
    CheckInCodeOut,
    CheckInRequest,
    ClaimOut,
    ClaimRequest,
    ClaimsQuery,
    CloseOut,
    ReasonRequest,
    SignupOut,
    TickOffRequest,
    UploadOut,
)
from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.helpers import ON_BEHALF_OF, acting_member
from points.api.responses import refuses
from points.errors import InvalidInput, NotFound

blp = Blueprint("activities_api", __name__, description="Earning points")


def _refusals(refused: dict) -> list[dict]:
    return [
        {"claim": claim_id, "code": error.code, "message": error.message}
        for claim_id, error in refused.items()
    ]


# ---------------------------------------------------------------------------- catalogue


@blp.get("/activity-types")
@blp.response(200, ActivityTypeOut(many=True))
def activity_types():
    """The catalogue (积分事项): the current rule of every open activity type."""
    return catalogue.catalogue()


@blp.patch("/activity-types/<code>")
@refuses(blp, 403, 409)
@blp.arguments(ActivityTypeChange)
@blp.response(200, ActivityTypeOut)
def edit_activity_type(changes, code: str):
    """Admins: change a rule. This writes a new version; earlier awards keep theirs."""
    return catalogue.edit_type(code, actor=current_member(), changes=changes)


@blp.get("/activity-types/<code>/versions")
@blp.response(200, ActivityTypeOut(many=True))
def activity_type_versions(code: str):
    """Every version of a type, newest first."""
    found = catalogue.versions(code)
    if not found:
        raise NotFound(M.UNKNOWN_TYPE, field="activity_type")
    return found


# ---------------------------------------------------------------------------- claims


@blp.post("/uploads")
@refuses(blp, 413, 422)
@blp.response(201, UploadOut)
def upload():
    """Upload a photo (multipart field `photo`, JPEG or PNG); pass its `photo` to a claim."""
    member = current_member()
    file = request.files.get("photo")
    if file is None:
        raise InvalidInput(M.PHOTO_NOT_MULTIPART, field="photo")
    return claims.save_evidence(member, file.read())


@blp.post("/claims")
@refuses(blp, 403, 409)
@blp.doc(parameters=[ON_BEHALF_OF])
@blp.arguments(ClaimRequest)
@blp.response(201, ClaimOut)
def submit(body):
    """Claim points for work done (积分申报); a social worker of your community reviews it.
    With On-Behalf-Of (代办) the claim is the resident's, sent by you."""
    member, actor = acting_member("claim")
    return claims.submit_claim(member, actor=actor, **body)


@blp.get("/me/claims")
@blp.response(200, ClaimOut(many=True))
def my_claims():
    """My claims, newest first, with the reason for any rejection."""
    return claims.claims_of(current_member())


@blp.get("/claims")
@refuses(blp, 403)
@blp.arguments(ClaimsQuery, location="query")
@blp.response(200, ClaimOut(many=True))
def claims_queue(query):
    """Social workers: claims of members you manage (default: waiting for a decision)."""
    return claims.queue(
        current_member(), status=query["status"], category=query["category"], search=query["q"]
    )


@blp.get("/claims/<int:claim_id>")
@blp.response(200, ClaimOut)
def claim(claim_id: int):
    """One claim: yours, or one of a member you manage."""
    return claims.visible_claim(claim_id, current_member())


def _decide(claim_id: int, decide):
    actor = current_member()
    found = claims.visible_claim(claim_id, actor)
    return decide(found, actor)


@blp.post("/claims/<int:claim_id>/approve")
@refuses(blp, 403, 409)
@blp.response(200, ClaimOut)
def approve(claim_id: int):
    """Approve: credits the rule's points once, however often it is called."""
    return _decide(claim_id, lambda c, actor: claims.approve_claim(c, actor=actor))


@blp.post("/claims/<int:claim_id>/reject")
@refuses(blp, 403, 409)
@blp.arguments(ReasonRequest)
@blp.response(200, ClaimOut)
def reject(body, claim_id: int):
    """Reject with a reason the member reads."""
    return _decide(
        claim_id, lambda c, actor: claims.reject_claim(c, actor=actor, reason=body["reason"])
    )


@blp.post("/claims/<int:claim_id>/reverse")
@refuses(blp, 403, 409)
@blp.arguments(ReasonRequest)
@blp.response(200, ClaimOut)
def reverse(body, claim_id: int):
    """Take back an award with a reason; the member's statement shows both."""
    return _decide(
        claim_id, lambda c, actor: claims.reverse_claim(c, actor=actor, reason=body["reason"])
    )


@blp.post("/claims/approve")
@refuses(blp, 403)
@blp.arguments(BulkApproveRequest)
@blp.response(200, BulkApproveOut)
def approve_many(body):
    """Approve several claims; each that cannot be approved is listed with the reason."""
    result = claims.approve_many(body["claims"], actor=current_member())
    return {"approved": result.approved, "refused": _refusals(result.refused)}


# ---------------------------------------------------------------------------- activities


@blp.get("/activities")
@blp.response(200, ActivityOut(many=True))
def activities():
    """Upcoming and recent activities of my community."""
    return events.upcoming(current_member())


@blp.post("/activities")
@refuses(blp, 403)
@blp.arguments(ActivityRequest)
@blp.response(201, ActivityOut)
def create_activity(body):
    """Hosts and social workers: schedule an activity."""
    return events.create_activity(current_member(), **body)


@blp.get("/activities/<int:activity_id>")
@blp.response(200, ActivityOut)
def activity(activity_id: int):
    return events.visible_activity(activity_id, current_member())


@blp.post("/activities/<int:activity_id>/signup")
@refuses(blp, 403, 409)
@blp.response(200, SignupOut)
def sign_up(activity_id: int):
    """Take a place (refused when all places are taken)."""
    member = current_member()
    return events.sign_up(events.visible_activity(activity_id, member), member)


@blp.post("/activities/<int:activity_id>/signup/cancel")
@refuses(blp, 409)
@blp.response(200, SignupOut)
def cancel_signup(activity_id: int):
    member = current_member()
    return events.cancel_signup(events.visible_activity(activity_id, member), member)


@blp.get("/activities/<int:activity_id>/check-in-code")
@refuses(blp, 403)
@blp.response(200, CheckInCodeOut)
def check_in_code(activity_id: int):
    """Organisers: a fresh check-in code (show it as a QR code; it expires)."""
    actor = current_member()
    token = events.check_in_token(events.visible_activity(activity_id, actor), actor=actor)
    return {
        "token": token,
        "url": url_for("activities.check_in", token=token, _external=True),
        "expires_in": current_app.config["CHECK_IN_TOKEN_SECONDS"],
    }


@blp.post("/activities/check-in")
@refuses(blp, 403, 404, 409)
@blp.arguments(CheckInRequest)
@blp.response(200, SignupOut)
def check_in(body):
    """Check in at the venue with the code scanned from the organiser's screen."""
    return events.check_in(current_member(), body["token"])


@blp.get("/activities/<int:activity_id>/roster")
@refuses(blp, 403)
@blp.response(200, SignupOut(many=True))
def roster(activity_id: int):
    actor = current_member()
    return events.roster(events.visible_activity(activity_id, actor), actor=actor)


@blp.post("/activities/<int:activity_id>/roster")
@refuses(blp, 403, 409)
@blp.arguments(TickOffRequest)
@blp.response(200, SignupOut)
def tick_off(body, activity_id: int):
    """Organisers: mark a member present by hand."""
    actor = current_member()
    return events.tick_off(
        events.visible_activity(activity_id, actor), body["member_id"], actor=actor
    )


@blp.post("/activities/<int:activity_id>/close")
@refuses(blp, 403, 409)
@blp.response(200, CloseOut)
def close(activity_id: int):
    """After the event: the roster becomes claims; a social worker's close approves them."""
    actor = current_member()
    made, approved, refused = events.close_activity(
        events.visible_activity(activity_id, actor), actor=actor
    )
    return {
        "claims": made,
        "approved": [c.id for c in approved],
        "refused": _refusals(refused),
    }
