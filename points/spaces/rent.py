"""A 市场 booking's market rent, recorded as the community fund's income (with its 反哺
share) by the space's managers: once per booking, again only after a reversal.

The fund keeps the money (`fund.record_income` with the booking's number, idempotent by its
key); this module decides who may record it, for which booking, and under which key.
"""

from __future__ import annotations

from datetime import datetime

from points import clock
from points.database import lock_row, utcnow
from points.errors import Conflict, Forbidden, IdempotencyConflict
from points.extensions import db
from points.fund import services as fund
from points.fund.models import IncomeEntry
from points.members.models import Member
from points.spaces import messages as M
from points.spaces import services as spaces
from points.spaces.models import Booking


def may_record_rent(booking: Booking, actor: Member | None) -> bool:
    """The space's managers who may record the fund's income (ask the fund)."""
    if actor is None or not getattr(actor, "is_authenticated", True):
        return False
    return spaces.may_manage(booking.space, actor) and fund.may_record_income(
        actor, booking.space.community_id
    )


def rent_entries(booking: Booking) -> list[IncomeEntry]:
    """Every rent recorded for the booking, oldest first (reversed ones included)."""
    return fund.rent_of_booking(booking.id)


def recorders(entries: list[IncomeEntry]) -> dict[int, str]:
    """Who recorded (and who reversed) these entries: member id → name."""
    ids = {e.recorded_by for e in entries} | {
        e.reversal.reversed_by for e in entries if e.reversal is not None
    }
    return {i: db.session.get(Member, i).name for i in ids}


def recorded_rent(booking: Booking) -> IncomeEntry | None:
    """The booking's rent as it stands: the entry not reversed, if any."""
    return next((e for e in rent_entries(booking) if e.reversal is None), None)


def rent_due(booking: Booking) -> bool:
    """A confirmed 市场 booking whose rent is not (or no longer) recorded."""
    return (
        booking.tier == "market" and booking.status == "confirmed" and not recorded_rent(booking)
    )


def rent_key(booking: Booking) -> str:
    """One rent per booking; after a reversal the next one has a key of its own."""
    reversed_before = sum(1 for e in rent_entries(booking) if e.reversal is not None)
    return f"market-rent:{booking.id}:{reversed_before}"


def record_rent(
    booking: Booking,
    *,
    actor: Member,
    amount_fen,
    method,
    reference="",
    paid_on=None,
    now: datetime | None = None,
) -> IncomeEntry:
    """The booking's host paid its market rent to the space's manager: the fund's income,
    collected by the manager (the 反哺 share goes straight into the fund). Sending the same
    again returns the first entry; other details for a booking already paid are refused."""
    now = now or utcnow()
    if not may_record_rent(booking, actor):
        raise Forbidden(M.RENT_NOT_ALLOWED)
    booking = lock_row(db.session, booking)
    if booking.tier != "market":
        raise Conflict(M.RENT_NOT_MARKET, field="booking")
    if booking.status != "confirmed":
        raise Conflict(M.RENT_NOT_CONFIRMED, field="booking", status=booking.status)
    key = rent_key(booking)
    live = recorded_rent(booking)
    try:
        if live is not None and live.idempotency_key != key:
            raise IdempotencyConflict(["booking_id"])
        return fund.record_income(
            actor,
            community_id=booking.space.community_id,
            source="market_rent",
            tier="market",
            amount_fen=amount_fen,
            collector_id=actor.id,
            payer_name=booking.host.name,
            method=method,
            reference=reference,
            paid_on=paid_on if paid_on not in (None, "") else clock.today(now),
            booking_id=booking.id,
            subject=f"booking:{booking.id}",
            memo=booking.title,
            idempotency_key=key,
            now=now,
        )
    except IdempotencyConflict:
        live = recorded_rent(booking)
        raise Conflict(
            M.RENT_RECORDED_ALREADY,
            field="booking",
            amount=fund.yuan(live.amount_fen),
            day=f"{live.paid_on:%Y-%m-%d}",
        ) from None
