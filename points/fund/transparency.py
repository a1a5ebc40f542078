"""What the public page of a community's fund shows, computed from the ledger when read.

The fund's balance is its ledger account's. Income by tier × source × month sums the postings
of each income entry's transfer: the amount is what left income:<source>, the share what
reached the fund or a host's fund_due receivable. A reversed entry keeps its line and adds
a reversal line in the month it was reversed, from its reversal's postings (negative amount
and share), so the totals are net. Received is what settlements moved into the
fund (and office shares). Every grant request is listed in every state; a receipt is offered
only for a paid (or reversed) grant. No person is named: residents paying are never shown, and
neither are requesters or approvers (only counts and dates); a partner unit that sponsors is an
organisation and is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from points import clock
from points.database import utcnow
from points.errors import NotFound
from points.extensions import db
from points.fund import messages as M
from points.fund import services as fund
from points.fund.models import Grant, IncomeEntry, IncomeReversal
from points.ledger.models import Account, Posting
from points.members.models import Community


@dataclass(frozen=True)
class IncomeLine:
    month: str  # YYYY-MM
    source: str
    tier: str | None
    entries: int
    amount: int  # fen
    share: int  # fen that went to the fund (received or still owed); negative when reversed
    reversal: bool = False  # a line of reversed entries: what they took back


@dataclass(frozen=True)
class GrantLine:
    id: int
    purpose: str
    project: str
    amount: int
    status: str
    requested_on: datetime
    approvals: int
    approved_at: datetime | None
    payable_from: datetime | None
    in_public_window: bool
    paid_at: datetime | None
    reversed_at: datetime | None
    reason: str
    has_receipt: bool


@dataclass(frozen=True)
class Sponsor:
    name: str
    month: str
    amount: int


@dataclass
class Transparency:
    community_id: int
    community: Community  # its name on a page: community.local_name(locale)
    read_at: datetime
    balance: int
    held: int
    available: int
    income: list[IncomeLine] = field(default_factory=list)
    grants: list[GrantLine] = field(default_factory=list)
    sponsors: list[Sponsor] = field(default_factory=list)
    # The community's programmes with their ratings: filled by `programmes.services.fund_page`
    # (programmes sit above the fund, which cannot import them).
    programmes: list = field(default_factory=list)

    @property
    def total_income(self) -> int:
        return sum(line.amount for line in self.income)

    @property
    def total_share(self) -> int:
        return sum(line.share for line in self.income)

    @property
    def total_paid(self) -> int:
        return sum(g.amount for g in self.grants if g.status == "paid")


def _add(totals: dict, key: tuple, entry_id: int, name: str, amount: int) -> None:
    line = totals.setdefault(key, [set(), 0, 0])
    line[0].add(entry_id)
    if name.startswith("income:"):
        line[1] -= amount
    elif name.startswith(("fund:", "fund_due:")):
        line[2] += amount


def _income(community_id: int) -> list[IncomeLine]:
    rows = db.session.execute(
        sa.select(
            IncomeEntry.id,
            IncomeEntry.paid_on,
            IncomeEntry.source,
            IncomeEntry.tier,
            Account.name,
            Posting.amount,
        )
        .join(Posting, Posting.transfer_id == IncomeEntry.transfer_id)
        .join(Account, Account.id == Posting.account_id)
        .where(IncomeEntry.community_id == community_id)
    )
    totals: dict[tuple[str, str, str | None, bool], list] = {}
    for entry_id, paid_on, source, tier, name, amount in rows:
        _add(totals, (f"{paid_on:%Y-%m}", source, tier, False), entry_id, name, amount)
    reversed_rows = db.session.execute(
        sa.select(
            IncomeEntry.id,
            IncomeReversal.reversed_at,
            IncomeEntry.source,
            IncomeEntry.tier,
            Account.name,
            Posting.amount,
        )
        .join(IncomeReversal, IncomeReversal.entry_id == IncomeEntry.id)
        .join(Posting, Posting.transfer_id == IncomeReversal.transfer_id)
        .join(Account, Account.id == Posting.account_id)
        .where(IncomeEntry.community_id == community_id)
    )
    for entry_id, reversed_at, source, tier, name, amount in reversed_rows:
        month = f"{clock.local(reversed_at):%Y-%m}"
        _add(totals, (month, source, tier, True), entry_id, name, amount)
    order = {s: i for i, s in enumerate(("session_fee", "market_rent", "sponsorship"))}
    return [
        IncomeLine(month, source, tier, len(ids), amount, share, reversal)
        for (month, source, tier, reversal), (ids, amount, share) in sorted(
            totals.items(),
            key=lambda item: (item[0][0], order[item[0][1]], item[0][2] or "", item[0][3]),
        )
    ]


def _grants(community_id: int, now: datetime) -> list[GrantLine]:
    return [
        GrantLine(
            id=g.id,
            purpose=g.purpose,
            project=g.project,
            amount=g.amount_fen,
            status=g.status,
            requested_on=g.requested_at,
            approvals=len(g.approvals),
            approved_at=g.approved_at,
            payable_from=g.payable_from,
            in_public_window=fund.in_public_window(g, now),
            paid_at=g.paid_at,
            reversed_at=g.reversed_at,
            reason=g.reason,
            has_receipt=receipt_shown(g),
        )
        for g in fund.grants_of(community_id)
    ]


def receipt_shown(grant: Grant) -> bool:
    """A receipt is public once the grant is paid (a reversed one keeps its history)."""
    return grant.receipt_evidence_id is not None and grant.status in ("paid", "reversed")


def _sponsors(community_id: int) -> list[Sponsor]:
    rows = db.session.execute(
        sa.select(IncomeEntry.payer_name, IncomeEntry.paid_on, IncomeEntry.amount_fen)
        .where(
            IncomeEntry.community_id == community_id,
            IncomeEntry.source == "sponsorship",
            IncomeEntry.payer_kind == "unit",
            ~sa.exists().where(IncomeReversal.entry_id == IncomeEntry.id),
        )
        .order_by(IncomeEntry.paid_on, IncomeEntry.id)
    )
    return [Sponsor(name, f"{day:%Y-%m}", amount) for name, day, amount in rows]


def transparency(community_id, now: datetime | None = None) -> Transparency:
    """The public account of a community's fund as the ledger stands now."""
    now = now or utcnow()
    community = fund.get_community(community_id)
    balance = fund.fund_balance(community.id, now=now)
    return Transparency(
        community_id=community.id,
        community=community,
        read_at=now,
        balance=balance.balance,
        held=balance.held,
        available=balance.available,
        income=_income(community.id),
        grants=_grants(community.id, now),
        sponsors=_sponsors(community.id),
    )


def public_receipt(community_id: int, grant_id) -> int:
    """The evidence id of a paid grant's receipt, for the public page; else not found."""
    grant = fund.get_grant(grant_id)
    if grant.community_id != community_id or not receipt_shown(grant):
        raise NotFound(M.NO_SUCH_GRANT, field="grant")
    return grant.receipt_evidence_id
