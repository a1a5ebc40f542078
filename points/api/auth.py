"""Sign-up and bearer tokens."""

from __future__ import annotations

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import slowed_down
from points.extensions import limit_sign_in
from points.identity import bearer_token
from points.members import services as members
from points.members.schemas import MemberOut, PlaceOut, RegisterRequest, TokenOut, TokenRequest

blp = Blueprint("auth_api", __name__, url_prefix="/auth", description="Sign-up and tokens")


@blp.get("/communities")
@blp.response(200, PlaceOut(many=True))
def communities():
    """The communities and their grids, to pass as community_id and grid_id on sign-up."""
    return members.communities()


@blp.post("/register")
@blp.arguments(RegisterRequest)
@blp.response(201, MemberOut)
def register(body):
    """Sign up with a mainland mobile number; the member starts as a resident."""
    return members.register_member(**body)


@blp.post("/token")
@limit_sign_in
@slowed_down(blp)
@blp.arguments(TokenRequest)
@blp.response(200, TokenOut)
def token(body):
    """Exchange phone and password for a bearer token (shown once; stored hashed)."""
    member = members.authenticate(body["phone"], body["password"])
    raw, issued = members.issue_token(member)
    return {"token": raw, "expires_at": issued.expires_at, "member": member}


@blp.delete("/token")
@blp.response(204)
def revoke():
    """Revoke the bearer token this request carries."""
    current_member()
    raw = bearer_token()
    if raw:
        members.revoke_token(raw)
