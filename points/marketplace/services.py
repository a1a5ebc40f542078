"""The benefits marketplace: redeem (stock + hold), confirm at the counter (核销), cancel,
expire; space-use rights credited to the host's `space_minutes` wallet.

Stock is taken by one conditional UPDATE (`stock_left >= quantity`), so it is never oversold;
points are held by the ledger, so they are never overspent. Locks are always taken in the
order voucher → benefit → ledger accounts, whichever path runs, so paths cannot deadlock.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.util import identity_key

from points import clock
from points import messages as shared
from points.database import UTCDateTime, is_id, lock_key, lock_row, utcnow
from points.errors import (
    Conflict,
    Forbidden,
    HoldNotPending,
    IdempotencyConflict,
    InvalidInput,
    NotFound,
    Said,
)
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import messages as M
from points.marketplace.models import (
    CATEGORIES,
    LIMIT_PERIODS,
    PROVIDER_KINDS,
    Benefit,
    CounterUndo,
    Provider,
    Redemption,
)
from points.members import helpers
from points.members.models import LEVELS, Community, Member
from points.notifications import render
from points.notifications import services as notifications
from points.statements import Statements, columns, persistent
from points.validate import text, whole

# Voucher codes: 9 characters from 31 that cannot be confused when read aloud or typed
# (no 0/O, 1/I/L): 31^9 ≈ 2^44.6 codes, so a guess hits a live voucher almost never.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 9
MAX_QUANTITY = 10
MAX_KEY = 200
VOUCHER_REMIND_DAYS = 2  # an unused voucher's holder is reminded this long before it expires
CODE_SHAPE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


_local_date = clock.today
_start_of = clock.at
local_today = clock.today  # the community's date (see points/clock.py)


# ---------------------------------------------------------------------------- catalogue


def ensure_provider(
    *,
    code,
    kind,
    name_zh,
    name_en,
    community=None,
    address_zh=None,
    hours_zh=None,
    hours_en=None,
) -> Provider:
    """Create a provider unless its code exists (seed loading)."""
    if not isinstance(code, str) or not re.match(r"^[a-z0-9][a-z0-9-]{0,39}$", code):
        raise InvalidInput(M.CODE_SHAPE, field="code")
    found = db.session.scalar(sa.select(Provider).filter_by(code=code))
    if found is not None:
        return found
    if kind not in PROVIDER_KINDS:
        raise InvalidInput(M.ONE_OF, field="kind", values=PROVIDER_KINDS)
    community_id = None
    if community is not None:
        community_id = db.session.scalar(sa.select(Community.id).filter_by(name=community))
        if community_id is None:
            raise InvalidInput(M.UNKNOWN_COMMUNITY, field="community")
    provider = Provider(
        code=code,
        kind=kind,
        name_zh=text(name_zh, "name_zh", 80),
        name_en=text(name_en, "name_en", 120),
        community_id=community_id,
        address_zh=text(address_zh, "address_zh", 120, required=False),
        hours_zh=text(hours_zh, "hours_zh", 120, required=False),
        hours_en=text(hours_en, "hours_en", 160, required=False),
    )
    db.session.add(provider)
    db.session.flush()
    return provider


def ensure_benefit(
    *,
    provider,
    category,
    title_zh,
    title_en,
    points,
    description_zh=None,
    description_en=None,
    stock=None,
    per_member_limit=None,
    limit_period=None,
    valid_days=7,
    min_level="volunteer",
    space_minutes=None,
    available_from=None,
    available_until=None,
) -> Benefit:
    """Create a benefit unless the provider already offers one with this title (seed)."""
    owner = db.session.scalar(sa.select(Provider).filter_by(code=provider))
    if owner is None:
        raise InvalidInput(M.UNKNOWN_PROVIDER, field="provider")
    title_zh = text(title_zh, "title_zh", 80)
    found = db.session.scalar(sa.select(Benefit).filter_by(provider_id=owner.id, title_zh=title_zh))
    if found is not None:
        return found
    if category not in CATEGORIES:
        raise InvalidInput(M.ONE_OF, field="category", values=CATEGORIES)
    if min_level not in LEVELS:
        raise InvalidInput(shared.ONE_OF_LEVELS, field="min_level", values=LEVELS)
    if (per_member_limit is None) != (limit_period is None):
        raise InvalidInput(M.LIMIT_HALF_GIVEN, field="limit_period")
    if limit_period is not None and limit_period not in LIMIT_PERIODS:
        raise InvalidInput(M.ONE_OF, field="limit_period", values=LIMIT_PERIODS)
    if (category == "space_use") != (space_minutes is not None):
        raise InvalidInput(M.SPACE_MINUTES_MISPLACED, field="space_minutes")
    for name, value in (("available_from", available_from), ("available_until", available_until)):
        if value is not None and not isinstance(value, date):
            raise InvalidInput(M.NOT_A_DATE, field=name)
    stock = whole(stock, "stock", 0, 1_000_000, optional=True)
    benefit = Benefit(
        provider_id=owner.id,
        category=category,
        title_zh=title_zh,
        title_en=text(title_en, "title_en", 160),
        description_zh=text(description_zh, "description_zh", 500, required=False),
        description_en=text(description_en, "description_en", 800, required=False),
        points=whole(points, "points", 1, 100_000),
        stock_total=stock,
        stock_left=stock,
        per_member_limit=whole(per_member_limit, "per_member_limit", 1, 100, optional=True),
        limit_period=limit_period,
        valid_days=whole(valid_days, "valid_days", 1, 90),
        min_level=min_level,
        space_minutes=whole(space_minutes, "space_minutes", 1, 100_000, optional=True),
        available_from=available_from,
        available_until=available_until,
    )
    db.session.add(benefit)
    db.session.flush()
    return benefit


def _benefit_with_provider(_size: int) -> sa.Select:
    benefits_table, providers_table = Benefit.__table__, Provider.__table__
    return (
        sa.select(*columns(Benefit, Provider))
        .join_from(benefits_table, providers_table)
        .where(benefits_table.c.id == sa.bindparam("id"))
    )


def get_benefit(benefit_id) -> Benefit:
    """The active benefit `benefit_id` with its provider. Every redemption reads it first:
    one prepared statement, the session's own object when it holds the benefit already."""
    found = None
    if is_id(benefit_id):
        found = db.session.identity_map.get(identity_key(Benefit, benefit_id))
        if found is None:
            with Statements() as run:
                params = {"id": benefit_id}
                rows = run.objects(_benefit_with_provider, 1, params, Benefit, Provider)
            if rows:
                found, provider = rows[0]
                if "provider" not in instance_dict(found):
                    set_committed_value(found, "provider", provider)
    if found is None or not found.active:
        raise NotFound(M.NO_SUCH_BENEFIT, field="benefit_id")
    return found


def providers() -> list[Provider]:
    return list(db.session.scalars(sa.select(Provider).order_by(Provider.id)))


def may_redeem(member: Member, benefit: Benefit) -> bool:
    return LEVELS.index(member.level) >= LEVELS.index(benefit.min_level)


def benefits(
    member: Member | None = None,
    *,
    category: str | None = None,
    provider_id: int | None = None,
    affordable: bool = False,
    host_only: bool = False,
    search: str | None = None,
    limit: int = 400,
    offset: int = 0,
) -> list[Benefit]:
    """Active benefits, filtered (an unknown category or merchant is a field error, never an
    empty list); `affordable` keeps what the member could redeem now: their
    available points buy it, their level allows it, it is in stock and on offer, and they
    have not reached its per-member limit for the period."""
    query = _benefits_query(member, category, provider_id, affordable, host_only, search)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


BENEFITS_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class BenefitPage:
    """One page of a filtered benefits list: its items and where it sits among the pages."""

    items: list[Benefit]
    page: int
    pages: int  # at least 1, even when nothing matches
    total: int

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def benefit_page(
    member: Member | None = None,
    *,
    page=1,
    per_page=BENEFITS_PER_PAGE,
    category: str | None = None,
    provider_id: int | None = None,
    affordable: bool = False,
    host_only: bool = False,
    search: str | None = None,
) -> BenefitPage:
    """`benefits`, `per_page` at a time (page 1 first); a page past the last shows the last."""
    page = whole(page, "page", 1, MAX_PAGE)
    per_page = whole(per_page, "per_page", 1, MAX_PER_PAGE)
    query = _benefits_query(member, category, provider_id, affordable, host_only, search)
    total = int(db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())))
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return BenefitPage(items=items, page=page, pages=pages, total=total)


def _benefits_query(member, category, provider_id, affordable, host_only, search) -> sa.Select:
    query = sa.select(Benefit).where(Benefit.active).order_by(Benefit.points, Benefit.id)
    if category:
        if category not in CATEGORIES:
            raise InvalidInput(M.ONE_OF, field="category", values=CATEGORIES)
        query = query.where(Benefit.category == category)
    if provider_id is not None:
        if not is_id(provider_id) or db.session.get(Provider, provider_id) is None:
            raise InvalidInput(M.UNKNOWN_MERCHANT, field="provider_id")
        query = query.where(Benefit.provider_id == provider_id)
    if host_only:
        query = query.where(Benefit.min_level == "host")
    if search and search.strip():
        # The text is matched literally (no LIKE wildcards), ignoring case.
        escaped = re.sub(r"([\\%_])", r"\\\1", search.strip())
        like = f"%{escaped}%"
        query = query.where(
            sa.or_(
                Benefit.title_zh.ilike(like, escape="\\"),
                Benefit.title_en.ilike(like, escape="\\"),
            )
        )
    if affordable and member is not None:
        available = spendable(member)
        allowed = LEVELS[: LEVELS.index(member.level) + 1]
        today = local_today()
        query = query.where(
            Benefit.points <= available,
            Benefit.min_level.in_(allowed),
            sa.or_(Benefit.stock_left.is_(None), Benefit.stock_left > 0),
            sa.or_(Benefit.available_from.is_(None), Benefit.available_from <= today),
            sa.or_(Benefit.available_until.is_(None), Benefit.available_until >= today),
            sa.or_(
                Benefit.per_member_limit.is_(None),
                _used_in_period(member.id, utcnow()) < Benefit.per_member_limit,
            ),
        )
    return query


def spendable(member: Member) -> int:
    """The points the member can spend now: the wallet less what vouchers and bookings hold."""
    return ledger.wallet_balances(member.id)["points"].available


@dataclass(frozen=True)
class Offer:
    """What one benefit is to one member now. `blocked` names the first rule other than
    points that stops her ("level", "sold_out", "not_yet", "ended", "limit"); `short` is how
    many more points she needs (0 when her spendable points pay for one)."""

    blocked: str | None
    short: int

    @property
    def redeemable(self) -> bool:
        return self.blocked is None and self.short == 0


def offers(member: Member, benefits: list[Benefit], *, now: datetime | None = None) -> dict:
    """benefit id → `Offer` for each of `benefits`: the rules `redeem` applies, read ahead."""
    now = now or utcnow()
    today = _local_date(now)
    points = spendable(member)
    found = {}
    for benefit in benefits:
        blocked = None
        if not may_redeem(member, benefit):
            blocked = "level"
        elif benefit.stock_left == 0:
            blocked = "sold_out"
        elif benefit.available_from and today < benefit.available_from:
            blocked = "not_yet"
        elif benefit.available_until and today > benefit.available_until:
            blocked = "ended"
        elif most_redeemable(member, benefit, now) == 0:
            blocked = "limit"
        found[benefit.id] = Offer(blocked=blocked, short=max(benefit.points - points, 0))
    return found


# ---------------------------------------------------------------------------- redeem


def _period_start(period: str, now: datetime) -> datetime | None:
    today = _local_date(now)
    if period == "day":
        return _start_of(today)
    if period == "week":
        return _start_of(today - timedelta(days=today.weekday()))
    if period == "month":
        return _start_of(today.replace(day=1))
    if period == "year":
        return _start_of(today.replace(month=1, day=1))
    return None  # "ever"


def _used(member_id: int, benefit: Benefit, now: datetime) -> int:
    query = sa.select(sa.func.coalesce(sa.func.sum(Redemption.quantity), 0)).where(
        Redemption.member_id == member_id,
        Redemption.benefit_id == benefit.id,
        Redemption.status.in_(("held", "confirmed")),
    )
    start = _period_start(benefit.limit_period, now)
    if start is not None:
        query = query.where(Redemption.created_at >= start)
    return int(db.session.scalar(query))


def _used_in_period(member_id: int, now: datetime) -> sa.ScalarSelect:
    """`_used` for every benefit of a query at once: a subquery correlated to `Benefit`."""
    period_start = sa.case(
        {
            period: sa.literal(_period_start(period, now), UTCDateTime)
            for period in LIMIT_PERIODS
            if period != "ever"
        },
        value=Benefit.limit_period,
    )
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Redemption.quantity), 0))
        .where(
            Redemption.member_id == member_id,
            Redemption.benefit_id == Benefit.id,
            Redemption.status.in_(("held", "confirmed")),
            sa.or_(Benefit.limit_period == "ever", Redemption.created_at >= period_start),
        )
        .scalar_subquery()
    )


def most_redeemable(member: Member, benefit: Benefit, now: datetime | None = None) -> int:
    """How many of the benefit the member may still redeem now, at most MAX_QUANTITY: what
    is left in stock and of their per-member limit for the period (points aside: the
    redemption itself says when they are short)."""
    most = MAX_QUANTITY
    if benefit.stock_left is not None:
        most = min(most, benefit.stock_left)
    if benefit.per_member_limit is not None:
        used = _used(member.id, benefit, now or utcnow())
        most = min(most, benefit.per_member_limit - used)
    return max(most, 0)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


_VOUCHER_FIELDS = tuple(c.name for c in Redemption.__table__.columns if c.name != "id")


def _add_voucher(_size: int):
    """A voucher's row, unless its code is taken: then no id comes back, and the writer draws
    another code (the unique key decides, in the same statement)."""
    table = Redemption.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return (
        insert.values({f: sa.bindparam(f, type_=table.c[f].type) for f in _VOUCHER_FIELDS})
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(table.c.id)
    )


def _write_voucher(**values) -> Redemption:
    """Insert the voucher `values` describe with a fresh code; the persistent Redemption."""
    values = {f: values.get(f) for f in _VOUCHER_FIELDS}
    stamped = dict(values)
    with Statements() as run:
        for name in ("created_at", "expires_at"):
            stamped[name] = run.stamp(values[name])
        while True:
            values["code"] = stamped["code"] = _new_code()
            found = run.run(_add_voucher, 1, stamped).fetchone()
            if found is not None:
                return persistent(Redemption, **values, id=found[0])


def _key(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_KEY or not value.isprintable():
        raise InvalidInput(M.IDEMPOTENCY_KEY_SHAPE, field="Idempotency-Key", limit=MAX_KEY)
    return value


def _take_stock(benefit: Benefit, quantity: int) -> None:
    if benefit.stock_left is None:
        return
    taken = db.session.execute(
        sa.update(Benefit)
        .where(Benefit.id == benefit.id, Benefit.stock_left >= quantity)
        .values(stock_left=Benefit.stock_left - quantity)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Conflict(M.SOLD_OUT, field="benefit_id")
    db.session.expire(benefit, ["stock_left"])


def _return_stock(redemption: Redemption) -> None:
    db.session.execute(
        sa.update(Benefit)
        .where(Benefit.id == redemption.benefit_id, Benefit.stock_left.is_not(None))
        .values(stock_left=Benefit.stock_left + redemption.quantity)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(redemption.benefit, ["stock_left"])


def redeem(
    member: Member,
    *,
    benefit_id,
    quantity=1,
    idempotency_key=None,
    actor: Member | None = None,
    counter: bool = False,
    now: datetime | None = None,
) -> Redemption:
    """Take stock and hold the points; the member gets a voucher with a short code.

    `actor` is who presses Redeem when it is not the member (代办: a helper the member named
    for `redeem`, or with `counter` a social worker with the member there in person): the
    member's wallet pays, the voucher is the member's, the hold and the voucher say who
    acted, and the member is told.

    The same idempotency key with the same request returns the first voucher; with a
    different request it is a conflict naming the fields that differ."""
    now = now or utcnow()
    on_behalf = helpers.authorise(actor, member, "redeem", counter=counter, now=now)
    key = _key(idempotency_key)
    if key is not None:
        lock_key(db.session, f"redemption:{member.id}:{key}")
        earlier = db.session.scalar(
            sa.select(Redemption).filter_by(member_id=member.id, idempotency_key=key)
        )
        if earlier is not None:
            differing = [
                name
                for name, (first, again) in {
                    "benefit_id": (earlier.benefit_id, benefit_id),
                    "quantity": (earlier.quantity, quantity),
                }.items()
                if first != again
            ]
            if differing:
                raise IdempotencyConflict(differing)
            return earlier
    quantity = whole(quantity, "quantity", 1, MAX_QUANTITY)
    benefit = get_benefit(benefit_id)
    if member.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    if not may_redeem(member, benefit):
        raise Forbidden(M.LEVEL_NEEDED, level=benefit.min_level)
    today = _local_date(now)
    if benefit.available_from and today < benefit.available_from:
        raise Conflict(M.OPENS_ON, date=benefit.available_from)
    if benefit.available_until and today > benefit.available_until:
        raise Conflict(M.CLOSED_ON, date=benefit.available_until)
    if benefit.per_member_limit is not None:
        # One member's redemptions of one benefit run one at a time.
        lock_key(db.session, f"redeem-limit:{member.id}:{benefit.id}")
        used = _used(member.id, benefit, now)
        if used + quantity > benefit.per_member_limit:
            raise Conflict(
                M.LIMIT_REACHED,
                field="quantity",
                limit=benefit.per_member_limit,
                period=benefit.limit_period,
                used=used,
            )
    points = benefit.points * quantity
    _take_stock(benefit, quantity)
    expires_at = now + timedelta(days=benefit.valid_days)
    wallet, merchant = ledger.wallet_and_system_ids(member.id, f"redeemed:{benefit.provider.code}")
    hold = ledger.hold(
        source=wallet,
        destination=merchant,
        amount=points,
        kind="redeem",
        expires_at=expires_at,
        actor_id=on_behalf.actor.id if on_behalf else member.id,
        memo=f"兑换 {benefit.title_zh} ×{quantity}",
        now=now,
    )
    redemption = _write_voucher(
        benefit_id=benefit.id,
        provider_id=benefit.provider_id,
        member_id=member.id,
        quantity=quantity,
        points=points,
        hold_id=hold.id,
        status="held",
        idempotency_key=key,
        created_at=now,
        expires_at=expires_at,
        acted_by=on_behalf.actor.id if on_behalf else None,
        helper_grant_id=on_behalf.grant_id if on_behalf else None,
    )
    helpers.tell_acted(
        member,
        on_behalf,
        render.names(
            f"兑换了 {benefit.title_zh} ×{quantity}（{points} 积分）",
            f"redeemed {benefit.title_en} ×{quantity} ({points} points)",
        ),
        subject=f"helper-acted:{_subject(redemption)}",
        now=now,
    )
    if benefit.category == "space_use" and current_app.config["SPACE_RIGHTS_CONFIRM"] == "instant":
        _confirm(redemption, actor_id=None, now=now)
    return redemption


def get_redemption(redemption_id) -> Redemption:
    found = db.session.get(Redemption, redemption_id) if is_id(redemption_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_VOUCHER, field="redemption")
    return found


def own_redemption(redemption_id, member: Member) -> Redemption:
    found = get_redemption(redemption_id)
    if found.member_id != member.id:
        raise NotFound(M.NO_SUCH_VOUCHER, field="redemption")
    return found


def _end(
    redemption: Redemption, status: str, now: datetime, *, actor_id: int | None = None
) -> Redemption:
    """Cancel or expire: stock back first, then the points (the lock order), once. An
    expired voucher's hold is past its own expiry: the ledger's expiry releases it.
    `actor_id`: who cancelled for the member (代办), when not the member."""
    _return_stock(redemption)
    if status == "cancelled":
        if ledger.get_hold(redemption.hold_id).status != "pending":
            raise Conflict(_ended_message(redemption))
        ledger.void_hold(
            redemption.hold_id,
            actor_id=actor_id or redemption.member_id,
            reason="voucher cancelled",
            now=now,
        )
        redemption.cancelled_by = actor_id
    redemption.status = status
    redemption.ended_at = now
    db.session.flush()
    notifications.settle(_subject(redemption), now=now)
    return redemption


def _subject(redemption: Redemption) -> str:
    return f"voucher:{redemption.id}"


def _tell(redemption: Redemption, kind, now: datetime, *, once: str | None = None, **params):
    """Tell the voucher's holder what became of it (in the transaction of the change)."""
    benefit = redemption.benefit
    provider = benefit.provider
    return notifications.notify(
        db.session.get(Member, redemption.member_id),
        kind,
        subject=_subject(redemption),
        once=once,
        now=now,
        voucher=redemption.id,
        benefit_id=benefit.id,
        benefit=render.names(benefit.title_zh, benefit.title_en),
        merchant=render.names(provider.name_zh, provider.name_en),
        points=redemption.points,
        quantity=redemption.quantity,
        expires=redemption.expires_at,
        **params,
    )


def _ended_message(redemption: Redemption) -> Said:
    if redemption.status == "cancelled":
        return M.CANCELLED_AT(time=redemption.ended_at)
    return M.EXPIRED_AT(time=redemption.expires_at)


def cancel(
    redemption: Redemption,
    *,
    member: Member,
    actor: Member | None = None,
    counter: bool = False,
    now: datetime | None = None,
) -> Redemption:
    """The member gives back an unconfirmed voucher: points and stock return.

    `actor` cancels for the member (代办: a helper the member named for `redeem`, or with
    `counter` a social worker with the member there in person) under the same rules; the
    voucher records who, and the member is told."""
    now = now or utcnow()
    if redemption.member_id != member.id:
        raise NotFound(M.NO_SUCH_VOUCHER, field="redemption")
    on_behalf = helpers.authorise(actor, member, "redeem", counter=counter, now=now)
    redemption = lock_row(db.session, redemption)
    if redemption.status == "cancelled":
        return redemption
    if redemption.status == "confirmed":
        raise Conflict(M.ALREADY_USED)
    if redemption.status == "expired" or redemption.expires_at <= now:
        raise Conflict(_ended_message(redemption))
    _end(redemption, "cancelled", now, actor_id=on_behalf.actor.id if on_behalf else None)
    benefit = redemption.benefit
    helpers.tell_acted(
        member,
        on_behalf,
        render.names(
            f"取消了 {benefit.title_zh} ×{redemption.quantity} 的券"
            f"（{redemption.points} 积分已退回）",
            f"cancelled the voucher for {benefit.title_en} ×{redemption.quantity}"
            f" ({redemption.points} points given back)",
        ),
        subject=f"helper-acted:cancel:{_subject(redemption)}",
        now=now,
    )
    return redemption


def expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Void vouchers not confirmed in time: points and stock come back. Returns how many."""
    now = now or utcnow()
    # Never wait on a voucher someone is cancelling or confirming (no lock cycle with them):
    # skip it; the next sweep takes it if it is still due.
    due_ids = db.session.scalars(
        sa.select(Redemption.id)
        .where(Redemption.status == "held", Redemption.expires_at <= now)
        .order_by(Redemption.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    ended = 0
    for redemption_id in due_ids:
        redemption = db.session.get(Redemption, redemption_id)
        db.session.refresh(redemption)
        if redemption.status == "held":
            _end(redemption, "expired", now)
            _tell(redemption, M.VOUCHER_EXPIRED, now)
            ended += 1
    if ended:
        ledger.expire_holds(now=now)
    return ended


def remind_expiring(*, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep: remind each holder of an unused voucher that expires within
    VOUCHER_REMIND_DAYS (two), once per voucher. A voucher valid for no longer than that is
    not reminded: it was just taken. Returns how many reminders it wrote."""
    now = now or utcnow()
    ahead = timedelta(days=VOUCHER_REMIND_DAYS)
    due = db.session.scalars(
        sa.select(Redemption)
        .where(
            Redemption.status == "held",
            Redemption.expires_at > now,
            Redemption.expires_at <= now + ahead,
        )
        .order_by(Redemption.expires_at, Redemption.id)
        .limit(limit)
    ).all()
    written = 0
    for redemption in due:
        if redemption.expires_at - redemption.created_at <= ahead:
            continue
        told = _tell(redemption, M.VOUCHER_EXPIRING, now, once=f"voucher-expiring:{redemption.id}")
        written += told is not None
    return written


# ---------------------------------------------------------------------------- confirm


# Full-width forms (Ａ, ２, －) that a Chinese input method types, as their ASCII characters.
_FULL_WIDTH = {point: point - 0xFEE0 for point in range(0xFF01, 0xFF5F)}
# Not part of a code: dashes of any kind, and the invisible characters a scanner or a copy
# adds around it (Enter, Tab, STX/ETX, zero-width spaces); spaces are dropped as well.
_NOT_CODE = ("Pd", "Cc", "Cf")
MAX_TYPED = 100


def normalise_code(value) -> str:
    """What staff type or a scanner sends: the voucher QR code holds the bare 9 characters,
    the voucher shows them as ABC-DEF-GHJ; any case, spaces, dashes and full-width forms."""
    if not isinstance(value, str) or len(value) > MAX_TYPED:
        raise InvalidInput(M.CODE_TYPED, field="code")
    code = "".join(
        c
        for c in value.translate(_FULL_WIDTH)
        if not c.isspace() and unicodedata.category(c) not in _NOT_CODE
    ).upper()
    if not CODE_SHAPE.match(code):
        raise InvalidInput(M.CODE_TYPED, field="code")
    return code


def counter_providers(staff: Member) -> list[int]:
    """Providers whose vouchers this member may confirm: their merchant's, and for social
    workers the community's own (space-use rights, publicity), admins every community's."""
    ids = set(staff.merchant_ids)
    if staff.has_role("admin") or staff.has_role("social_worker"):
        query = sa.select(Provider.id).where(Provider.kind == "community")
        if not staff.has_role("admin"):
            query = query.where(Provider.community_id == staff.community_id)
        ids.update(db.session.scalars(query))
    return sorted(ids)


def _grant_space(redemption: Redemption, now: datetime) -> None:
    minutes = redemption.benefit.space_minutes * redemption.quantity
    grant = ledger.transfer(
        kind="grant",
        source=ledger.system_account("issuance", "space_minutes"),
        destination=ledger.member_wallet(redemption.member_id, "space_minutes"),
        amount=minutes,
        memo=f"空间使用权 {redemption.benefit.title_zh} ×{redemption.quantity}",
        idempotency_key=f"space-right:{redemption.id}",
        now=now,
    )
    redemption.grant_id = grant.id


def _confirm(redemption: Redemption, *, actor_id: int | None, now: datetime) -> Redemption:
    try:
        posted = ledger.post_hold(redemption.hold_id, actor_id=actor_id, now=now)
    except HoldNotPending:  # the ledger expired it a moment ago: the voucher has expired
        raise Conflict(_ended_message(redemption)) from None
    redemption.status = "confirmed"
    redemption.confirmed_at = now
    redemption.confirmed_by = actor_id
    redemption.transfer_id = posted.id
    if redemption.benefit.category == "space_use":
        _grant_space(redemption, now)
    db.session.flush()
    notifications.settle(_subject(redemption), now=now)
    return redemption


def _counter_voucher(code, staff: Member) -> Redemption:
    """The voucher with this code among the staff member's providers' (another's: not found)."""
    code = normalise_code(code)
    allowed = counter_providers(staff)
    if not allowed:
        raise Forbidden(M.STAFF_CONFIRM)
    redemption = db.session.scalar(
        sa.select(Redemption).where(Redemption.code == code, Redemption.provider_id.in_(allowed))
    )
    if redemption is None:
        raise NotFound(M.NO_VOUCHER_HERE, field="code")
    return redemption


def _refuse_unusable(redemption: Redemption, now: datetime) -> None:
    if redemption.status == "confirmed":
        who = redemption.confirmer.name if redemption.confirmer else M.THE_SYSTEM()
        raise Conflict(M.CONFIRMED_AT, time=redemption.confirmed_at, name=who)
    if redemption.status in ("cancelled", "expired") or redemption.expires_at <= now:
        raise Conflict(_ended_message(redemption))


def preview(code, *, staff: Member, now: datetime | None = None) -> Redemption:
    """What a typed or scanned code is, before 确认核销: the voucher, refused as confirming it
    would be refused. Changes nothing."""
    now = now or utcnow()
    redemption = _counter_voucher(code, staff)
    _refuse_unusable(redemption, now)
    return redemption


def confirm(code, *, staff: Member, now: datetime | None = None) -> Redemption:
    """核销: staff of the providing merchant confirm a voucher by its code, once."""
    now = now or utcnow()
    redemption = lock_row(db.session, _counter_voucher(code, staff))
    _refuse_unusable(redemption, now)
    _confirm(redemption, actor_id=staff.id, now=now)
    _tell(redemption, M.VOUCHER_CONFIRMED, now, time=now)
    return redemption


# ---------------------------------------------------------------------------- undo (撤销)


def undo_minutes() -> int:
    """How long after confirming the counter may undo it (COUNTER_UNDO_MINUTES)."""
    return current_app.config["COUNTER_UNDO_MINUTES"]


def undo_until(redemption: Redemption) -> datetime | None:
    """Until when this voucher's confirmation may be undone; None when there is none to undo
    (not confirmed, or a space-use right, whose minutes are credited at once)."""
    if redemption.status != "confirmed" or redemption.benefit.category == "space_use":
        return None
    return redemption.confirmed_at + timedelta(minutes=undo_minutes())


def counter_redemption(redemption_id, *, staff: Member) -> Redemption:
    """A voucher of one of the staff member's providers; another provider's is not found."""
    allowed = counter_providers(staff)
    if not allowed:
        raise Forbidden(M.STAFF_CONFIRM)
    found = get_redemption(redemption_id)
    if found.provider_id not in allowed:
        raise NotFound(M.NO_SUCH_VOUCHER, field="redemption")
    return found


def undos_of(redemption: Redemption) -> list[CounterUndo]:
    return list(
        db.session.scalars(
            sa.select(CounterUndo).filter_by(redemption_id=redemption.id).order_by(CounterUndo.id)
        )
    )


def undo_confirmation(
    redemption: Redemption, *, staff: Member, now: datetime | None = None
) -> Redemption:
    """撤销: within COUNTER_UNDO_MINUTES of a confirmation, staff of the same provider make
    the voucher usable again. The confirming transfer is reversed and the points held again
    under a new hold with the voucher's own expiry (the stock never moved); the undo is
    recorded with who and when, and the member told. A voucher already undone is left as it
    is, so a second undo (or a repeated request) changes nothing."""
    redemption = counter_redemption(redemption.id, staff=staff)
    redemption = lock_row(db.session, redemption)
    # The clock is read under the lock: a confirmation committed while this waited for it
    # is earlier than this undo, never after it.
    now = now or utcnow()
    if redemption.status == "confirmed" and now < redemption.confirmed_at:
        raise Conflict(M.NOT_CONFIRMED)
    if redemption.status != "confirmed":
        undone = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CounterUndo)
            .where(CounterUndo.redemption_id == redemption.id)
        )
        if undone:
            return redemption
        raise Conflict(M.NOT_CONFIRMED)
    until = undo_until(redemption)
    if until is None:
        raise Conflict(M.UNDO_SPACE_RIGHT)
    if now > until:
        raise Conflict(M.UNDO_TOO_LATE, time=redemption.confirmed_at, minutes=undo_minutes())
    if redemption.expires_at <= now:
        raise Conflict(M.UNDO_EXPIRED, time=redemption.expires_at)
    benefit = redemption.benefit
    confirmation = ledger.get_transfer(redemption.transfer_id)
    reversal = ledger.reverse_transfer(
        confirmation,
        reason=f"撤销核销 {benefit.title_zh} ×{redemption.quantity}",
        actor_id=staff.id,
        now=now,
    )
    again = ledger.hold(
        source=ledger.member_wallet(redemption.member_id),
        destination=ledger.system_account(f"redeemed:{benefit.provider.code}"),
        amount=redemption.points,
        kind="redeem",
        expires_at=redemption.expires_at,
        actor_id=staff.id,
        memo=f"兑换 {benefit.title_zh} ×{redemption.quantity}",
        now=now,
    )
    db.session.add(
        CounterUndo(
            redemption_id=redemption.id,
            posted_hold_id=redemption.hold_id,
            confirmation_id=confirmation.id,
            reversal_id=reversal.id,
            hold_id=again.id,
            confirmed_by=redemption.confirmed_by,
            confirmed_at=redemption.confirmed_at,
            undone_by=staff.id,
            undone_at=now,
        )
    )
    redemption.status = "held"
    redemption.hold_id = again.id
    redemption.transfer_id = None
    redemption.confirmed_at = None
    redemption.confirmed_by = None
    db.session.flush()
    _tell(redemption, M.VOUCHER_UNDONE, now, time=now)
    return redemption


# ---------------------------------------------------------------------------- reading


def vouchers_of(member: Member, *, limit: int = 100) -> list[Redemption]:
    return list(
        db.session.scalars(
            sa.select(Redemption)
            .filter_by(member_id=member.id)
            .order_by(Redemption.id.desc())
            .limit(limit)
        )
    )


def waiting_vouchers(member: Member, *, now: datetime | None = None) -> list[Redemption]:
    """The member's vouchers still to be used (held, not past their expiry), soonest to
    expire first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Redemption)
            .where(
                Redemption.member_id == member.id,
                Redemption.status == "held",
                Redemption.expires_at > now,
            )
            .order_by(Redemption.expires_at, Redemption.id)
        )
    )


def vouchers_by_hold(hold_ids) -> dict[int, Redemption]:
    """hold id → the voucher whose points that ledger hold keeps (holds of vouchers only)."""
    ids = list(hold_ids)
    if not ids:
        return {}
    found = db.session.scalars(sa.select(Redemption).where(Redemption.hold_id.in_(ids)))
    return {r.hold_id: r for r in found}


def vouchers_by_transfer(transfer_ids) -> dict[int, Redemption]:
    """transfer id → the voucher that ledger transfer used (a statement line's voucher)."""
    ids = [i for i in transfer_ids if i is not None]
    if not ids:
        return {}
    found = db.session.scalars(sa.select(Redemption).where(Redemption.transfer_id.in_(ids)))
    return {r.transfer_id: r for r in found}


def confirmed_on(provider_ids: list[int], day: date) -> list[Redemption]:
    start = _start_of(day)
    return list(
        db.session.scalars(
            sa.select(Redemption)
            .where(
                Redemption.provider_id.in_(provider_ids),
                Redemption.status == "confirmed",
                Redemption.confirmed_at >= start,
                Redemption.confirmed_at < start + timedelta(days=1),
            )
            .order_by(Redemption.confirmed_at.desc())
        )
    )


@dataclass(frozen=True)
class StatementLine:
    status: str
    vouchers: int
    points: int


def month_bounds(month) -> tuple[datetime, datetime]:
    if not isinstance(month, str) or not re.match(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", month):
        raise InvalidInput(M.MONTH_SHAPE, field="month")
    first = date(int(month[:4]), int(month[5:]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return _start_of(first), _start_of(following)


def month_statement(provider_ids: list[int], month: str):
    """Vouchers issued, confirmed, cancelled and expired in a month, with their points, and
    the vouchers themselves for export."""
    start, end = month_bounds(month)
    ours = Redemption.provider_id.in_(provider_ids)
    moments = {
        "issued": Redemption.created_at,
        "confirmed": Redemption.confirmed_at,
        "cancelled": Redemption.ended_at,
        "expired": Redemption.ended_at,
    }
    lines = []
    for status, moment in moments.items():
        query = sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(Redemption.points), 0)
        ).where(ours, moment >= start, moment < end)
        if status != "issued":
            query = query.where(Redemption.status == status)
        count, points = db.session.execute(query).one()
        lines.append(StatementLine(status, int(count), int(points)))
    rows = db.session.scalars(
        sa.select(Redemption)
        .where(
            ours,
            sa.or_(
                sa.and_(Redemption.created_at >= start, Redemption.created_at < end),
                sa.and_(Redemption.confirmed_at >= start, Redemption.confirmed_at < end),
                sa.and_(Redemption.ended_at >= start, Redemption.ended_at < end),
            ),
        )
        .order_by(Redemption.id)
    ).all()
    return lines, rows


def masked_name(name: str) -> str:
    """Merchants see 王** rather than a member's full name."""
    return name[:1] + "*" * max(len(name) - 1, 1)
