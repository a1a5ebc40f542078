"""The signed-in member's own profile, progress, balance and statement."""

from __future__ import annotations

from points.activities import services as claims
from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.helpers import ON_BEHALF_OF, acting_member
from points.api.responses import refuses
from points.ledger import services as ledger
from points.members import services as members
from points.members.schemas import (
    BalanceOut,
    MemberOut,
    MeUpdate,
    ProgressOut,
    StatementOut,
    StatementQuery,
)

blp = Blueprint("me_api", __name__, url_prefix="/me", description="The signed-in member")


@blp.get("")
@blp.response(200, MemberOut)
def me():
    """Who am I: name, phone, level, roles, community."""
    return current_member()


@blp.patch("")
@blp.arguments(MeUpdate)
@blp.response(200, MemberOut)
def update_me(changes):
    """Change my own settings: `elder_mode` (长辈版) for the pages."""
    return members.update_settings(current_member(), **changes)


@blp.get("/progress")
@blp.response(200, ProgressOut)
def progress():
    """What I have and still need for the next level."""
    p = members.progress_of(current_member())
    return {
        "level": p.level,
        "next_level": p.next_level,
        "ready": p.ready,
        "requirements": list(p.requirements),
    }


@blp.get("/balance")
@refuses(blp, 403, 422)
@blp.doc(parameters=[ON_BEHALF_OF])
@blp.response(200, BalanceOut)
def balance():
    """My points and space minutes: balance, held by pending vouchers, available (with
    On-Behalf-Of, the resident's I help with `balance`)."""
    member, _ = acting_member("balance")
    found = ledger.wallet_balances(member.id, ("points", "space_minutes"))
    return {
        asset: {"balance": b.balance, "held": b.held, "available": b.available}
        for asset, b in found.items()
    }


@blp.get("/statement")
@refuses(blp, 403)
@blp.doc(parameters=[ON_BEHALF_OF])
@blp.arguments(StatementQuery, location="query")
@blp.response(200, StatementOut)
def statement(query):
    """My movements, newest first; pass next_cursor back as cursor for the next page (with
    On-Behalf-Of, the resident's I help with `balance`)."""
    member, _ = acting_member("balance")
    page = ledger.wallet_statement(
        member.id, query["asset"], cursor=query["cursor"], limit=query["limit"]
    )
    behind = claims.claim_refs_for_transfers(item.transfer_id for item in page.items)
    items = []
    for item in page.items:
        claim = behind.get(item.transfer_id)
        items.append(
            {
                **vars(item),
                "claim_id": claim.claim_id if claim else None,
                "activity": claim.activity if claim else None,
            }
        )
    return {"items": items, "next_cursor": page.next_cursor}
