"""Sign-up, bearer tokens (by password or SMS code), and the password reset by code."""

from __future__ import annotations

from flask import make_response

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import slowed_down
from points.errors import InvalidInput, WrongAttempt
from points.extensions import limit_code_requests, limit_sign_in
from points.identity import bearer_token
from points.members import codes
from points.members import messages as M
from points.members import services as members
from points.members.schemas import (
    CodeRequest,
    CodeSentOut,
    MemberOut,
    PasswordResetRequest,
    PlaceOut,
    RegisterRequest,
    TokenOut,
    TokenRequest,
)

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
    """Exchange phone and password, or phone and an SMS code, for a bearer token (shown
    once; stored hashed)."""
    if (body["password"] is None) == (body["code"] is None):
        raise InvalidInput(M.PASSWORD_OR_CODE, field="password")
    if body["code"] is None:
        member = members.authenticate(body["phone"], body["password"])
    else:
        try:
            member = codes.use_code(body["phone"], body["code"], purpose="sign_in")
        except WrongAttempt as error:
            return _counted(error)
    return _issued(member)


def _issued(member) -> dict:
    raw, issued = members.issue_token(member)
    return {"token": raw, "expires_at": issued.expires_at, "member": member}


def _counted(error: WrongAttempt):
    """A wrong code's 401, returned rather than raised: the try it counted is committed."""
    from points.api import points_error_response

    return make_response(points_error_response(error))


@blp.post("/code")
@limit_code_requests
@slowed_down(blp)
@blp.arguments(CodeRequest)
@blp.response(202, CodeSentOut)
def code(body):
    """Send a 6-digit code by SMS to sign in with (`purpose` sign_in) or to set a new
    password with (reset). The answer is the same whether the number has an account or not;
    a code is valid for 5 minutes, works once, and a new one replaces it."""
    codes.send_code(body["phone"], purpose=body["purpose"])
    return {"minutes": codes.CODE_MINUTES}


@blp.post("/password/reset")
@limit_sign_in
@slowed_down(blp)
@blp.arguments(PasswordResetRequest)
@blp.response(200, TokenOut)
def password_reset(body):
    """Set a new password with a reset code: every sign-in of the member ends and a new
    bearer token is returned."""
    try:
        member = codes.reset_password(body["phone"], body["code"], body["new_password"])
    except WrongAttempt as error:
        return _counted(error)
    return _issued(member)


@blp.delete("/token")
@blp.response(204)
def revoke():
    """Revoke the bearer token this request carries."""
    current_member()
    raw = bearer_token()
    if raw:
        members.revoke_token(raw)
