"""Check the whole ledger against its own history.

Recomputes every cached balance and held amount from postings and pending holds, checks that
every transfer balances per asset (points, space minutes and money, cny) and has two or
more postings, that money never shares a transfer with another asset, that each posting's running
balance is right, that no wallet is below zero, and that the hash chain is intact from the
first transfer to the head. Read-only; streams the chain so a million postings fit in memory.

Two checks reach past the ledger's own tables. The chain is measured against the anchor file
written outside the database (anchor.py): shorter than the anchor, or another hash at an
anchored position, is a fault. And each domain that moves points registers a check of its
own rows against their transfers and holds (`register_check`, at application start: the
ledger imports no other domain); the helpers below give those checks the ledger's side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from points.extensions import db
from points.ledger.anchor import Anchor, AnchorError, anchor_path, mismatches, read_anchors
from points.ledger.chain import transfer_hash
from points.ledger.models import (
    ASSETS,
    GENESIS_HASH,
    MONEY,
    Account,
    Hold,
    LedgerHead,
    Posting,
    Transfer,
)
from points.ledger.services import chain_key


@dataclass
class VerifyReport:
    accounts: int = 0
    transfers: int = 0
    postings: int = 0
    holds: int = 0
    faults: list[str] = field(default_factory=list)
    # Rows each registered domain check looked at, by its name ("claims", "vouchers" …).
    domains: dict[str, int] = field(default_factory=dict)
    anchor_path: Path | None = None
    anchor: Anchor | None = None
    # Per asset: (accounts, postings, the sum of every posting — zero when the asset balances).
    assets: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.faults

    def anchor_line(self) -> str:
        """What the chain's length was checked against, in one line."""
        if self.anchor_path is None:
            return "anchor: not checked"
        if self.anchor is None:
            return (
                f"anchor: none yet at {self.anchor_path} (written after each sweep and by "
                "`ledger anchor`); the chain's length is not checked against one"
            )
        return f"anchor: {self.anchor.describe()} ({self.anchor_path})"

    def assets_line(self) -> str:
        """Each asset checked, with its accounts, postings and their sum, in one line."""
        return "assets: " + "; ".join(
            f"{asset} {accounts} accounts, {postings} postings, sum {total:+d}"
            for asset, (accounts, postings, total) in self.assets.items()
        )

    def summary(self) -> str:
        checked = (
            f"checked {self.accounts} accounts, {self.transfers} transfers, "
            f"{self.postings} postings, {self.holds} holds"
        ) + "".join(f", {count} {name}" for name, count in self.domains.items())
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


def _check_assets(report: VerifyReport) -> None:
    """Each asset's postings and their sum (zero); money is alone in its transfers."""
    for asset in ASSETS:
        accounts = db.session.scalar(
            sa.select(sa.func.count()).select_from(Account).where(Account.asset == asset)
        )
        postings, total = db.session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Posting.amount), 0)).where(
                Posting.asset == asset
            )
        ).one()
        # Implied by every transfer balancing per asset (a fault `_check_sums` names): shown.
        report.assets[asset] = (accounts, postings, int(total))
    money = sa.case((Posting.asset == MONEY, 1), else_=0)
    row = _first(
        sa.select(Posting.transfer_id)
        .group_by(Posting.transfer_id)
        .having(sa.func.max(money) != sa.func.min(money))
        .order_by(Posting.transfer_id)
    )
    if row:
        report.faults.append(f"transfer {row.transfer_id} moves money ({MONEY}) with another asset")


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


def _check_anchor(report: VerifyReport, anchors: list[Anchor]) -> None:
    """The chain against the anchor read before any of the database was."""
    end = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Transfer.seq), 0)))
    report.faults.extend(mismatches(anchors, end, report.anchor_path))


# ---------------------------------------------------------------------------- domain checks


@dataclass
class DomainCheck:
    """What one domain's check found: how many of its rows it looked at, and the faults,
    each naming its row ("claim 17: approved but has no earn transfer")."""

    rows: int = 0
    faults: list[str] = field(default_factory=list)


Check = Callable[[], DomainCheck]
_checks: dict[str, Check] = {}
MAX_FAULTS_PER_CHECK = 50


def register_check(name: str, check: Check) -> None:
    """Run `check` in every verify; `name` counts its rows in the summary ("claims")."""
    _checks[name] = check


def _check_domains(report: VerifyReport) -> None:
    for name, check in _checks.items():
        found = check()
        report.domains[name] = found.rows
        report.faults.extend(found.faults[:MAX_FAULTS_PER_CHECK])
        if len(found.faults) > MAX_FAULTS_PER_CHECK:
            report.faults.append(
                f"{name}: {len(found.faults) - MAX_FAULTS_PER_CHECK} more fault(s) not listed"
            )


Legs = dict[tuple[str, str], int]  # (account name, asset) → amount


@dataclass(frozen=True)
class Movement:
    """A transfer as a domain check sees it: kind, key, and what each account got."""

    transfer_id: int
    kind: str
    key: str | None
    hold_id: int | None
    reverses_id: int | None
    legs: Legs

    def describe(self) -> str:
        moved = ", ".join(
            f"{name} {amount:+d} {asset}" for (name, asset), amount in self.legs.items()
        )
        return f"transfer {self.transfer_id} ({self.kind}: {moved})"


def legs(source: str, destination: str, amount: int, asset: str = "points") -> Legs:
    """The legs of a plain movement of `amount` from `source` to `destination` (by name)."""
    return {(source, asset): -amount, (destination, asset): amount}


@dataclass(frozen=True)
class HoldTerms:
    id: int
    status: str
    kind: str
    asset: str
    amount: int
    source: str  # account names
    destination: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


def _chunks(ids: Iterable[int], size: int = 500) -> Iterable[list[int]]:
    wanted = sorted({i for i in ids if i is not None})
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


def _movements(where) -> list[Movement]:
    rows = db.session.execute(
        sa.select(
            Transfer.id,
            Transfer.kind,
            Transfer.idempotency_key,
            Transfer.hold_id,
            Transfer.reverses_id,
            Account.name,
            Posting.asset,
            Posting.amount,
        )
        .join(Posting, Posting.transfer_id == Transfer.id)
        .join(Account, Account.id == Posting.account_id)
        .where(where)
        .order_by(Transfer.id, Posting.id)
    )
    found: dict[int, Movement] = {}
    for row in rows:
        movement = found.get(row.id)
        if movement is None:
            movement = found[row.id] = Movement(
                row.id, row.kind, row.idempotency_key, row.hold_id, row.reverses_id, {}
            )
        key = (row.name, row.asset)
        movement.legs[key] = movement.legs.get(key, 0) + row.amount
    return list(found.values())


def movements_keyed(prefix: str) -> dict[str, Movement]:
    """Transfers whose idempotency key starts with `prefix` ("claim:"), by key."""
    where = Transfer.idempotency_key.startswith(prefix, autoescape=True)
    return {m.key: m for m in _movements(where)}


def movements_by_id(ids: Iterable[int]) -> dict[int, Movement]:
    found = {}
    for chunk in _chunks(ids):
        found.update((m.transfer_id, m) for m in _movements(Transfer.id.in_(chunk)))
    return found


def postings_of_holds(hold_ids: Iterable[int]) -> dict[int, Movement]:
    """The transfer that posted each of these holds, by hold id (absent: not posted)."""
    found = {}
    for chunk in _chunks(hold_ids):
        found.update((m.hold_id, m) for m in _movements(Transfer.hold_id.in_(chunk)))
    return found


def reversals_of(transfer_ids: Iterable[int]) -> dict[int, Movement]:
    """The transfer reversing each of these, by the reversed transfer's id."""
    found = {}
    for chunk in _chunks(transfer_ids):
        found.update((m.reverses_id, m) for m in _movements(Transfer.reverses_id.in_(chunk)))
    return found


def holds_by_id(ids: Iterable[int]) -> dict[int, HoldTerms]:
    source, destination = aliased(Account), aliased(Account)
    found = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            sa.select(
                Hold.id,
                Hold.status,
                Hold.kind,
                Hold.asset,
                Hold.amount,
                source.name,
                destination.name,
                Hold.created_at,
                Hold.expires_at,
                Hold.ended_at,
            )
            .join(source, source.id == Hold.account_id)
            .join(destination, destination.id == Hold.destination_id)
            .where(Hold.id.in_(chunk))
        )
        found.update((row[0], HoldTerms(*row)) for row in rows)
    return found


# ---------------------------------------------------------------------------- verify


def verify_ledger(*, anchor_file: Path | None = None) -> VerifyReport:
    """Check every invariant of the ledger, the chain against its anchor (by default the
    configured file) and every registered domain check; the report lists faults, first
    found first."""
    report = VerifyReport(anchor_path=anchor_file or anchor_path())
    anchors: list[Anchor] = []
    try:  # the anchor first: the database can only have grown since it was written
        anchors = read_anchors(report.anchor_path)
    except AnchorError as error:
        report.faults.append(str(error))
    report.anchor = anchors[0] if anchors else None
    report.accounts = db.session.scalar(sa.select(sa.func.count()).select_from(Account))
    report.transfers = db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))
    report.postings = db.session.scalar(sa.select(sa.func.count()).select_from(Posting))
    report.holds = db.session.scalar(sa.select(sa.func.count()).select_from(Hold))
    _check_sums(report)
    _check_assets(report)
    _check_balances(report)
    _check_holds(report)
    _check_chain(report)
    _check_anchor(report, anchors)
    _check_domains(report)
    return report


# ---------------------------------------------------------------------------- a cheap read


@dataclass(frozen=True)
class Totals:
    """The ledger's sums in a few aggregate reads, for reports to show beside their figures:
    per asset, every account's cached balance (zero when every transfer balances and every
    cache follows its postings: `verify_ledger` checks both one by one) and, for the points
    held, the cached amount against the pending holds."""

    balances: dict[str, int]
    held: int
    pending: int

    @property
    def ok(self) -> bool:
        return not any(self.balances.values()) and self.held == self.pending


def totals() -> Totals:
    """Sums of the accounts (a row each) and of the pending holds (an index range): cheap
    however long the history; the full check is `verify_ledger`."""
    balances = dict(
        db.session.execute(
            sa.select(Account.asset, sa.func.coalesce(sa.func.sum(Account.balance), 0))
            .group_by(Account.asset)
        ).all()
    )
    held = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Account.held), 0)))
    pending = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Hold.amount), 0)).where(Hold.status == "pending")
    )
    return Totals({a: int(v) for a, v in balances.items()}, int(held), int(pending))
