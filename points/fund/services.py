"""Fund verbs: record income with its 反哺 share, set rates, settle a host's month, and take
a grant from request to payment (or reversal). See `points.fund.models` for the accounts.

Every verb takes the acting member, validates everything before it writes, raises a
`PointsError`, flushes and never commits. Other domains record money through `record_income`
(spaces for a 市场 booking's rent; programmes for session fees, by an opaque `subject`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from points import clock
from points.database import MAX_ID, lock_key, lock_row, utcnow
from points.errors import (
    Conflict,
    Forbidden,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
)
from points.extensions import db
from points.fund import messages as M
from points.fund.models import (
    BASES,
    MAX_BP,
    METHODS,
    PAYER_KINDS,
    SOURCES,
    FundRate,
    Grant,
    GrantApproval,
    IncomeEntry,
    IncomeReversal,
    SettlementPayment,
)
from points.ledger import services as ledger
from points.members import services as members
from points.members.models import Community, Member
from points.money import typed_fen, yuan
from points.notifications import services as notifications

MONEY = "cny"
MAX_FEN = 100_000_000  # ¥1,000,000 in one entry at most
GRANT_HOLD_DAYS = 400  # an approved grant's amount stays set aside this long at most
TIERS_OF = {"session_fee": ("low_fee", "market"), "market_rent": ("market",), "sponsorship": ()}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# ---------------------------------------------------------------------------- money


def parse_yuan(value, field: str = "amount") -> int:
    """Fen from a yuan amount typed on a page ("120", "120.5", "¥1,200.50")."""
    amount = typed_fen(value)
    if amount is None:
        raise InvalidInput(M.YUAN, field=field)
    return fen(amount, field)


def fen(value, field: str = "amount_fen") -> int:
    """A whole number of fen from 1 to MAX_FEN."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_FEN:
        raise InvalidInput(M.AMOUNT_FEN, field=field, high=MAX_FEN)
    return value


def share_of(amount_fen: int, rate_bp: int) -> int:
    """The fund's share of an amount: rate_bp / 10,000 of it, rounded half up to a fen."""
    return (amount_fen * rate_bp + MAX_BP // 2) // MAX_BP


def percent_to_bp(value, field: str = "rate") -> int:
    """Basis points from a percentage typed on a page ("12.5" → 1250)."""
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(M.PERCENT, field=field) from None
    bp = number * 100
    if bp != bp.to_integral_value() or not 0 <= bp <= MAX_BP:
        raise InvalidInput(M.PERCENT, field=field)
    return int(bp)


# ---------------------------------------------------------------------------- input


def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(M.REQUIRED, field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(M.REQUIRED, field=field)
    if len(value) > limit:
        raise InvalidInput(M.TOO_LONG, field=field, limit=limit)
    return value


def _choice(value, field: str, values: tuple[str, ...]) -> str:
    if value not in values:
        raise InvalidInput(M.ONE_OF, field=field, values=list(values))
    return value


def _day(value, field: str) -> date:
    if isinstance(value, datetime):
        raise InvalidInput(M.DAY, field=field)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput(M.DAY, field=field)


def month_of(value, field: str = "month") -> str:
    """A month as YYYY-MM."""
    if not isinstance(value, str) or not _MONTH.match(value.strip()):
        raise InvalidInput(M.MONTH, field=field)
    return value.strip()


def month_range(month: str) -> tuple[date, date]:
    """The first day of `month` and of the month after it."""
    year, number = map(int, month.split("-"))
    first = date(year, number, 1)
    after = date(year + (number == 12), number % 12 + 1, 1)
    return first, after


def _row_id(value) -> int | None:
    """An id as a row could have it (a whole number that fits the id column), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


# ---------------------------------------------------------------------------- who


def get_community(community_id) -> Community:
    found = None
    if _row_id(community_id) is not None:
        found = db.session.get(Community, community_id)
    if found is None:
        raise NotFound(M.NO_SUCH_COMMUNITY, field="community")
    return found


def is_staff_of(member: Member | None, community_id: int) -> bool:
    """Staff of the community: its social workers, and the street's admins."""
    if member is None or not getattr(member, "is_authenticated", True):
        return False
    if member.has_role("admin"):
        return True
    return member.has_role("social_worker") and member.community_id == community_id


def may_record_income(member: Member | None, community_id: int) -> bool:
    """Hosts and staff record the money they take in."""
    if member is None or not getattr(member, "is_authenticated", True):
        return False
    return is_staff_of(member, community_id) or (
        member.level == "host" and member.community_id == community_id
    )


may_request_grant = may_record_income  # hosts and staff ask the fund for a governance project


def may_decide_grant(member: Member | None, grant: Grant) -> bool:
    """Staff of the grant's community other than its requester."""
    return is_staff_of(member, grant.community_id) and member.id != grant.requested_by


def may_pay_grant(member: Member | None, grant: Grant, now: datetime | None = None) -> bool:
    return (
        is_staff_of(member, grant.community_id)
        and grant.status == "approved"
        and grant.payable_from is not None
        and grant.payable_from <= (now or utcnow())
    )


def _require_staff(actor: Member, community_id: int) -> None:
    if not is_staff_of(actor, community_id):
        raise Forbidden(M.STAFF_ONLY)


def _staff_of(community_id: int) -> list[Member]:
    """Who acts on the fund of a community: its social workers, else the street's admins."""
    found = members.social_workers_of(community_id)
    if found:
        return found
    return list(
        db.session.scalars(
            sa.select(Member)
            .where(Member.roles.any(role="admin"), Member.status == "active")
            .order_by(Member.id)
        )
    )


# ---------------------------------------------------------------------------- accounts


def fund_account(community_id: int):
    return ledger.system_account(f"fund:{community_id}", MONEY)


def due_account(community_id: int, member_id: int):
    return ledger.system_account(f"fund_due:{community_id}.{member_id}", MONEY)


def collected_account(member_id: int):
    return ledger.system_account(f"collected:{member_id}", MONEY)


def income_account(source: str):
    return ledger.system_account(f"income:{source}", MONEY)


def grants_account(community_id: int):
    return ledger.system_account(f"grants:{community_id}", MONEY)


def fund_balance(community_id: int, now: datetime | None = None) -> ledger.Balance:
    """The fund's money as the ledger has it now: balance, held by approved grants, available."""
    return ledger.balance_of(fund_account(community_id), now=now)


# ---------------------------------------------------------------------------- rates


def basis_of(source: str, tier: str | None) -> str:
    """What a rate is set for: sponsorship has its own; fees and rent go by their tier."""
    return "sponsorship" if source == "sponsorship" else tier


def rate_in_force(community_id: int, basis: str, day: date) -> FundRate | None:
    """The version of the rate that applies to money paid on `day`."""
    return db.session.scalar(
        sa.select(FundRate)
        .where(
            FundRate.community_id == community_id,
            FundRate.basis == basis,
            FundRate.starts_on <= day,
        )
        .order_by(FundRate.starts_on.desc())
        .limit(1)
    )


def rates_of(community_id: int) -> list[FundRate]:
    """Every version of every rate, newest first within each basis."""
    return list(
        db.session.scalars(
            sa.select(FundRate)
            .where(FundRate.community_id == community_id)
            .order_by(FundRate.basis, FundRate.version.desc())
        )
    )


def set_rate(
    actor: Member,
    community_id: int,
    *,
    basis,
    rate_bp,
    starts_on,
    now: datetime | None = None,
) -> FundRate:
    """A new version of a 反哺 rate, applying to money paid from `starts_on` (today or later,
    and never to income already recorded for those days)."""
    now = now or utcnow()
    community = get_community(community_id)
    if not actor.has_role("admin"):
        raise Forbidden(M.ADMIN_ONLY)
    basis = _choice(basis, "basis", BASES)
    if isinstance(rate_bp, bool) or not isinstance(rate_bp, int) or not 0 <= rate_bp <= MAX_BP:
        raise InvalidInput(M.RATE_BP, field="rate_bp")
    starts_on = _day(starts_on, "starts_on")
    if starts_on < clock.today(now):
        raise InvalidInput(M.RATE_START_PAST, field="starts_on")
    lock_key(db.session, f"fund-rate:{community.id}:{basis}")
    recorded = db.session.scalar(
        sa.select(IncomeEntry.id)
        .where(
            IncomeEntry.community_id == community.id,
            IncomeEntry.paid_on >= starts_on,
            _basis_is(basis),
        )
        .limit(1)
    )
    if recorded is not None:
        raise Conflict(M.RATE_WOULD_CHANGE, field="starts_on", day=starts_on)
    latest = db.session.scalar(
        sa.select(sa.func.max(FundRate.version)).where(
            FundRate.community_id == community.id, FundRate.basis == basis
        )
    )
    rate = FundRate(
        community_id=community.id,
        basis=basis,
        version=(latest or 0) + 1,
        rate_bp=rate_bp,
        starts_on=starts_on,
        created_by=actor.id,
        created_at=now,
    )
    db.session.add(rate)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(M.RATE_START_TAKEN, field="starts_on", day=starts_on) from None
    return rate


def _basis_is(basis: str):
    if basis == "sponsorship":
        return IncomeEntry.source == "sponsorship"
    return sa.and_(IncomeEntry.source != "sponsorship", IncomeEntry.tier == basis)


# ---------------------------------------------------------------------------- income


_bookings = sa.table(
    "bookings",
    sa.column("id", sa.Integer),
    sa.column("space_id", sa.Integer),
    sa.column("tier", sa.String),
    sa.column("host_id", sa.Integer),
)
_spaces = sa.table("spaces", sa.column("id", sa.Integer), sa.column("community_id", sa.Integer))


def _market_booking(booking_id, community_id: int) -> int:
    """A 市场 booking of the community (spaces imports this domain, not the reverse)."""
    if _row_id(booking_id) is None:
        raise InvalidInput(M.NO_SUCH_BOOKING, field="booking_id")
    row = db.session.execute(
        sa.select(_bookings.c.tier, _spaces.c.community_id)
        .join(_spaces, _spaces.c.id == _bookings.c.space_id)
        .where(_bookings.c.id == booking_id)
    ).first()
    if row is None:
        raise InvalidInput(M.NO_SUCH_BOOKING, field="booking_id")
    if row.tier != "market" or row.community_id != community_id:
        raise InvalidInput(M.NOT_A_MARKET_BOOKING, field="booking_id")
    return booking_id


def entries_by_key(keys: list[str]) -> list[IncomeEntry]:
    """The income entries recorded under these idempotency keys (e.g. a session's fees)."""
    if not keys:
        return []
    return list(
        db.session.scalars(sa.select(IncomeEntry).where(IncomeEntry.idempotency_key.in_(keys)))
    )


def record_income(
    actor: Member,
    *,
    community_id,
    source,
    amount_fen,
    collector_id,
    payer_name,
    method,
    paid_on,
    idempotency_key,
    tier=None,
    payer_kind="resident",
    payer_phone="",
    reference="",
    booking_id=None,
    subject="",
    memo="",
    now: datetime | None = None,
) -> IncomeEntry:
    """Record money taken in and move the fund's share with it, in one ledger transfer.

    The same key with the same details returns the first entry; with other details it is a
    conflict naming the fields that differ. The share is the rate in force on `paid_on`."""
    now = now or utcnow()
    community = get_community(community_id)
    if not may_record_income(actor, community.id):
        raise Forbidden(M.HOSTS_AND_STAFF)
    source = _choice(source, "source", SOURCES)
    tiers = TIERS_OF[source]
    if tiers:
        tier = _choice(tier, "tier", tiers)
    elif tier not in (None, ""):
        raise InvalidInput(M.TIER_FOR_SOURCE, field="tier", source=source, tiers="none")
    else:
        tier = None
    amount_fen = fen(amount_fen)
    collector = db.session.get(Member, collector_id) if _row_id(collector_id) else None
    if collector is None or not may_record_income(collector, community.id):
        raise InvalidInput(M.NOT_A_COLLECTOR, field="collector_id")
    if not is_staff_of(actor, community.id) and collector.id != actor.id:
        raise InvalidInput(M.NOT_A_COLLECTOR, field="collector_id")
    payer_kind = _choice(payer_kind, "payer_kind", PAYER_KINDS)
    payer_name = _text(payer_name, "payer_name", 80, required=True)
    payer_phone = _text(payer_phone, "payer_phone", 20)
    method = _choice(method, "method", METHODS)
    reference = _text(reference, "reference", 80)
    paid_on = _day(paid_on, "paid_on")
    if paid_on > clock.today(now):
        raise InvalidInput(M.DAY_IN_FUTURE, field="paid_on")
    key = _text(idempotency_key, "idempotency_key", 180, required=True)
    if booking_id not in (None, ""):
        if source != "market_rent":
            raise InvalidInput(M.BOOKING_ONLY_FOR_RENT, field="booking_id")
        booking_id = _market_booking(booking_id, community.id)
    else:
        booking_id = None
    subject = _text(subject, "subject", 80)
    memo = _text(memo, "memo", 200)
    asked = {
        "community_id": community.id,
        "source": source,
        "tier": tier,
        "amount_fen": amount_fen,
        "collector_id": collector.id,
        "payer_kind": payer_kind,
        "payer_name": payer_name,
        "payer_phone": payer_phone,
        "method": method,
        "reference": reference,
        "paid_on": paid_on,
        "booking_id": booking_id,
        "subject": subject,
    }

    lock_key(db.session, "income:" + key)
    earlier = db.session.scalar(sa.select(IncomeEntry).filter_by(idempotency_key=key))
    if earlier is not None:
        differing = [f for f, v in asked.items() if getattr(earlier, f) != v]
        if differing:
            raise IdempotencyConflict(differing)
        return earlier

    rate = rate_in_force(community.id, basis_of(source, tier), paid_on)
    share = share_of(amount_fen, rate.rate_bp) if rate is not None else 0
    office = is_staff_of(collector, community.id)
    share_to = fund_account(community.id) if office else due_account(community.id, collector.id)
    legs = [(income_account(source), -amount_fen)]
    if amount_fen - share:
        legs.append((collected_account(collector.id), amount_fen - share))
    if share:
        legs.append((share_to, share))
    moved = ledger.post_transfer(
        kind="income",
        postings=legs,
        actor_id=actor.id,
        memo=f"{source} {paid_on:%Y-%m-%d} {reference}".strip()[:500],
        idempotency_key=f"income:{key}",
        now=now,
    )
    entry = IncomeEntry(
        **asked,
        share_fen=share,
        rate_id=rate.id if rate is not None else None,
        idempotency_key=key,
        memo=memo,
        transfer_id=moved.id,
        recorded_by=actor.id,
        recorded_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def get_income(entry_id) -> IncomeEntry:
    found = db.session.get(IncomeEntry, entry_id) if _row_id(entry_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_ENTRY, field="entry")
    return found


def income_of(community_id: int, *, collector_id: int | None = None, month: str | None = None):
    """Income entries, newest paid first (for staff and the collector's own list)."""
    query = sa.select(IncomeEntry).where(IncomeEntry.community_id == community_id)
    if collector_id is not None:
        query = query.where(IncomeEntry.collector_id == collector_id)
    if month is not None:
        first, after = month_range(month)
        query = query.where(IncomeEntry.paid_on >= first, IncomeEntry.paid_on < after)
    return list(
        db.session.scalars(query.order_by(IncomeEntry.paid_on.desc(), IncomeEntry.id.desc()))
    )


def rent_of_booking(booking_id: int) -> list[IncomeEntry]:
    """The market rent recorded for a booking, oldest first (a reversed one stays listed)."""
    return list(
        db.session.scalars(
            sa.select(IncomeEntry)
            .where(IncomeEntry.booking_id == booking_id, IncomeEntry.source == "market_rent")
            .order_by(IncomeEntry.id)
        )
    )


def may_reverse_income(member: Member | None, entry: IncomeEntry) -> bool:
    """Staff of the entry's community, while it is not reversed."""
    return is_staff_of(member, entry.community_id) and entry.reversal is None


def _still_owed(entry: IncomeEntry) -> int:
    """Of a host's share, what is still in their receivable for that month: neither handed
    over (confirmed) nor declared, and at most the receivable's balance."""
    month = settlement(entry.community_id, entry.collector_id, f"{entry.paid_on:%Y-%m}")
    due = ledger.balance_of(due_account(entry.community_id, entry.collector_id)).balance
    return max(0, min(entry.share_fen, month.outstanding - month.declared, due))


def reverse_income(
    actor: Member, entry_id, *, reason, now: datetime | None = None
) -> IncomeReversal:
    """Undo an income entry, once: the ledger's reversal of its transfer, its 反哺 share with
    it. What of a host's share the fund already received goes back to the host's receivable
    first, so the fund gives back only what it had; refused when the fund no longer has it.
    The collector is told (when someone else reverses it)."""
    now = now or utcnow()
    entry = get_income(entry_id)
    _require_staff(actor, entry.community_id)
    reason = _text(reason, "reason", 500, required=True)
    entry = lock_row(db.session, entry)
    earlier = db.session.scalar(sa.select(IncomeReversal).filter_by(entry_id=entry.id))
    if earlier is not None:
        raise Conflict(
            M.INCOME_REVERSED_ALREADY, field="entry", entry=entry.id, at=earlier.reversed_at
        )
    fund = fund_account(entry.community_id)
    # Where the share went when it was recorded (the collector's role may have changed since).
    recorded = ledger.get_transfer(entry.transfer_id)
    office = fund.id in {p.account_id for p in recorded.postings}
    if office or not entry.share_fen:
        from_fund, returned = entry.share_fen, 0
    else:
        lock_key(db.session, f"settle:{entry.community_id}:{entry.collector_id}")
        returned = entry.share_fen - _still_owed(entry)
        from_fund = returned
    available = ledger.balance_of(fund, now=now).available
    if from_fund > available:
        raise Conflict(
            M.REVERSAL_FUND_SHORT, field="entry", have=yuan(available), need=yuan(from_fund)
        )
    return_transfer = None
    try:
        if returned:
            return_transfer = ledger.transfer(
                kind="transfer",
                source=fund,
                destination=due_account(entry.community_id, entry.collector_id),
                amount=returned,
                actor_id=actor.id,
                memo=f"反哺 returned: income #{entry.id} reversed",
                idempotency_key=f"income-return:{entry.id}",
                now=now,
            )
        undone = ledger.reverse_transfer(recorded, reason=reason, actor_id=actor.id, now=now)
    except InsufficientPoints:
        # Another reversal or a grant's approval took the money between the check and here.
        available = ledger.balance_of(fund, now=now).available
        raise Conflict(
            M.REVERSAL_FUND_SHORT, field="entry", have=yuan(available), need=yuan(from_fund)
        ) from None
    reversal = IncomeReversal(
        entry_id=entry.id,
        transfer_id=undone.id,
        returned_fen=returned,
        return_transfer_id=return_transfer.id if return_transfer is not None else None,
        reason=reason,
        reversed_by=actor.id,
        reversed_at=now,
    )
    db.session.add(reversal)
    db.session.flush()
    db.session.refresh(entry, ["reversal"])
    if entry.collector_id != actor.id:
        notifications.notify(
            db.session.get(Member, entry.collector_id),
            M.INCOME_REVERSED,
            subject=f"income:{entry.id}:reversed",
            now=now,
            amount=yuan(entry.amount_fen),
            share=yuan(entry.share_fen),
            day=f"{entry.paid_on:%Y-%m-%d}",
            reason=reason,
        )
    return reversal


# ---------------------------------------------------------------------------- settlements


@dataclass(frozen=True)
class Settlement:
    """A collector's month: what they took in, the fund's share of it, what they handed over
    (confirmed by staff), what they declared and staff have not yet confirmed, what is left."""

    collector_id: int
    month: str
    collected: int
    owed: int
    paid: int
    declared: int
    returned: int = 0  # handed back by the fund when an entry already handed over was reversed

    @property
    def outstanding(self) -> int:
        return self.owed - self.paid + self.returned


def settlement(community_id: int, collector_id: int, month: str) -> Settlement:
    """One collector's month, computed from the entries and payments as they stand."""
    month = month_of(month)
    first, after = month_range(month)
    of_month = (
        IncomeEntry.community_id == community_id,
        IncomeEntry.collector_id == collector_id,
        IncomeEntry.paid_on >= first,
        IncomeEntry.paid_on < after,
    )
    collected, owed = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(IncomeEntry.amount_fen), 0),
            sa.func.coalesce(sa.func.sum(IncomeEntry.share_fen), 0),
        )
        .outerjoin(IncomeReversal, IncomeReversal.entry_id == IncomeEntry.id)
        .where(*of_month, IncomeReversal.id.is_(None))
    ).one()
    returned = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(IncomeReversal.returned_fen), 0))
        .join(IncomeEntry, IncomeEntry.id == IncomeReversal.entry_id)
        .where(*of_month)
    )
    paid = declared = 0
    for amount, status in db.session.execute(
        sa.select(SettlementPayment.amount_fen, SettlementPayment.status).where(
            SettlementPayment.community_id == community_id,
            SettlementPayment.collector_id == collector_id,
            SettlementPayment.month == month,
        )
    ):
        if status == "confirmed":
            paid += amount
        else:
            declared += amount
    return Settlement(
        collector_id, month, int(collected), int(owed), paid, declared, int(returned)
    )


def settlements(community_id: int, month: str) -> list[Settlement]:
    """Every host's month in the community (collectors with a receivable: not the office)."""
    month = month_of(month)
    first, after = month_range(month)
    ids = set(
        db.session.scalars(
            sa.select(IncomeEntry.collector_id).where(
                IncomeEntry.community_id == community_id,
                IncomeEntry.paid_on >= first,
                IncomeEntry.paid_on < after,
            )
        )
    ) | set(
        db.session.scalars(
            sa.select(SettlementPayment.collector_id).where(
                SettlementPayment.community_id == community_id, SettlementPayment.month == month
            )
        )
    )
    found = []
    for collector_id in sorted(ids):
        collector = db.session.get(Member, collector_id)
        if collector is not None and not is_staff_of(collector, community_id):
            found.append(settlement(community_id, collector_id, month))
    return found


def payments_of(community_id: int, *, collector_id: int | None = None, status=None):
    query = sa.select(SettlementPayment).where(SettlementPayment.community_id == community_id)
    if collector_id is not None:
        query = query.where(SettlementPayment.collector_id == collector_id)
    if status is not None:
        query = query.where(SettlementPayment.status == status)
    return list(db.session.scalars(query.order_by(SettlementPayment.id.desc())))


def declare_payment(
    actor: Member, *, month, amount_fen, method, reference="", now: datetime | None = None
) -> SettlementPayment:
    """A host says they handed over `amount_fen` of a month's share; staff are told."""
    now = now or utcnow()
    community_id = actor.community_id
    if community_id is None or not may_record_income(actor, community_id):
        raise Forbidden(M.HOSTS_AND_STAFF)
    month = month_of(month)
    amount_fen = fen(amount_fen)
    method = _choice(method, "method", METHODS)
    reference = _text(reference, "reference", 80)
    lock_key(db.session, f"settle:{community_id}:{actor.id}")
    month_now = settlement(community_id, actor.id, month)
    left = month_now.outstanding - month_now.declared
    if amount_fen > left:
        raise InvalidInput(
            M.OVERPAID, field="amount", have=yuan(max(left, 0)), need=yuan(amount_fen)
        )
    payment = SettlementPayment(
        community_id=community_id,
        collector_id=actor.id,
        month=month,
        amount_fen=amount_fen,
        method=method,
        reference=reference,
        status="declared",
        declared_by=actor.id,
        declared_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    for staff in _staff_of(community_id):
        notifications.notify(
            staff,
            M.PAYMENT_TO_CONFIRM,
            subject=f"settlement:{payment.id}",
            now=now,
            host=actor.name,
            amount=yuan(amount_fen),
            month=month,
        )
    return payment


def get_payment(payment_id) -> SettlementPayment:
    found = db.session.get(SettlementPayment, payment_id) if _row_id(payment_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_PAYMENT, field="payment")
    return found


def confirm_payment(actor: Member, payment_id, *, now: datetime | None = None) -> SettlementPayment:
    """Staff received the money: the share moves from the host's receivable to the fund, once
    (confirming again returns the confirmed payment)."""
    now = now or utcnow()
    payment = get_payment(payment_id)
    _require_staff(actor, payment.community_id)
    payment = lock_row(db.session, payment)
    if payment.status == "confirmed":
        return payment
    moved = ledger.transfer(
        kind="transfer",
        source=due_account(payment.community_id, payment.collector_id),
        destination=fund_account(payment.community_id),
        amount=payment.amount_fen,
        actor_id=actor.id,
        memo=f"反哺 {payment.month}",
        idempotency_key=f"settlement:{payment.id}",
        now=now,
    )
    payment.status, payment.confirmed_by, payment.confirmed_at = "confirmed", actor.id, now
    payment.transfer_id = moved.id
    db.session.flush()
    notifications.settle(f"settlement:{payment.id}", now=now)
    collector = db.session.get(Member, payment.collector_id)
    notifications.notify(
        collector,
        M.PAYMENT_CONFIRMED,
        subject=f"settlement:{payment.id}:confirmed",
        now=now,
        amount=yuan(payment.amount_fen),
        month=payment.month,
    )
    return payment


# ---------------------------------------------------------------------------- grants


def public_threshold() -> int:
    return int(current_app.config.get("FUND_PUBLIC_THRESHOLD_FEN", 200_000))


def public_days() -> int:
    return int(current_app.config.get("FUND_PUBLIC_DAYS", 5))


def get_grant(grant_id) -> Grant:
    found = None
    if _row_id(grant_id) is not None:
        found = db.session.get(Grant, grant_id)
    if found is None:
        raise NotFound(M.NO_SUCH_GRANT, field="grant")
    return found


def grants_of(community_id: int) -> list[Grant]:
    """Every request in every state, newest first: nothing is ever hidden or removed."""
    return list(
        db.session.scalars(
            sa.select(Grant).where(Grant.community_id == community_id).order_by(Grant.id.desc())
        )
    )


def _grant_params(grant: Grant) -> dict:
    return {
        "grant_id": grant.id,
        "amount": yuan(grant.amount_fen),
        "purpose": grant.purpose,
        "project": grant.project,
    }


def request_grant(
    actor: Member,
    *,
    purpose,
    project,
    amount_fen,
    receipt_evidence_id: int | None = None,
    now: datetime | None = None,
) -> Grant:
    """Ask the fund to pay for a governance project; staff other than the requester are told.

    `receipt_evidence_id` is a photo the caller uploaded through the evidence upload (the web
    and API layers resolve the upload's token)."""
    now = now or utcnow()
    community_id = actor.community_id
    if community_id is None or not may_request_grant(actor, community_id):
        raise Forbidden(M.HOSTS_AND_STAFF)
    purpose = _text(purpose, "purpose", 200, required=True)
    project = _text(project, "project", 120, required=True)
    amount_fen = fen(amount_fen)
    grant = Grant(
        community_id=community_id,
        purpose=purpose,
        project=project,
        amount_fen=amount_fen,
        receipt_evidence_id=receipt_evidence_id,
        status="requested",
        requested_by=actor.id,
        requested_at=now,
    )
    db.session.add(grant)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise InvalidInput(M.RECEIPT_USED, field="receipt") from None
    _ask_approvers(grant, approvals=0, now=now)
    return grant


def _ask_approvers(grant: Grant, *, approvals: int, now: datetime) -> None:
    done = {a.approver_id for a in grant.approvals} | {grant.requested_by}
    for staff in _staff_of(grant.community_id):
        if staff.id not in done:
            notifications.notify(
                staff,
                M.GRANT_TO_APPROVE,
                subject=f"grant:{grant.id}",
                once=f"grant:{grant.id}:ask:{approvals}",
                now=now,
                approvals=approvals,
                **_grant_params(grant),
            )


def approve_grant(actor: Member, grant_id, *, now: datetime | None = None) -> Grant:
    """One staff member's approval. The second, by someone else, sets the amount aside on the
    fund (refused when the fund does not have it) and fixes when it may be paid."""
    now = now or utcnow()
    grant = get_grant(grant_id)
    _require_staff(actor, grant.community_id)
    if actor.id == grant.requested_by:
        raise Forbidden(M.REQUESTER_MAY_NOT_APPROVE)
    grant = lock_row(db.session, grant)
    if grant.status != "requested":
        raise Conflict(M.NOT_DECIDABLE, status=grant.status)
    if any(a.approver_id == actor.id for a in grant.approvals):
        raise Conflict(M.APPROVED_ALREADY)
    approval = GrantApproval(
        grant_id=grant.id, requester_id=grant.requested_by, approver_id=actor.id, approved_at=now
    )
    db.session.add(approval)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(M.APPROVED_ALREADY) from None
    db.session.refresh(grant, ["approvals"])
    if len(grant.approvals) < 2:
        notifications.settle(f"grant:{grant.id}", member_id=actor.id, now=now)
        _ask_approvers(grant, approvals=len(grant.approvals), now=now)
        return grant
    fund = fund_account(grant.community_id)
    available = ledger.balance_of(fund, now=now).available
    if available < grant.amount_fen:
        raise Conflict(
            M.FUND_SHORT, field="amount", have=yuan(available), need=yuan(grant.amount_fen)
        )
    held = ledger.hold(
        source=fund,
        destination=grants_account(grant.community_id),
        amount=grant.amount_fen,
        kind="grant",
        expires_at=now + timedelta(days=GRANT_HOLD_DAYS),
        actor_id=actor.id,
        memo=f"资助 #{grant.id} {grant.purpose}"[:500],
        idempotency_key=f"grant-hold:{grant.id}",
        now=now,
    )
    wait = timedelta(days=public_days()) if grant.amount_fen > public_threshold() else timedelta()
    grant.status, grant.approved_at, grant.hold_id = "approved", now, held.id
    grant.payable_from = now + wait
    db.session.flush()
    notifications.settle(f"grant:{grant.id}", now=now)
    day = f"{clock.local(grant.payable_from):%Y-%m-%d %H:%M}"
    requester = db.session.get(Member, grant.requested_by)
    notifications.notify(
        requester,
        M.GRANT_APPROVED,
        subject=f"grant:{grant.id}:decided",
        now=now,
        day=day,
        **_grant_params(grant),
    )
    for staff in _staff_of(grant.community_id):
        notifications.notify(
            staff,
            M.GRANT_PAYABLE,
            subject=f"grant:{grant.id}:pay",
            now=now,
            day=day,
            **_grant_params(grant),
        )
    return grant


def reject_grant(actor: Member, grant_id, *, reason, now: datetime | None = None) -> Grant:
    """Staff other than the requester refuse a request (before it is paid); it stays listed."""
    now = now or utcnow()
    grant = get_grant(grant_id)
    _require_staff(actor, grant.community_id)
    if actor.id == grant.requested_by:
        raise Forbidden(M.REQUESTER_MAY_NOT_APPROVE)
    reason = _text(reason, "reason", 500, required=True)
    grant = lock_row(db.session, grant)
    if grant.status not in ("requested", "approved"):
        raise Conflict(M.NOT_DECIDABLE, status=grant.status)
    if grant.hold_id is not None:
        ledger.void_hold(grant.hold_id, actor_id=actor.id, reason=reason, now=now)
        grant.hold_id = None
    grant.status, grant.rejected_by, grant.rejected_at = "rejected", actor.id, now
    grant.reason, grant.payable_from = reason, None
    db.session.flush()
    notifications.settle(f"grant:{grant.id}", now=now)
    notifications.settle(f"grant:{grant.id}:pay", now=now)
    requester = db.session.get(Member, grant.requested_by)
    notifications.notify(
        requester,
        M.GRANT_REJECTED,
        subject=f"grant:{grant.id}:decided",
        now=now,
        reason=reason,
        **_grant_params(grant),
    )
    return grant


def pay_grant(actor: Member, grant_id, *, now: datetime | None = None) -> Grant:
    """Pay an approved grant once its public window has passed: the hold is posted, once.
    Paying a paid grant again returns it unchanged."""
    now = now or utcnow()
    grant = get_grant(grant_id)
    _require_staff(actor, grant.community_id)
    grant = lock_row(db.session, grant)
    if grant.status in ("paid", "reversed"):
        return grant
    if grant.status != "approved":
        raise Conflict(M.NOT_PAYABLE, status=grant.status)
    if grant.payable_from > now:
        raise Conflict(M.IN_PUBLIC_WINDOW, until=grant.payable_from)
    held = ledger.get_hold(grant.hold_id)
    if held.status != "pending" or held.expires_at <= now:
        raise Conflict(M.APPROVAL_LAPSED)
    moved = ledger.post_hold(held, actor_id=actor.id, now=now)
    grant.status, grant.paid_by, grant.paid_at, grant.transfer_id = "paid", actor.id, now, moved.id
    db.session.flush()
    notifications.settle(f"grant:{grant.id}:pay", now=now)
    return grant


def reverse_grant(actor: Member, grant_id, *, reason, now: datetime | None = None) -> Grant:
    """Undo a paid grant by a reversal transfer pointing at its payment; the grant stays."""
    now = now or utcnow()
    grant = get_grant(grant_id)
    _require_staff(actor, grant.community_id)
    reason = _text(reason, "reason", 500, required=True)
    grant = lock_row(db.session, grant)
    if grant.status != "paid":
        raise Conflict(M.NOT_REVERSIBLE, status=grant.status)
    reversal = ledger.reverse_transfer(
        ledger.get_transfer(grant.transfer_id), reason=reason, actor_id=actor.id, now=now
    )
    grant.status, grant.reversal_id = "reversed", reversal.id
    grant.reversed_by, grant.reversed_at, grant.reason = actor.id, now, reason
    db.session.flush()
    return grant


def approvals_needed(grant: Grant) -> int:
    return max(0, 2 - len(grant.approvals))


def in_public_window(grant: Grant, now: datetime | None = None) -> bool:
    """Approved, large, and still in the days it is shown publicly before payment."""
    return (
        grant.status == "approved"
        and grant.payable_from is not None
        and grant.approved_at is not None
        and grant.payable_from > grant.approved_at
        and grant.payable_from > (now or utcnow())
    )
