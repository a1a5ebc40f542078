"""The community fund (社区基金): income by source and tier (by the day it was paid, as the
fund's public page counts it), the 反哺 share on it and what actually reached the fund, the
grants approved, paid and reversed in the period and those held at its end, and the fund's
balance at the end of the period read from the ledger (`fund:<community>`'s `cny` balance less
the postings made after that instant). Money is integer fen, unit "fen": pages show yuan
(points/money.py), exports yuan as numbers."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from points.errors import N_
from points.extensions import db
from points.fund.models import SOURCES, Grant, IncomeEntry
from points.ledger.models import Account, Hold, Posting, Transfer
from points.members.models import Community
from points.reports.figures import AreaReport, Column, Context, Figure, Table
from points.reports.period import Period
from points.reports.scope import Scope

MONEY = "cny"
SOURCE_NAMES = {
    "session_fee": {"zh": "活动收费", "en": "Session fee"},
    "market_rent": {"zh": "市场租金", "en": "Market rent"},
    "sponsorship": {"zh": "赞助", "en": "Sponsorship"},
}
TIER_NAMES = {
    None: {"zh": "—", "en": "—"},
    "low_fee": {"zh": "低偿", "en": "Low fee"},
    "market": {"zh": "市场", "en": "Market price"},
}


def _funds(scope: Scope) -> dict[int, int]:
    """The scope's `fund:<community>` accounts (by name, on the accounts' name index) → their
    community id."""
    ids = scope.community_ids or tuple(db.session.scalars(sa.select(Community.id)))
    names = {f"fund:{cid}": cid for cid in ids}
    rows = db.session.execute(sa.select(Account.id, Account.name).where(
        Account.asset == MONEY, Account.name.in_(list(names))))
    return {account_id: names[name] for account_id, name in rows}


def _receivables(scope: Scope) -> dict[int, int]:
    """The scope's `fund_due:<community>.<member>` accounts (the fund's share a host holds)
    → their community id."""
    prefix = f"fund_due:{scope.community.id}." if scope.community else "fund_due:"
    rows = db.session.execute(sa.select(Account.id, Account.name).where(
        Account.asset == MONEY, Account.name.like(f"{prefix}%")))
    out = {}
    for account_id, name in rows:
        community = name.removeprefix("fund_due:").split(".", 1)[0]
        if community.isdigit():
            out[account_id] = int(community)
    return out


def _balances(accounts: dict[int, int], end) -> dict[int, int]:
    """community id → what the accounts held at `end`: their balance now less the postings
    made since (few for a recent period, however long the fund's history)."""
    out: dict[int, int] = defaultdict(int)
    if not accounts:
        return out
    now = db.session.execute(
        sa.select(Account.id, Account.balance).where(Account.id.in_(list(accounts))))
    for account_id, balance in now:
        out[accounts[account_id]] += int(balance)
    later = sa.select(Transfer.id).where(Transfer.created_at >= end)
    since = db.session.execute(
        sa.select(Posting.account_id, sa.func.sum(Posting.amount))
        .where(Posting.account_id.in_(list(accounts)), Posting.transfer_id.in_(later))
        .group_by(Posting.account_id)
    )
    for account_id, total in since:
        out[accounts[account_id]] -= int(total or 0)
    return out


def _received(accounts: dict[int, int], period: Period) -> dict[int, int]:
    """community id → shares that reached the fund in the period: settlements confirmed and
    office collections (a grant's reversal only gives back what was paid out)."""
    out: dict[int, int] = defaultdict(int)
    if not accounts:
        return out
    moved = sa.select(Transfer.id).where(
        Transfer.created_at >= period.start,
        Transfer.created_at < period.end,
        Transfer.reverses_id.is_(None),
    )
    rows = db.session.execute(
        sa.select(Posting.account_id, sa.func.sum(Posting.amount))
        .where(Posting.account_id.in_(list(accounts)), Posting.amount > 0,
               Posting.transfer_id.in_(moved))
        .group_by(Posting.account_id)
    )
    for account_id, total in rows:
        out[accounts[account_id]] += int(total or 0)
    return out


def _held(accounts: dict[int, int], end) -> dict[int, list[int]]:
    """community id → [grants held, fen held] on the fund at `end`: holds made before it and
    neither ended nor lapsed by then."""
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if not accounts:
        return out
    rows = db.session.execute(
        sa.select(Hold.account_id, sa.func.count(), sa.func.sum(Hold.amount))
        .where(
            Hold.account_id.in_(list(accounts)),
            Hold.created_at < end,
            Hold.expires_at > end,
            sa.or_(Hold.ended_at.is_(None), Hold.ended_at >= end),
        )
        .group_by(Hold.account_id)
    )
    for account_id, n, total in rows:
        line = out[accounts[account_id]]
        line[0] += int(n)
        line[1] += int(total or 0)
    return out


def _income(scope: Scope, period: Period) -> dict[tuple, list[int]]:
    """(community id, source, tier) → [entries, amount, share] paid in the period."""
    rows = db.session.execute(
        sa.select(IncomeEntry.community_id, IncomeEntry.source, IncomeEntry.tier,
                  sa.func.count(), sa.func.sum(IncomeEntry.amount_fen),
                  sa.func.sum(IncomeEntry.share_fen))
        .where(
            scope.indexed(IncomeEntry.community_id),
            IncomeEntry.paid_on >= period.first,
            IncomeEntry.paid_on <= period.last,
        )
        .group_by(IncomeEntry.community_id, IncomeEntry.source, IncomeEntry.tier)
    )
    return {(cid, source, tier): [int(n), int(amount or 0), int(share or 0)]
            for cid, source, tier, n, amount, share in rows}


GRANT_STEPS = (
    ("approved", {"zh": "批准", "en": "Approved"}, Grant.approved_at),
    ("paid", {"zh": "支付", "en": "Paid"}, Grant.paid_at),
    ("reversed", {"zh": "冲回", "en": "Reversed"}, Grant.reversed_at),
    ("rejected", {"zh": "未批准", "en": "Not approved"}, Grant.rejected_at),
)
HELD_NAME = {"zh": "期末冻结待付", "en": "Held at the end"}


def _grants(scope: Scope, period: Period) -> dict[tuple[str, int], list[int]]:
    """(step, community id) → [grants, fen] for each step taken in the period."""
    out: dict[tuple[str, int], list[int]] = {}
    for step, _, column in GRANT_STEPS:
        rows = db.session.execute(
            sa.select(Grant.community_id, sa.func.count(), sa.func.sum(Grant.amount_fen))
            .where(scope.where(Grant.community_id), column >= period.start,
                   column < period.end)
            .group_by(Grant.community_id)
        )
        for cid, n, total in rows:
            out[(step, cid)] = [int(n), int(total or 0)]
    return out


class Reading:
    """The fund's figures for one period, by community."""

    def __init__(self, scope: Scope, period: Period):
        funds = _funds(scope)
        self.income = _income(scope, period)
        self.grants = _grants(scope, period)
        self.balance = _balances(funds, period.end)
        self.owed = _balances(_receivables(scope), period.end)
        self.received = _received(funds, period)
        self.held = _held(funds, period.end)

    def communities(self) -> set[int]:
        return ({cid for cid, _, _ in self.income} | {cid for _, cid in self.grants}
                | set(self.balance) | set(self.owed) | set(self.held))

    def income_of(self, index: int, community_id: int | None = None) -> int:
        return sum(v[index] for k, v in self.income.items()
                   if community_id is None or k[0] == community_id)

    def grant(self, step: str, index: int, community_id: int | None = None) -> int:
        return sum(v[index] for (s, cid), v in self.grants.items()
                   if s == step and (community_id is None or cid == community_id))

    def total(self, values: dict[int, int]) -> int:
        return sum(values.values())

    @property
    def held_fen(self) -> int:
        return sum(line[1] for line in self.held.values())


def build(ctx: Context) -> AreaReport:
    now, before = Reading(ctx.scope, ctx.period), Reading(ctx.scope, ctx.previous)
    report = AreaReport("fund", N_("Community fund"), ctx)
    report.figures = [
        Figure("income", N_("Income"), now.income_of(1), before.income_of(1), "fen",
               public=True),
        Figure("share", N_("反哺 share of that income"), now.income_of(2), before.income_of(2),
               "fen", public=True),
        Figure("received", N_("Shares received into the fund"), now.total(now.received),
               before.total(before.received), "fen"),
        Figure("owed", N_("Shares not yet handed over (at the end)"), now.total(now.owed),
               before.total(before.owed), "fen"),
        Figure("approved", N_("Grants approved"), now.grant("approved", 0),
               before.grant("approved", 0)),
        Figure("approved_amount", N_("Amount of grants approved"), now.grant("approved", 1),
               before.grant("approved", 1), "fen"),
        Figure("paid", N_("Grants paid"), now.grant("paid", 0), before.grant("paid", 0),
               public=True),
        Figure("paid_amount", N_("Amount of grants paid"), now.grant("paid", 1),
               before.grant("paid", 1), "fen", public=True),
        Figure("reversed_amount", N_("Amount of grants reversed"), now.grant("reversed", 1),
               before.grant("reversed", 1), "fen"),
        Figure("held", N_("Held for approved grants (at the end)"), now.held_fen,
               before.held_fen, "fen"),
        Figure("balance", N_("Fund balance at the end"), now.total(now.balance),
               before.total(before.balance), "fen", public=True),
        Figure("available", N_("Available at the end (balance less held)"),
               now.total(now.balance) - now.held_fen,
               before.total(before.balance) - before.held_fen, "fen"),
    ]
    tiers = {code: i for i, code in enumerate((None, "low_fee", "market"))}
    lines: dict[tuple, list[int]] = {}
    for (_, source, tier), values in now.income.items():
        line = lines.setdefault((source, tier), [0, 0, 0])
        for i, v in enumerate(values):
            line[i] += v
    ordered = sorted(lines.items(), key=lambda kv: (SOURCES.index(kv[0][0]), tiers[kv[0][1]]))
    held_count = sum(line[0] for line in now.held.values())
    ids = sorted(now.communities())
    communities = {c.id: c for c in db.session.scalars(
        sa.select(Community).where(Community.id.in_(ids)))}
    report.tables = [
        Table(
            "income_by_source",
            N_("Income by source and tier"),
            [Column("source", N_("Source")), Column("tier", N_("Service tier")),
             Column("entries", N_("Payments"), "count"), Column("amount", N_("Amount"), "fen"),
             Column("share", N_("反哺 share"), "fen")],
            [[SOURCE_NAMES[source], TIER_NAMES[tier], *values]
             for (source, tier), values in ordered],
            bar="amount",
        ),
        Table(
            "grants",
            N_("Grants"),
            [Column("step", N_("Step")), Column("grants", N_("Grants"), "count"),
             Column("amount", N_("Amount"), "fen")],
            [[label, now.grant(step, 0), now.grant(step, 1)] for step, label, _ in GRANT_STEPS]
            + [[HELD_NAME, held_count, now.held_fen]],
            bar="amount",
        ),
        Table(
            "by_community",
            N_("The fund by community"),
            [Column("community", N_("Community")), Column("income", N_("Income"), "fen"),
             Column("share", N_("反哺 share"), "fen"),
             Column("received", N_("Received into the fund"), "fen"),
             Column("paid", N_("Grants paid"), "fen"),
             Column("balance", N_("Balance at the end"), "fen")],
            [[{"zh": communities[cid].name, "en": communities[cid].name_en
               or communities[cid].name}, now.income_of(1, cid), now.income_of(2, cid),
              now.received.get(cid, 0), now.grant("paid", 1, cid), now.balance.get(cid, 0)]
             for cid in ids if cid in communities],
            bar="balance",
        ),
    ]
    report.links = [(N_("Fund grants"), "fund.grants")]
    return report
