"""What becomes of a member's bookings and space minutes when they lose a level or stop
being active. One rule, the same for exit, suspension and demotion (members calls it from
every change of level or status that takes rights away, in the same transaction):

- Every future booking (not yet begun) the member may no longer make — in a space above
  their new level, or any space once they are suspended or exited — is cancelled with all
  it cost given back (holds voided, payments refunded in full whatever the refund deadline)
  and carries the level change that caused it, so *My bookings* says why and what came back.
- Waiting-list offers and waits for such spaces end too.
- Unspent space minutes stay in the member's wallet: they were bought with points. They pay
  for bookings of spaces the member's level may still book, or again if the level comes back.

What was done is returned to members, which keeps it on the level change.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from points.database import lock_row
from points.extensions import db
from points.ledger import services as ledger
from points.members import services as members
from points.members.models import LevelChange, Member
from points.notifications import services as notifications
from points.spaces import core
from points.spaces import messages as M
from points.spaces.models import ACTIVE, BLOCKING, Booking, SpaceWait

MINUTES_RULE = "kept"  # unspent space minutes stay in the wallet (see the docstring)


def _why(change: LevelChange) -> str:
    if change.to_status != "active" and change.from_status == "active":
        return f"member {change.to_status}"
    return f"level {change.from_level} → {change.to_level}"


def bookings_lost(member: Member, *, level: str, status: str, now: datetime) -> list[Booking]:
    """The member's future bookings (not yet begun) that a member of `level` and `status` may
    not make: those a loss to that level or status cancels. Asked before a change, it says
    what the change will cancel (the confirmation pages); after it, what to cancel."""
    future = db.session.scalars(
        sa.select(Booking)
        .where(
            Booking.host_id == member.id,
            Booking.status.in_(BLOCKING),
            Booking.start_at > now,
        )
        .order_by(Booking.start_at, Booking.id)
    ).all()
    return [b for b in future if not core.standing_allows(level, status, b.space)]


def on_level_loss(member: Member, change: LevelChange, now: datetime) -> dict:
    """Cancel and refund the future bookings the member may no longer make; keep minutes."""
    cancelled = []
    for booking in bookings_lost(member, level=member.level, status=member.status, now=now):
        booking = lock_row(db.session, booking)
        paid = booking.status in ACTIVE
        points, minutes = (booking.cost_points, booking.cost_minutes) if paid else (0, 0)
        if paid:
            core.give_back(booking, share=100, reason=_why(change), record=True, now=now)
        if booking.status == "pending":  # holds voided: all of it came back
            booking.refunded_points, booking.refunded_minutes = points, minutes
        booking.level_change_id = change.id
        if booking.status == "offered":
            for entry in db.session.scalars(sa.select(SpaceWait).filter_by(booking_id=booking.id)):
                entry.status = "withdrawn"
        core.end(booking, "cancelled", f"cancelled: {_why(change)}", now)
        notifications.settle(f"booking:{booking.id}", now=now)
        notifications.settle(core.approval_subject(booking), now=now)
        core.tell(booking, M.BOOKING_CANCELLED, now, points=points, minutes=minutes)
        cancelled.append(
            {
                "booking": booking.id,
                "space": booking.space.name_zh,
                "start": booking.start_at.isoformat(),
                "refunded_points": points,
                "refunded_minutes": minutes,
            }
        )
    waits = 0
    for entry in db.session.scalars(
        sa.select(SpaceWait).filter_by(member_id=member.id, status="waiting")
    ):
        if not core.may_book(member, entry.space):
            entry.status, waits = "withdrawn", waits + 1
    wallet = ledger.member_wallet(member.id, "space_minutes")
    db.session.flush()
    return {
        "bookings": cancelled,
        "waits_withdrawn": waits,
        "space_minutes": {"balance": ledger.balance_of(wallet).balance, "rule": MINUTES_RULE},
    }


def register() -> None:
    members.register_level_loss(on_level_loss)
