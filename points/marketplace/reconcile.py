"""Vouchers against the ledger, for `ledger verify`: each voucher's state is its hold's.

A voucher's hold reserves its points on the member's wallet for `redeemed:<provider>`, with
the voucher's own expiry. held ↔ pending (or already expired by the ledger, the voucher
awaiting its sweep); confirmed ↔ posted, by the transfer the voucher records; cancelled ↔
voided; expired ↔ expired (or still pending past its expiry, awaiting the ledger's sweep).
A confirmed space-use right also has its grant of space minutes (key `space-right:<id>`).

A confirmation undone at the counter leaves a `counter_undos` row: its hold was posted by
the confirming transfer, which a reversal undid, and a new hold on the same terms took over —
the next undo's posted hold, or else the voucher's own hold. So an undone voucher's holds form
one chain ending at the hold its state is checked against.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from points.extensions import db
from points.ledger import verify
from points.marketplace.models import Benefit, CounterUndo, Provider, Redemption

GRANT_KEY = re.compile(r"space-right:\d+")  # as confirming a space-use right keys its grant
# The hold states each voucher state allows (besides the expiry cases in `_state_fault`).
HOLD_OF = {"held": "pending", "confirmed": "posted", "cancelled": "voided", "expired": "expired"}


def _state_fault(voucher, hold: verify.HoldTerms) -> str | None:
    if hold.status == HOLD_OF[voucher.status]:
        return None
    if voucher.status == "held" and hold.status == "expired":
        return None  # the ledger expired it on access; the voucher's sweep comes next
    if (
        voucher.status == "expired"
        and hold.status == "pending"
        and voucher.ended_at is not None
        and hold.expires_at <= voucher.ended_at
    ):
        return None  # expired by the voucher's sweep; the ledger's own sweep comes next
    return f"{voucher.status} but its hold {hold.id} is {hold.status}"


def check_vouchers() -> verify.DomainCheck:
    found = verify.DomainCheck()
    vouchers = db.session.execute(
        sa.select(
            Redemption.id,
            Redemption.member_id,
            Redemption.points,
            Redemption.status,
            Redemption.hold_id,
            Redemption.transfer_id,
            Redemption.grant_id,
            Redemption.expires_at,
            Redemption.ended_at,
            Provider.code.label("provider"),
            Benefit.category,
        )
        .join(Provider, Provider.id == Redemption.provider_id)
        .join(Benefit, Benefit.id == Redemption.benefit_id)
        .order_by(Redemption.id)
    ).all()
    undos: dict[int, list] = {}
    for undo in db.session.execute(sa.select(CounterUndo).order_by(CounterUndo.id)).scalars():
        undos.setdefault(undo.redemption_id, []).append(undo)
    every_undo = [u for chain in undos.values() for u in chain]
    hold_ids = [v.hold_id for v in vouchers] + [u.posted_hold_id for u in every_undo]
    holds = verify.holds_by_id(hold_ids)
    posted = verify.postings_of_holds(hold_ids)
    reversals = verify.reversals_of(u.confirmation_id for u in every_undo)
    grants = verify.movements_keyed("space-right:")
    fault = found.faults.append
    for voucher in vouchers:
        found.rows += 1
        name = f"voucher {voucher.id}"
        chain = undos.pop(voucher.id, [])
        hold = holds.get(voucher.hold_id)
        if hold is None:
            fault(f"{name}: its hold {voucher.hold_id} does not exist")
            continue
        wallet, shop = f"member:{voucher.member_id}", f"redeemed:{voucher.provider}"
        terms = (hold.kind, hold.asset, hold.amount, hold.source, hold.destination)
        if terms != ("redeem", "points", voucher.points, wallet, shop):
            fault(
                f"{name}: {voucher.points} points from {wallet} to {shop}, but its hold "
                f"{hold.id} is {hold.amount} {hold.asset} from {hold.source} to "
                f"{hold.destination} ({hold.kind})"
            )
        for problem in _undo_faults(
            voucher, chain, holds, posted, reversals, terms_of=(wallet, shop)
        ):
            fault(f"{name}: {problem}")
        if hold.expires_at != voucher.expires_at:
            fault(
                f"{name}: expires at {voucher.expires_at:%Y-%m-%d %H:%M:%S} UTC, but its hold "
                f"{hold.id} at {hold.expires_at:%Y-%m-%d %H:%M:%S} UTC"
            )
        problem = _state_fault(voucher, hold)
        if problem:
            fault(f"{name}: {problem}")
        transfer = posted.get(hold.id)
        if voucher.status == "confirmed":
            if transfer is None or voucher.transfer_id != transfer.transfer_id:
                fault(
                    f"{name}: confirmed with transfer {voucher.transfer_id}, but its hold "
                    f"{hold.id} was posted by "
                    + ("no transfer" if transfer is None else f"transfer {transfer.transfer_id}")
                )
        elif voucher.transfer_id is not None:
            fault(f"{name}: {voucher.status} but records transfer {voucher.transfer_id}")
        grant = grants.pop(f"space-right:{voucher.id}", None)
        if voucher.category == "space_use" and voucher.status == "confirmed":
            if grant is None:
                fault(f"{name}: a confirmed space-use right with no grant of space minutes")
            elif grant.transfer_id != voucher.grant_id or not _is_grant(grant, wallet):
                fault(
                    f"{name}: records grant {voucher.grant_id}, but {grant.describe()} "
                    "was made for it"
                )
        elif grant is not None or voucher.grant_id is not None:
            what = grant.describe() if grant else f"transfer {voucher.grant_id}"
            fault(f"{name}: {voucher.status} {voucher.category} voucher, but {what} granted it")
    for redemption_id in undos:
        fault(f"an undo of voucher {redemption_id}, a voucher that does not exist")
    for key, grant in grants.items():
        if GRANT_KEY.fullmatch(key):
            fault(f"{grant.describe()} grants {key}, a voucher that does not exist")
    return found


def _undo_faults(voucher, chain, holds, posted, reversals, *, terms_of) -> list[str]:
    """Each undone confirmation: its hold posted by the transfer it names, that transfer
    reversed by the reversal it names, and its new hold the next link of the chain."""
    problems = []
    wallet, shop = terms_of
    for i, undo in enumerate(chain):
        old = holds.get(undo.posted_hold_id)
        terms = old and (old.kind, old.asset, old.amount, old.source, old.destination)
        if terms != ("redeem", "points", voucher.points, wallet, shop):
            problems.append(f"undo {undo.id}: its hold {undo.posted_hold_id} is not this voucher's")
            continue
        transfer = posted.get(old.id)
        if (
            old.status != "posted"
            or transfer is None
            or transfer.transfer_id != undo.confirmation_id
        ):
            problems.append(
                f"undo {undo.id}: hold {old.id} is {old.status}, not posted by transfer "
                f"{undo.confirmation_id}"
            )
        reversal = reversals.get(undo.confirmation_id)
        if reversal is None or reversal.transfer_id != undo.reversal_id:
            problems.append(
                f"undo {undo.id}: transfer {undo.confirmation_id} is not reversed by "
                f"transfer {undo.reversal_id}"
            )
        following = chain[i + 1].posted_hold_id if i + 1 < len(chain) else voucher.hold_id
        if undo.hold_id != following:
            problems.append(
                f"undo {undo.id}: held again by hold {undo.hold_id}, but the next hold is "
                f"{following}"
            )
    return problems


def _is_grant(grant: verify.Movement, wallet: str) -> bool:
    minutes = grant.legs.get((wallet, "space_minutes"), 0)
    return (
        grant.kind == "grant"
        and minutes > 0
        and grant.legs == verify.legs("issuance", wallet, minutes, "space_minutes")
    )


def register() -> None:
    """Check vouchers in every `ledger verify` (at application start)."""
    verify.register_check("vouchers", check_vouchers)
