"""代办 over the API: my helpers and the people I help; name a helper; withdraw one.

Acting for a resident is the header `On-Behalf-Of: <the resident's member id>` on the calls
the public contract already has (`GET /me/balance`, `GET /me/statement`, `GET
/me/redemptions`, `POST /redemptions`, `POST /redemptions/<id>/cancel`, `POST /claims`,
`POST /bookings`): their paths and bodies stay as they
are, and a call without the header is the caller's own, as before. The header is checked on
every call against a grant in force for that scope (403 otherwise)."""

from __future__ import annotations

from flask import request

from points import messages as shared
from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.database import is_id
from points.errors import Forbidden, InvalidInput, NotFound
from points.members import helpers
from points.members import messages as M
from points.members import services as members
from points.members.models import Member
from points.members.schemas import HelperGrantOut, HelperGrantRequest, HelperGrantsOut

blp = Blueprint("helpers_api", __name__, url_prefix="/helpers", description="Helpers (代办)")

HEADER = "On-Behalf-Of"
ON_BEHALF_OF = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "pattern": "^[0-9]{1,10}$"},
    "description": "代办: the member id of a resident who named you their helper for this "
    "(see GET /api/v1/helpers); the call then acts for them. 403 outside the grant.",
}


def acting_member(scope: str) -> tuple[Member, Member | None]:
    """(whose data or wallet this call is about, who acts for them or None). Without the
    header the caller acts for themselves."""
    caller = current_member()
    raw = request.headers.get(HEADER)
    if raw is None or raw.strip() == "":
        return caller, None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and is_id(int(raw))):
        raise InvalidInput(shared.WHOLE_NUMBER, field=HEADER, low=1, high=2**31 - 1)
    try:
        resident = members.get_member(int(raw))
    except NotFound:
        raise Forbidden(M.HELPER_NOT_GRANTED, name=raw, scope=scope) from None
    if resident.id == caller.id:
        return caller, None
    if not helpers.may_act_for(caller, resident, scope):
        raise Forbidden(M.HELPER_NOT_GRANTED, name=resident.name, scope=scope)
    return resident, caller


def _out(grant):
    return {
        "id": grant.id,
        "resident": grant.resident,
        "helper": grant.helper,
        "scopes": list(grant.scopes),
        "ends_on": grant.ends_on,
        "witnessed": grant.witnessed,
        "granted_by": grant.granted_by,
        "created_at": grant.created_at,
        "withdrawn_at": grant.withdrawn_at,
        "withdrawn_by": grant.withdrawn_by,
    }


@blp.get("")
@blp.response(200, HelperGrantsOut)
def grants():
    """My helpers in force (as resident) and the people I help (as helper)."""
    member = current_member()
    return {
        "mine": [_out(g) for g in helpers.helpers_of(member)],
        "helping": [_out(g) for g in helpers.helped_by(member)],
    }


@blp.post("")
@refuses(blp, 403)
@blp.arguments(HelperGrantRequest)
@blp.response(201, HelperGrantOut)
def grant(body):
    """Name a helper (another member, by mobile number) for some scopes until a last day.
    Naming the same helper again replaces the grant in force. The resident is told by SMS."""
    member = current_member()
    made = helpers.grant_helper(member, granted_by=member, **body)
    return _out(made)


@blp.post("/<int:grant_id>/withdraw")
@refuses(blp, 409)
@blp.response(200, HelperGrantOut)
def withdraw(grant_id: int):
    """Withdraw a helper, at once: their next call for you is refused."""
    member = current_member()
    found = helpers.visible_grant(grant_id, member)
    return _out(helpers.withdraw_grant(found, actor=member))
