"""Bookings against the ledger, for `ledger verify`: what each booking says it paid and got
back is what its transfers and holds moved.

A booking pays its cost in space minutes and points from the host's wallets to `space`: held
(with the booking's start as the hold's expiry) while it awaits approval and posted when
approved, or moved at once (key `booking:<id>[:r<revision>]:<asset>`). A change re-prices it:
the old revision is refunded in full (`booking-refund:<id>[:r<revision>]:<asset>`) and the
new one charged; a cancelled booking's refund is the one it records. No keyed transfer
belongs to a booking, or a revision, that does not exist.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from points.extensions import db
from points.ledger import verify
from points.spaces import core
from points.spaces.models import Booking

MOVEMENT_KEY = re.compile(r"booking(-refund)?:\d+(:r\d+)?:(minutes|points)")
ASSETS = (("minutes", "space_minutes", "space minutes"), ("points", "points", "points"))


def _held_fault(booking, hold: verify.HoldTerms, posted: verify.Movement | None, transfer_id):
    """What is wrong between a booking charged by a hold and that hold, or None."""
    status = booking.status
    if status in ("confirmed", "no_show") or (status == "cancelled" and transfer_id):
        if hold.status != "posted" or posted is None:
            return f"{status} but its hold {hold.id} is {hold.status}"
        if transfer_id != posted.transfer_id:
            return (
                f"records transfer {transfer_id} as its charge, but its hold {hold.id} was "
                f"posted by transfer {posted.transfer_id}"
            )
        return None
    if transfer_id is not None:
        return f"{status} but records transfer {transfer_id} as its charge"
    if status == "pending" and hold.status in ("pending", "expired"):
        return None  # expired: its start has come; the sweep rejects the booking next
    if status in ("cancelled", "rejected") and hold.status in ("voided", "expired"):
        return None
    if (
        status == "rejected"
        and hold.status == "pending"
        and booking.ended_at is not None
        and hold.expires_at <= booking.ended_at
    ):
        return None  # rejected at its start; the hold lapses by itself
    return f"{status} but its hold {hold.id} is {hold.status}"


def check_bookings() -> verify.DomainCheck:
    found = verify.DomainCheck()
    bookings = db.session.execute(sa.select(Booking.__table__).order_by(Booking.id)).all()
    hold_ids = [b.points_hold_id for b in bookings] + [b.minutes_hold_id for b in bookings]
    holds = verify.holds_by_id(hold_ids)
    posted = verify.postings_of_holds(hold_ids)
    keyed = verify.movements_keyed("booking:") | verify.movements_keyed("booking-refund:")
    fault = found.faults.append
    for b in bookings:
        found.rows += 1
        name, wallet = f"booking {b.id}", f"member:{b.host_id}"
        for asset, ledger_asset, unit in ASSETS:
            cost = getattr(b, f"cost_{asset}")
            hold_id = getattr(b, f"{asset}_hold_id")
            transfer_id = getattr(b, f"{asset}_transfer_id")
            refunded = getattr(b, f"refunded_{asset}")
            for revision in range(b.revision):  # each change refunded what it had charged
                old = keyed.pop(core.movement_key(b.id, "booking", revision, asset), None)
                back = keyed.pop(core.movement_key(b.id, "booking-refund", revision, asset), None)
                if old is not None and (back is None or back.legs != _negated(old.legs)):
                    fault(
                        f"{name}: revision {revision} was charged by {old.describe()} but not "
                        "refunded in full when it changed"
                    )
                if back is not None and (back.kind != "refund" or not _is_refund(back, wallet)):
                    fault(f"{name}: revision {revision} refund is {back.describe()}")
            charge = keyed.pop(core.movement_key(b.id, "booking", b.revision, asset), None)
            refund = keyed.pop(core.movement_key(b.id, "booking-refund", b.revision, asset), None)
            if cost == 0:
                moved = charge or refund
                if hold_id or transfer_id or moved or refunded:
                    what = moved.describe() if moved else f"hold {hold_id}, transfer {transfer_id}"
                    fault(f"{name}: costs no {unit} but has {what} (refunded {refunded})")
                continue
            if hold_id is not None:
                hold = holds.get(hold_id)
                if hold is None:
                    fault(f"{name}: its {unit} hold {hold_id} does not exist")
                    continue
                terms = (hold.kind, hold.asset, hold.amount, hold.source, hold.destination)
                if terms != ("booking", ledger_asset, cost, wallet, "space"):
                    fault(
                        f"{name}: costs {cost} {unit} from {wallet}, but its hold {hold.id} is "
                        f"{hold.amount} {hold.asset} from {hold.source} to {hold.destination}"
                    )
                if hold.expires_at != b.start_at:
                    fault(
                        f"{name}: starts at {b.start_at:%Y-%m-%d %H:%M:%S} UTC, but its {unit} "
                        f"hold {hold.id} expires at {hold.expires_at:%Y-%m-%d %H:%M:%S} UTC"
                    )
                if charge is not None:
                    fault(f"{name}: its {unit} are held, yet {charge.describe()} charged them")
                problem = _held_fault(b, hold, posted.get(hold.id), transfer_id)
                if problem:
                    fault(f"{name}: {problem}")
            elif b.status in ("confirmed", "no_show", "cancelled"):
                expected = verify.legs(wallet, "space", cost, ledger_asset)
                if charge is None:
                    fault(f"{name}: {b.status}, costs {cost} {unit}, but has no charge transfer")
                elif charge.transfer_id != transfer_id:
                    fault(
                        f"{name}: records transfer {transfer_id} as its charge, but "
                        f"{charge.describe()} was made for it"
                    )
                elif charge.kind != "booking" or charge.legs != expected:
                    fault(f"{name}: costs {cost} {unit}, but its charge is {charge.describe()}")
            else:
                fault(f"{name}: {b.status} with a cost of {cost} {unit} but no hold for it")
            if b.status != "cancelled" and (refunded or refund is not None):
                what = refund.describe() if refund else "no transfer"
                fault(f"{name}: {b.status} but records {refunded} {unit} refunded ({what})")
            elif b.status == "cancelled" and refunded:
                expected = verify.legs("space", wallet, refunded, ledger_asset)
                if refunded > cost or refund is None or refund.legs != expected:
                    what = refund.describe() if refund else "no refund transfer"
                    fault(f"{name}: cancelled, {refunded} {unit} refunded, but {what}")
            elif refund is not None:
                fault(f"{name}: cancelled with nothing refunded, but {refund.describe()}")
    for key, movement in keyed.items():
        if MOVEMENT_KEY.fullmatch(key):  # other keys under these prefixes are not ours
            fault(f"{movement.describe()} ({key}) belongs to no booking's history")
    return found


def _negated(legs: verify.Legs) -> verify.Legs:
    return {account: -amount for account, amount in legs.items()}


def _is_refund(movement: verify.Movement, wallet: str) -> bool:
    return all(
        (name == wallet) == (amount > 0) and name in (wallet, "space")
        for (name, _asset), amount in movement.legs.items()
    )


def register() -> None:
    """Check bookings in every `ledger verify` (at application start)."""
    verify.register_check("bookings", check_bookings)
