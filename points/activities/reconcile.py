"""Claims against the ledger, for `ledger verify`: every award is exactly its one transfer.

An approved claim has its earn transfer (key `claim:<id>`): issuance → the member's wallet,
the claim's points; a reversed one also has the reversal of that transfer; a submitted or
rejected claim has neither, and no earn transfer pays a claim that does not exist.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from points.activities.models import Claim
from points.extensions import db
from points.ledger import verify

AWARD_KEY = re.compile(r"claim:\d+")  # as approve_claim keys an award


def check_claims() -> verify.DomainCheck:
    found = verify.DomainCheck()
    claims = db.session.execute(
        sa.select(
            Claim.id,
            Claim.member_id,
            Claim.status,
            Claim.points,
            Claim.transfer_id,
            Claim.reversal_id,
        ).order_by(Claim.id)
    ).all()
    earned = verify.movements_keyed("claim:")
    reversals = verify.reversals_of(m.transfer_id for m in earned.values())
    fault = found.faults.append
    for claim in claims:
        found.rows += 1
        name = f"claim {claim.id}"
        earn = earned.pop(f"claim:{claim.id}", None)
        if claim.status not in ("approved", "reversed"):
            if earn is not None:
                fault(f"{name}: {claim.status} but {earn.describe()} awarded it")
            continue
        if earn is None:
            fault(f"{name}: {claim.status} but has no earn transfer (key claim:{claim.id})")
            continue
        if claim.transfer_id != earn.transfer_id:
            fault(
                f"{name}: records transfer {claim.transfer_id} as its award, but its earn "
                f"transfer is {earn.transfer_id}"
            )
        award = verify.legs("issuance", f"member:{claim.member_id}", claim.points or 0)
        if earn.kind != "earn" or earn.legs != award:
            fault(
                f"{name}: approved for {claim.points} points to member {claim.member_id}, but "
                f"its award is {earn.describe()}"
            )
        reversal = reversals.get(earn.transfer_id)
        if claim.status == "approved" and reversal is not None:
            fault(f"{name}: approved but its award was reversed by {reversal.describe()}")
        elif claim.status == "reversed":
            if reversal is None:
                fault(f"{name}: reversed but its award {earn.transfer_id} has no reversal")
            elif claim.reversal_id != reversal.transfer_id:
                fault(
                    f"{name}: records transfer {claim.reversal_id} as its reversal, but its "
                    f"award was reversed by transfer {reversal.transfer_id}"
                )
    for key, earn in earned.items():
        if AWARD_KEY.fullmatch(key):  # other keys under "claim:" are not this domain's
            fault(f"{earn.describe()} awards {key.replace(':', ' ')}, which does not exist")
    return found


def register() -> None:
    """Check claims in every `ledger verify` (at application start)."""
    verify.register_check("claims", check_claims)
