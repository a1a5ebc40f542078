"""What a member's points read as on every page: one spendable number, and each hold that
keeps points back as a line of its own ("已兑换待使用" for a voucher, linking to it), so home and
the statement tell one story: the statement's first figure is home's number."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from points.ledger import services as ledger
from points.marketplace import services as market
from points.marketplace.models import Redemption


@dataclass(frozen=True)
class HeldLine:
    hold: ledger.PendingHold
    voucher: Redemption | None  # the voucher holding these points; None: a booking's hold
    href: str


def held_lines(member) -> list[HeldLine]:
    """The member's pending holds, newest first, each with the page that explains it."""
    holds = ledger.pending_holds(ledger.member_wallet(member.id))
    vouchers = market.vouchers_by_hold(h.hold_id for h in holds)
    lines = []
    for hold in holds:
        voucher = vouchers.get(hold.hold_id)
        if voucher is not None:
            href = url_for("market.voucher", redemption_id=voucher.id)
        else:
            href = url_for("spaces.mine")
        lines.append(HeldLine(hold, voucher, href))
    return lines
