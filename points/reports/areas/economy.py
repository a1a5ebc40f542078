"""Points economy: issued by category and month, redeemed by provider, what came back or
lapsed, the points outstanding (the community's liability) against what the catalogue can
still supply, how concentrated and how dormant balances are, and the ledger's own sums."""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from points.activities.models import ActivityCategory, ActivityType, Claim
from points.errors import N_
from points.extensions import db
from points.ledger import verify
from points.ledger.models import Account, Posting, Transfer
from points.marketplace.models import Benefit, Provider, Redemption
from points.reports.figures import AreaReport, Column, Context, Figure, Table, ratio
from points.reports.period import Period
from points.reports.scope import Scope

AWARDED = ("approved", "reversed")  # a reversed claim was issued, then taken back
# Transfer kinds and assets as rows name them, in both languages (see figures.Table).
KIND_NAMES = {
    "earn": ("发放", "earned"), "redeem": ("兑换", "redeemed"), "booking": ("空间预约", "booking"),
    "refund": ("退回", "refunded"), "reverse": ("冲正", "reversed"), "expire": ("过期", "expired"),
    "adjust": ("调整", "adjusted"), "grant": ("空间时长入账", "granted"),
    "transfer": ("转账", "transferred"),
}
ASSET_NAMES = {"points": ("积分", "points"), "space_minutes": ("空间时长（分钟）", "space minutes")}


def _named(names: dict, code: str) -> dict:
    zh, en = names.get(code, (code, code))
    return {"zh": zh, "en": en}


def _is_wallet(scope: Scope) -> tuple:
    """Conditions on Account: a points wallet of the scope's members (tested per posting
    row: an IN list of wallet ids would be probed once per wallet for every transfer)."""
    return (
        Account.kind == "wallet",
        Account.asset == "points",
        Account.member_id.is_not(None),
        scope.member_of(Account.member_id),
    )


def _wallets(scope: Scope):
    """Points wallets of the scope's members."""
    return sa.select(Account.id).where(
        Account.kind == "wallet",
        Account.asset == "points",
        Account.member_id.in_(scope.members()),
    )


def issued(scope: Scope, period: Period) -> int:
    """Points awarded for claims decided in the period (reversed ones included: they were
    issued; the reversal is counted as reversed)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Claim.points), 0)).where(
                scope.where(Claim.community_id),
                Claim.status.in_(AWARDED),
                Claim.decided_at >= period.start,
                Claim.decided_at < period.end,
            )
        )
    )


def issued_by_category(scope: Scope, period: Period) -> list[list]:
    """[category, month, points] for each month of the period, categories in their order."""
    out = []
    for month in period.months():
        rows = db.session.execute(
            sa.select(ActivityCategory.name_zh, ActivityCategory.name_en,
                      sa.func.sum(Claim.points))
            .join(ActivityType, ActivityType.id == Claim.activity_type_id)
            .join(ActivityCategory, ActivityCategory.id == ActivityType.category_id)
            .where(
                scope.where(Claim.community_id),
                Claim.status.in_(AWARDED),
                Claim.decided_at >= month.start,
                Claim.decided_at < month.end,
            )
            .group_by(ActivityCategory.id, ActivityCategory.name_zh, ActivityCategory.name_en,
                      ActivityCategory.position)
            .order_by(ActivityCategory.position, ActivityCategory.id)
        ).all()
        out += [[{"zh": zh, "en": en}, f"{month.first:%Y-%m}", int(n)] for zh, en, n in rows]
    return out


def _redemptions(scope: Scope, status: str, column, period: Period):
    return (
        Redemption.status == status,
        column >= period.start,
        column < period.end,
        scope.member_of(Redemption.member_id),
    )


def redeemed(scope: Scope, period: Period) -> int:
    """Points of vouchers confirmed at the counter in the period."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Redemption.points), 0)).where(
                *_redemptions(scope, "confirmed", Redemption.confirmed_at, period)
            )
        )
    )


def redeemed_by_provider(scope: Scope, period: Period) -> list[list]:
    rows = db.session.execute(
        sa.select(Provider.name_zh, Provider.name_en, sa.func.count(),
                  sa.func.sum(Redemption.points))
        .join(Provider, Provider.id == Redemption.provider_id)
        .where(*_redemptions(scope, "confirmed", Redemption.confirmed_at, period))
        .group_by(Provider.id, Provider.name_zh, Provider.name_en)
        .order_by(sa.func.sum(Redemption.points).desc(), Provider.id)
    ).all()
    return [[{"zh": zh, "en": en}, int(n), int(p)] for zh, en, n, p in rows]


def voided(scope: Scope, period: Period, status: str) -> int:
    """Points of vouchers cancelled (`cancelled`) or lapsed (`expired`) in the period: the
    hold ended and the points went back to the wallet."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Redemption.points), 0)).where(
                *_redemptions(scope, status, Redemption.ended_at, period)
            )
        )
    )


def _transfers_in(start, end=None):
    """Transfers made in [start, end), read first (a range of ix_transfers_created_at) and
    only then joined to their postings, whatever the planner would guess."""
    where = [Transfer.created_at >= start] + ([Transfer.created_at < end] if end else [])
    return (
        sa.select(Transfer.id, Transfer.kind).where(*where).cte("moved")
        .prefix_with("MATERIALIZED")
    )


def movements(scope: Scope, period: Period) -> dict[str, int]:
    """What moved in and out of the scope's wallets in the period, by transfer kind (the
    ledger's own postings: `reverse` and `expire` are the reversed and expired points)."""
    moved = _transfers_in(period.start, period.end)
    rows = db.session.execute(
        sa.select(moved.c.kind, sa.func.sum(Posting.amount))
        .select_from(moved)
        .join(Posting, Posting.transfer_id == moved.c.id)
        .join(Account, Account.id == Posting.account_id)
        .where(*_is_wallet(scope))
        .group_by(moved.c.kind)
    ).all()
    return {kind: int(total) for kind, total in rows}


def outstanding_now(scope: Scope) -> tuple[int, int]:
    """(balance, held) of the scope's wallets now: balance = available + held."""
    balance, held = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Account.balance), 0),
                  sa.func.coalesce(sa.func.sum(Account.held), 0))
        .where(Account.id.in_(_wallets(scope)))
    ).one()
    return int(balance), int(held)


def outstanding_at(scope: Scope, moment, balance_now: int) -> int:
    """The scope's wallet balances at `moment`: today's, less what was posted since (a
    short walk back from the cached balances, not a sum of all history)."""
    moved = _transfers_in(moment)
    since = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.amount), 0))
        .select_from(moved)
        .join(Posting, Posting.transfer_id == moved.c.id)
        .join(Account, Account.id == Posting.account_id)
        .where(*_is_wallet(scope))
    )
    return balance_now - int(since)


def supply(scope: Scope) -> tuple[int, int]:
    """(points the active catalogue can still supply = Σ stock left × price, benefits with no
    stock limit, which are not counted) for the scope's providers and street-wide ones."""
    where = (
        Benefit.active.is_(True),
        Provider.active.is_(True),
        sa.or_(Provider.community_id.is_(None), scope.where(Provider.community_id)),
    )
    counted = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Benefit.stock_left * Benefit.points), 0))
        .join(Provider, Provider.id == Benefit.provider_id)
        .where(*where, Benefit.stock_left.is_not(None))
    )
    unlimited = db.session.scalar(
        sa.select(sa.func.count()).select_from(Benefit)
        .join(Provider, Provider.id == Benefit.provider_id)
        .where(*where, Benefit.stock_left.is_(None))
    )
    return int(counted), int(unlimited)


def top_share(scope: Scope) -> tuple[float | None, int]:
    """(share of the points held by the top 10 % of holders (at least one), holders with a
    positive balance)."""
    balances = list(
        db.session.scalars(
            sa.select(Account.balance)
            .where(Account.id.in_(_wallets(scope)), Account.balance > 0)
            .order_by(Account.balance.desc())
        )
    )
    if not balances:
        return None, 0
    top = math.ceil(len(balances) / 10)
    return ratio(sum(balances[:top]), sum(balances)), len(balances)


def dormant(scope: Scope, now, days: int) -> tuple[int, int]:
    """(wallets, points) with a positive balance and no posting for `days` days: each
    wallet's latest posting is one index step (ix_postings_account_id_id)."""
    latest = (
        sa.select(sa.func.max(Posting.id))
        .where(Posting.account_id == Account.id)
        .correlate(Account)
        .scalar_subquery()
    )
    last_move = (
        sa.select(Transfer.created_at)
        .join(Posting, Posting.transfer_id == Transfer.id)
        .where(Posting.id == latest)
        .scalar_subquery()
    )
    count, points = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Account.balance), 0)).where(
            Account.id.in_(_wallets(scope)),
            Account.balance > 0,
            last_move < now - timedelta(days=days),
        )
    ).one()
    return int(count), int(points)


def build(ctx: Context) -> AreaReport:
    scope, period, before = ctx.scope, ctx.period, ctx.previous
    moves, moves_before = movements(scope, period), movements(scope, before)
    balance, held = outstanding_now(scope)
    at_end = outstanding_at(scope, period.end, balance)
    at_end_before = outstanding_at(scope, before.end, balance)
    stock_points, unlimited = supply(scope)
    coverage = ratio(stock_points, balance)  # both as they stand now
    share, holders = top_share(scope)
    days = current_app.config["REPORTS_DORMANT_DAYS"]
    idle, idle_points = dormant(scope, ctx.now, days)
    sums = verify.totals()

    def moved(kind: str, moves: dict) -> int:
        return -moves.get(kind, 0)

    report = AreaReport("economy", N_("Points economy"), ctx)
    report.figures = [
        Figure("issued", N_("Points issued"), issued(scope, period), issued(scope, before),
               "points", public=True),
        Figure("redeemed", N_("Points redeemed"), redeemed(scope, period),
               redeemed(scope, before), "points", public=True),
        Figure("voided", N_("Points of cancelled vouchers (returned)"),
               voided(scope, period, "cancelled"), voided(scope, before, "cancelled"), "points"),
        Figure("lapsed", N_("Points of lapsed vouchers (returned)"),
               voided(scope, period, "expired"), voided(scope, before, "expired"), "points"),
        Figure("reversed", N_("Points reversed"), moved("reverse", moves),
               moved("reverse", moves_before), "points"),
        Figure("expired", N_("Points expired"), moved("expire", moves),
               moved("expire", moves_before), "points"),
        Figure("outstanding", N_("Points outstanding (available + held)"), at_end,
               at_end_before, "points", public=True),
        Figure("held", N_("Points held by vouchers now"), held, None, "points"),
        Figure("supply", N_("What the catalogue can still supply (stock × price)"),
               stock_points, None, "points"),
        Figure("coverage", N_("Coverage now (supply ÷ points outstanding now)"), coverage, None,
               "ratio"),
        Figure("top_share", N_("Share held by the top tenth of holders"), share, None, "ratio"),
        Figure("holders", N_("Members holding points"), holders, None),
        Figure("dormant", N_("Balances with no movement for 90 days"), idle, None),
        Figure("dormant_points", N_("Points in balances with no movement for 90 days"),
               idle_points, None, "points"),
    ]
    limit = current_app.config["REPORTS_COVERAGE_WARNING"]
    report.warning_args = {"limit": f"{limit * 100:.0f}%", "unlimited": unlimited,
                           "days": days}
    if coverage is not None and coverage < limit:
        report.warnings.append(
            N_("The catalogue covers less than %(limit)s of the points outstanding: "
               "add benefits or stock.")
        )
    if unlimited:
        report.warnings.append(
            N_("%(unlimited)s benefits have no stock limit and are not counted in the supply.")
        )
    if not sums.ok:
        report.warnings.append(
            N_("The ledger's sums are not zero: run `flask ledger verify` now.")
        )
    report.tables = [
        Table(
            "issued_by_category",
            N_("Points issued by activity category and month"),
            [Column("category", N_("Category")), Column("month", N_("Month")),
             Column("points", N_("Points"), "points")],
            issued_by_category(scope, period),
            bar="points",
        ),
        Table(
            "redeemed_by_provider",
            N_("Points redeemed by provider"),
            [Column("provider", N_("Provider")), Column("vouchers", N_("Vouchers"), "count"),
             Column("points", N_("Points"), "points")],
            redeemed_by_provider(scope, period),
            bar="points",
        ),
        Table(
            "movements",
            N_("Wallet movements by kind"),
            [Column("kind", N_("Kind")), Column("points", N_("Points"), "points"),
             Column("previous", N_("Previous period"), "points")],
            [[_named(KIND_NAMES, kind), moves.get(kind, 0), moves_before.get(kind, 0)]
             for kind in sorted(set(moves) | set(moves_before))],
        ),
        Table(
            "reconciliation",
            N_("Reconciliation: the ledger's own sums"),
            [Column("check", N_("Check")), Column("value", N_("Value"), "points"),
             Column("expected", N_("Must be"), "points")],
            # Names in both languages, as rows of names are (see figures.Table).
            [[{"zh": f"全部账户余额合计（{_named(ASSET_NAMES, asset)['zh']}）",
               "en": f"Sum of every cached balance ({_named(ASSET_NAMES, asset)['en']})"},
              sums.balances[asset], 0] for asset in sorted(sums.balances)]
            + [[{"zh": "账户冻结合计 = 未结冻结单合计", "en": "Held on accounts = pending holds"},
                sums.held, sums.pending]],
        ),
    ]
    return report

