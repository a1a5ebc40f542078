"""The fund's rows against the ledger, for `ledger verify`: each income entry, confirmed
settlement payment and grant against the transfer (and hold) it records.

An income entry's transfer moves exactly its amount out of income:<source>, its share to the
fund (or the host's fund_due receivable) and the rest to its collector; a confirmed payment
moves its amount from the receivable to the fund; an approved grant holds its amount on the
fund, a paid one posted that hold, a reversed one has the reversal of that payment. An income
reversal is the ledger's reversal of its entry's transfer, after (when some of a host's share
was already received) a transfer of `returned_fen` from the fund back to the host's receivable.
"""

from __future__ import annotations

import sqlalchemy as sa

from points.extensions import db
from points.fund.models import Grant, IncomeEntry, IncomeReversal, SettlementPayment
from points.ledger import verify

HOLD_OF = {"approved": "pending", "paid": "posted", "reversed": "posted"}


def _income_legs(entry: IncomeEntry, office: bool) -> verify.Legs:
    share_to = (
        f"fund:{entry.community_id}"
        if office
        else f"fund_due:{entry.community_id}.{entry.collector_id}"
    )
    legs = {(f"income:{entry.source}", "cny"): -entry.amount_fen}
    if entry.amount_fen - entry.share_fen:
        legs[(f"collected:{entry.collector_id}", "cny")] = entry.amount_fen - entry.share_fen
    if entry.share_fen:
        legs[(share_to, "cny")] = entry.share_fen
    return legs


def check_fund() -> verify.DomainCheck:
    found = verify.DomainCheck()
    fault = found.faults.append
    entries = list(db.session.scalars(sa.select(IncomeEntry).order_by(IncomeEntry.id)))
    payments = list(
        db.session.scalars(
            sa.select(SettlementPayment)
            .where(SettlementPayment.status == "confirmed")
            .order_by(SettlementPayment.id)
        )
    )
    grants = list(db.session.scalars(sa.select(Grant).order_by(Grant.id)))
    reversals = list(db.session.scalars(sa.select(IncomeReversal).order_by(IncomeReversal.id)))
    found.rows = len(entries) + len(payments) + len(grants) + len(reversals)
    moved = verify.movements_by_id(
        [r.transfer_id for r in reversals]
        + [r.return_transfer_id for r in reversals if r.return_transfer_id is not None]
        + [e.transfer_id for e in entries]
        + [p.transfer_id for p in payments]
        + [g.transfer_id for g in grants if g.transfer_id is not None]
        + [g.reversal_id for g in grants if g.reversal_id is not None]
    )
    for entry in entries:
        movement = moved.get(entry.transfer_id)
        name = f"income entry {entry.id}"
        if movement is None:
            fault(f"{name}: records transfer {entry.transfer_id}, which does not exist")
            continue
        expected = (_income_legs(entry, False), _income_legs(entry, True))
        if movement.key != f"income:{entry.idempotency_key}" or movement.legs not in expected:
            fault(
                f"{name} ({entry.amount_fen} fen, share {entry.share_fen}) does not match "
                f"{movement.describe()}"
            )
    for payment in payments:
        movement = moved.get(payment.transfer_id)
        expected = verify.legs(
            f"fund_due:{payment.community_id}.{payment.collector_id}",
            f"fund:{payment.community_id}",
            payment.amount_fen,
            "cny",
        )
        if movement is None or movement.legs != expected:
            fault(
                f"settlement payment {payment.id}: confirmed, but its transfer "
                f"{payment.transfer_id} does not move {payment.amount_fen} fen to the fund"
            )
    holds = verify.holds_by_id([g.hold_id for g in grants if g.hold_id is not None])
    for grant in grants:
        name = f"grant {grant.id}"
        if grant.hold_id is None:
            continue
        held = holds.get(grant.hold_id)
        if held is None or held.amount != grant.amount_fen or held.asset != "cny":
            fault(f"{name}: its hold {grant.hold_id} does not set aside {grant.amount_fen} fen")
            continue
        if held.status != HOLD_OF[grant.status]:
            fault(f"{name}: {grant.status} but its hold {held.id} is {held.status}")
        if grant.transfer_id is not None:
            paid = moved.get(grant.transfer_id)
            if paid is None or paid.hold_id != grant.hold_id:
                fault(f"{name}: paid by transfer {grant.transfer_id}, not its hold's posting")
        if grant.reversal_id is not None:
            undone = moved.get(grant.reversal_id)
            if undone is None or undone.reverses_id != grant.transfer_id:
                fault(f"{name}: transfer {grant.reversal_id} does not reverse its payment")
    transfer_of = {e.id: e for e in entries}
    for reversal in reversals:
        entry = transfer_of[reversal.entry_id]
        name = f"income entry {entry.id}"
        undone = moved.get(reversal.transfer_id)
        if undone is None or undone.reverses_id != entry.transfer_id:
            fault(f"{name}: transfer {reversal.transfer_id} does not reverse its transfer")
        if reversal.return_transfer_id is not None:
            back = moved.get(reversal.return_transfer_id)
            expected = verify.legs(
                f"fund:{entry.community_id}",
                f"fund_due:{entry.community_id}.{entry.collector_id}",
                reversal.returned_fen,
                "cny",
            )
            if back is None or back.legs != expected:
                fault(
                    f"{name}: its reversal's hand-back {reversal.return_transfer_id} does not "
                    f"move {reversal.returned_fen} fen from the fund to the host's receivable"
                )
    return found


def register() -> None:
    """Check the fund in every `ledger verify` (at application start)."""
    verify.register_check("fund entries", check_fund)
