"""Check the whole ledger against its own history.

Recomputes every cached balance and held amount from postings and pending holds, checks that
every transfer balances per asset and has two or more postings, that each posting's running
balance is right, that no wallet is below zero, and that the hash chain is intact from the
first transfer to the head. Read-only; streams the chain so a million postings fit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from points.extensions import db
from points.ledger.chain import transfer_hash
from points.ledger.models import GENESIS_HASH, Account, Hold, LedgerHead, Posting, Transfer
from points.ledger.services import chain_key


@dataclass
class VerifyReport:
    accounts: int = 0
    transfers: int = 0
    postings: int = 0
    holds: int = 0
    faults: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.faults

    def summary(self) -> str:
        checked = (
            f"checked {self.accounts} accounts, {self.transfers} transfers, "
            f"{self.postings} postings, {self.holds} holds"
        )
        if self.ok:
            return checked + ": OK"
        return checked + f": {len(self.faults)} fault(s); first: {self.faults[0]}"


def _first(query) -> sa.Row | None:
    return db.session.execute(query.limit(1)).first()


def _check_sums(report: VerifyReport) -> None:
    row = _first(
        sa.select(Posting.transfer_id, Posting.asset, sa.func.sum(Posting.amount).label("total"))
        .group_by(Posting.transfer_id, Posting.asset)
        .having(sa.func.sum(Posting.amount) != 0)
        .order_by(Posting.transfer_id)
    )
    if row:
        report.faults.append(
            f"transfer {row.transfer_id} does not balance: its {row.asset} postings sum to "
            f"{int(row.total):+d}"
        )
    row = _first(
        sa.select(Transfer.id, sa.func.count(Posting.id).label("n"))
        .outerjoin(Posting, Posting.transfer_id == Transfer.id)
        .group_by(Transfer.id)
        .having(sa.func.count(Posting.id) < 2)
        .order_by(Transfer.id)
    )
    if row:
        report.faults.append(f"transfer {row.id} has {row.n} posting(s); two or more are needed")


def _check_balances(report: VerifyReport) -> None:
    totals = (
        sa.select(Posting.account_id, sa.func.sum(Posting.amount).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    recomputed = sa.func.coalesce(totals.c.total, 0)
    row = _first(
        sa.select(Account.id, Account.name, Account.balance, recomputed.label("recomputed"))
        .outerjoin(totals, totals.c.account_id == Account.id)
        .where(Account.balance != recomputed)
        .order_by(Account.id)
    )
    if row:
        report.faults.append(
            f"account {row.id} ({row.name}) caches balance {row.balance} but its postings sum "
            f"to {int(row.recomputed)}"
        )
    pending = (
        sa.select(Hold.account_id, sa.func.sum(Hold.amount).label("total"))
        .where(Hold.status == "pending")
        .group_by(Hold.account_id)
        .subquery()
    )
    held = sa.func.coalesce(pending.c.total, 0)
    row = _first(
        sa.select(Account.id, Account.name, Account.held, held.label("recomputed"))
        .outerjoin(pending, pending.c.account_id == Account.id)
        .where(Account.held != held)
        .order_by(Account.id)
    )
    if row:
        report.faults.append(
            f"account {row.id} ({row.name}) caches held {row.held} but its pending holds sum "
            f"to {int(row.recomputed)}"
        )
    row = _first(
        sa.select(Account.id, Account.name, Account.balance, Account.held)
        .where(~Account.may_go_negative, Account.balance < Account.held)
        .order_by(Account.id)
    )
    if row:
        report.faults.append(
            f"account {row.id} ({row.name}) is below its floor: balance {row.balance}, "
            f"held {row.held}"
        )
    running = sa.func.sum(Posting.amount).over(partition_by=Posting.account_id, order_by=Posting.id)
    walk = sa.select(
        Posting.id, Posting.account_id, Posting.balance_after, running.label("running")
    ).subquery()
    row = _first(sa.select(walk).where(walk.c.balance_after != walk.c.running).order_by(walk.c.id))
    if row:
        report.faults.append(
            f"posting {row.id} on account {row.account_id} records balance {row.balance_after} "
            f"after it, but the postings up to it sum to {int(row.running)}"
        )


def _check_holds(report: VerifyReport) -> None:
    row = _first(
        sa.select(Hold.id)
        .outerjoin(Transfer, Transfer.hold_id == Hold.id)
        .where((Hold.status == "posted") != Transfer.id.is_not(None))
        .order_by(Hold.id)
    )
    if row:
        report.faults.append(f"hold {row.id}: posted holds and their transfers do not match")


def _check_chain(report: VerifyReport) -> None:
    rows = db.session.execute(
        sa.select(
            Transfer.id,
            Transfer.seq,
            Transfer.kind,
            Transfer.memo,
            Transfer.actor_id,
            Transfer.created_at,
            Transfer.idempotency_key,
            Transfer.reverses_id,
            Transfer.hold_id,
            Transfer.prev_hash,
            Transfer.hash,
            Posting.account_id,
            Posting.asset,
            Posting.amount,
            Posting.balance_after,
        )
        .outerjoin(Posting, Posting.transfer_id == Transfer.id)
        .order_by(Transfer.seq, Posting.id)
        .execution_options(yield_per=5000)
    )
    expected_seq, prev_hash = 1, GENESIS_HASH
    current, postings = None, []
    key = chain_key()

    def close(t) -> bool:
        nonlocal expected_seq, prev_hash
        if t.seq != expected_seq:
            report.faults.append(
                f"transfer {t.id} has chain position {t.seq}; {expected_seq} was expected "
                "(a transfer is missing or out of place)"
            )
            return False
        digest = transfer_hash(
            prev_hash,
            key=key,
            seq=t.seq,
            kind=t.kind,
            memo=t.memo,
            actor_id=t.actor_id,
            created_at=t.created_at,
            idempotency_key=t.idempotency_key,
            reverses_id=t.reverses_id,
            hold_id=t.hold_id,
            postings=postings,
        )
        if t.prev_hash != prev_hash or t.hash != digest:
            report.faults.append(
                f"transfer {t.id} (position {t.seq}) does not match its hash: its content or "
                "its predecessor was changed"
            )
            return False
        expected_seq, prev_hash = expected_seq + 1, t.hash
        return True

    for row in rows:
        if current is not None and row.id != current.id:
            if not close(current):
                rows.close()
                return
            postings = []
        current = row
        if row.account_id is not None:
            postings.append((row.account_id, row.asset, row.amount, row.balance_after))
    if current is not None and not close(current):
        return
    head = db.session.execute(sa.select(LedgerHead.seq, LedgerHead.hash)).one()
    if (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        report.faults.append(
            f"the chain head says position {head.seq}, but the chain ends at {expected_seq - 1}"
        )


def verify_ledger() -> VerifyReport:
    """Check every invariant of the ledger; the report lists faults, first found first."""
    report = VerifyReport(
        accounts=db.session.scalar(sa.select(sa.func.count()).select_from(Account)),
        transfers=db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)),
        postings=db.session.scalar(sa.select(sa.func.count()).select_from(Posting)),
        holds=db.session.scalar(sa.select(sa.func.count()).select_from(Hold)),
    )
    _check_sums(report)
    _check_balances(report)
    _check_holds(report)
    _check_chain(report)
    return report
