"""Ledger verbs: open accounts, post transfers, hold / post / void, reverse, read balances.

Every verb validates its input completely before it writes, raises a `PointsError` on a
broken rule, flushes but never commits: the caller commits once per request.

Locks are always taken in one order — idempotency key, hold rows (by id), account rows (by
id), the chain head — so concurrent writers queue instead of deadlocking. On SQLite the
whole database is already locked by `BEGIN IMMEDIATE` and the row locks are no-ops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from points.database import lock_key, utcnow
from points.errors import (
    AlreadyReversed,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
)
from points.extensions import db
from points.ledger.chain import transfer_hash
from points.ledger.models import ASSETS, Account, Hold, LedgerHead, Posting, Transfer

# No single posting or hold may move more than this: it keeps every sum far inside 64 bits
# and turns a typo of many zeros into an error instead of a fortune.
MAX_AMOUNT = 1_000_000_000
MAX_MEMO = 500
MAX_KEY = 200

KINDS = frozenset(
    {
        "earn",  # approved service, issuance → wallet
        "redeem",  # a confirmed voucher, wallet → redeemed:<merchant>
        "booking",  # a booked space, wallet → space
        "refund",  # money-like value coming back, e.g. a cancelled booking
        "reverse",  # undoes an earlier transfer, posting its negation
        "expire",  # points lapsing, wallet → expired
        "adjust",  # a correction by staff, via adjustments
        "grant",  # space-use minutes credited from a redeemed right
        "transfer",  # plain movement between accounts
    }
)

# System accounts that may go below zero: the sources value is created from.
NEGATIVE_SYSTEM_ACCOUNTS = frozenset({"issuance", "adjustments"})
_SYSTEM_NAME = re.compile(r"^[a-z][a-z_]*(:[A-Za-z0-9_.-]{1,60})?$")


@dataclass(frozen=True)
class Balance:
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass(frozen=True)
class StatementItem:
    posting_id: int
    transfer_id: int
    kind: str
    amount: int
    balance_after: int
    memo: str
    created_at: datetime
    reverses_id: int | None


@dataclass(frozen=True)
class StatementPage:
    items: list[StatementItem]
    next_cursor: str | None


# ---------------------------------------------------------------------------- validation


def _amount(value, field: str = "amount", *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("must be a whole number of points", field=field)
    if value == 0:
        raise InvalidInput("must not be zero", field=field)
    if value < 0 and not signed:
        raise InvalidInput("must be positive", field=field)
    if abs(value) > MAX_AMOUNT:
        raise InvalidInput(f"must be at most {MAX_AMOUNT:,} in size", field=field)
    return value


def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput("is required", field=field)
    if len(value) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field)
    return value


def _key(value) -> str | None:
    if value is None:
        return None
    key = _text(value, "idempotency_key", MAX_KEY, required=True)
    return key


def _kind(value) -> str:
    if value not in KINDS:
        raise InvalidInput(f"must be one of {', '.join(sorted(KINDS))}", field="kind")
    return value


def _actor(value) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidInput("must be a member id", field="actor_id")
    return value


def _account_id(value, field: str) -> int:
    if isinstance(value, Account):
        return value.id
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("must be an account", field=field)
    return value


def _legs(postings: Sequence) -> list[tuple[int, int]]:
    if not isinstance(postings, Sequence) or len(postings) < 2:
        raise InvalidInput("a transfer needs two or more postings", field="postings")
    legs: list[tuple[int, int]] = []
    seen: set[int] = set()
    for i, leg in enumerate(postings):
        if not isinstance(leg, Sequence) or len(leg) != 2:
            raise InvalidInput("each posting is (account, amount)", field=f"postings.{i}")
        account_id = _account_id(leg[0], f"postings.{i}.account")
        if account_id in seen:
            raise InvalidInput("an account appears twice", field=f"postings.{i}.account")
        seen.add(account_id)
        legs.append((account_id, _amount(leg[1], f"postings.{i}.amount", signed=True)))
    return legs


def _now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise InvalidInput("must carry a time zone", field="now")
    return now


# ---------------------------------------------------------------------------- accounts


def _insert_ignore(values: dict):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Account).values(**values).on_conflict_do_nothing()


def _ensure_account(name: str, asset: str, **values) -> Account:
    if asset not in ASSETS:
        raise InvalidInput(f"must be one of {', '.join(ASSETS)}", field="asset")
    found = db.session.scalar(sa.select(Account).filter_by(name=name, asset=asset))
    if found is not None:
        return found
    db.session.execute(
        _insert_ignore(
            {
                "name": name,
                "asset": asset,
                "balance": 0,
                "held": 0,
                "created_at": utcnow(),
                **values,
            }
        )
    )
    return db.session.scalars(sa.select(Account).filter_by(name=name, asset=asset)).one()


def system_account(name: str, asset: str = "points") -> Account:
    """The system account `name` for `asset` (issuance, redeemed:<merchant>, space …), opened on
    first use."""
    if not isinstance(name, str) or not _SYSTEM_NAME.match(name) or name.startswith("member"):
        raise InvalidInput("is not a system account name", field="account")
    return _ensure_account(
        name, asset, kind="system", may_go_negative=name in NEGATIVE_SYSTEM_ACCOUNTS
    )


def member_wallet(member_id: int, asset: str = "points") -> Account:
    """The member's wallet for `asset`, opened on first use. It never goes below zero."""
    if isinstance(member_id, bool) or not isinstance(member_id, int) or member_id <= 0:
        raise InvalidInput("must be a member id", field="member_id")
    return _ensure_account(
        f"member:{member_id}", asset, kind="wallet", member_id=member_id, may_go_negative=False
    )


def get_account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist", field="account")
    return account


_accounts = Account.__table__
_transfers = Transfer.__table__
_postings = Posting.__table__
_head = LedgerHead.__table__


def _conn():
    """The session's connection: the hot path runs Core statements on it, skipping the
    unit of work (and then expires what the identity map holds of the rows it changed)."""
    return db.session.connection()


def _lock_accounts(ids: Iterable[int]) -> dict[int, sa.Row]:
    """Lock the accounts (ascending id) and return their current rows."""
    ordered = sorted(set(ids))
    rows = (
        _conn()
        .execute(
            sa.select(
                _accounts.c.id,
                _accounts.c.asset,
                _accounts.c.may_go_negative,
                _accounts.c.balance,
                _accounts.c.held,
            )
            .where(_accounts.c.id.in_(ordered))
            .order_by(_accounts.c.id)
            .with_for_update()
        )
        .all()
    )
    found = {row.id: row for row in rows}
    missing = [i for i in ordered if i not in found]
    if missing:
        raise NotFound(f"account {missing[0]} does not exist", field="account")
    return found


_ADD_TO_BALANCE = (
    sa.update(_accounts)
    .where(_accounts.c.id == sa.bindparam("account"))
    .values(balance=_accounts.c.balance + sa.bindparam("delta"))
)


def _insert_postings(conn, transfers) -> None:
    """One executemany for the postings of (transfer_id, [(account, asset, amount, after)])."""
    conn.execute(
        sa.insert(_postings),
        [
            {
                "transfer_id": transfer_id,
                "account_id": a,
                "asset": asset,
                "amount": amount,
                "balance_after": after,
            }
            for transfer_id, legs in transfers
            for a, asset, amount, after in legs
        ],
    )


def _forget_cached_balances(account_ids: Iterable[int]) -> None:
    """Expire balance and held of Account objects the session holds for these ids."""
    for account_id in account_ids:
        cached = db.session.identity_map.get(identity_key(Account, account_id))
        if cached is not None:
            db.session.expire(cached, ["balance", "held"])


def _change_account(account_id: int, *, balance: int = 0, held: int = 0) -> None:
    values = {}
    if balance:
        values["balance"] = _accounts.c.balance + balance
    if held:
        values["held"] = _accounts.c.held + held
    if values:
        _conn().execute(sa.update(_accounts).where(_accounts.c.id == account_id).values(**values))
        _forget_cached_balances([account_id])


def _refuse_overdraft(row: sa.Row, amount: int) -> None:
    """Refuse taking `amount` (> 0) from the account when it would break its floor."""
    if row.may_go_negative:
        return
    available = row.balance - row.held
    if available < amount:
        raise InsufficientPoints(
            f"only {available} {row.asset} available, {amount} needed", field="amount"
        )


# ---------------------------------------------------------------------------- transfers


def _write_transfer(
    *,
    kind: str,
    legs: list[tuple[int, int]],
    rows: dict[int, sa.Row],
    memo: str,
    actor_id: int | None,
    now: datetime,
    idempotency_key: str | None = None,
    reverses_id: int | None = None,
    hold_id: int | None = None,
) -> Transfer:
    """Append one balanced transfer to the chain; accounts in `rows` are already locked."""
    head = (
        _conn()
        .execute(sa.select(_head.c.seq, _head.c.hash).where(_head.c.id == 1).with_for_update())
        .one()
    )
    postings = [
        (account_id, rows[account_id].asset, amount, rows[account_id].balance + amount)
        for account_id, amount in legs
    ]
    seq = head.seq + 1
    digest = transfer_hash(
        head.hash,
        seq=seq,
        kind=kind,
        memo=memo,
        actor_id=actor_id,
        created_at=now,
        idempotency_key=idempotency_key,
        reverses_id=reverses_id,
        hold_id=hold_id,
        postings=postings,
    )
    conn = _conn()
    values = {
        "seq": seq,
        "kind": kind,
        "memo": memo,
        "actor_id": actor_id,
        "created_at": now,
        "idempotency_key": idempotency_key,
        "reverses_id": reverses_id,
        "hold_id": hold_id,
        "prev_hash": head.hash,
        "hash": digest,
    }
    transfer_id = conn.execute(
        sa.insert(_transfers).values(**values).returning(_transfers.c.id)
    ).scalar_one()
    _insert_postings(conn, [(transfer_id, postings)])
    conn.execute(
        _ADD_TO_BALANCE, [{"account": account_id, "delta": amount} for account_id, amount in legs]
    )
    _forget_cached_balances(a for a, _ in legs)
    conn.execute(sa.update(_head).where(_head.c.id == 1).values(seq=seq, hash=digest))
    # The row is known; hand back a persistent Transfer without reading it again.
    written = Transfer(id=transfer_id, **values)
    make_transient_to_detached(written)
    db.session.add(written)
    return written


def _check_balanced(legs: list[tuple[int, int]], rows: dict[int, sa.Row]) -> None:
    totals: dict[str, int] = {}
    for account_id, amount in legs:
        asset = rows[account_id].asset
        totals[asset] = totals.get(asset, 0) + amount
    unbalanced = [asset for asset, total in totals.items() if total != 0]
    if unbalanced:
        raise InvalidInput(
            f"postings of {unbalanced[0]} do not sum to zero ({totals[unbalanced[0]]:+d})",
            field="postings",
        )


def _differences(pairs: dict[str, tuple]) -> list[str]:
    return [field for field, (first, again) in pairs.items() if first != again]


def post_transfer(
    *,
    kind: str,
    postings: Sequence,
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Post a balanced transfer of (account, amount) postings; a replayed key returns the first."""
    kind = _kind(kind)
    legs = _legs(postings)
    memo = _text(memo, "memo", MAX_MEMO)
    actor_id = _actor(actor_id)
    key = _key(idempotency_key)
    now = _now(now)

    if key is not None:
        lock_key(db.session, "transfer:" + key)
        existing = db.session.scalar(sa.select(Transfer).filter_by(idempotency_key=key))
        if existing is not None:
            differing = _differences(
                {
                    "kind": (existing.kind, kind),
                    "postings": (
                        sorted((p.account_id, p.amount) for p in existing.postings),
                        sorted(legs),
                    ),
                    "memo": (existing.memo, memo),
                    "actor_id": (existing.actor_id, actor_id),
                }
            )
            if differing:
                raise IdempotencyConflict(differing)
            return existing

    rows = _lock_accounts(a for a, _ in legs)
    _check_balanced(legs, rows)
    for account_id, amount in legs:
        if amount < 0:
            _refuse_overdraft(rows[account_id], -amount)
    return _write_transfer(
        kind=kind,
        legs=legs,
        rows=rows,
        memo=memo,
        actor_id=actor_id,
        now=now,
        idempotency_key=key,
    )


def transfer(
    *,
    kind: str,
    source: Account | int,
    destination: Account | int,
    amount: int,
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Move `amount` from `source` to `destination`: the two-posting case of post_transfer."""
    amount = _amount(amount)
    return post_transfer(
        kind=kind,
        postings=[(source, -amount), (destination, amount)],
        actor_id=actor_id,
        memo=memo,
        idempotency_key=idempotency_key,
        now=now,
    )


def get_transfer(transfer_id: int) -> Transfer:
    found = db.session.get(Transfer, transfer_id)
    if found is None:
        raise NotFound(f"transfer {transfer_id} does not exist", field="transfer")
    return found


def reverse_transfer(
    original: Transfer, *, reason: str, actor_id: int | None, now: datetime | None = None
) -> Transfer:
    """Undo `original` with a transfer of the opposite postings, pointing back at it; once."""
    reason = _text(reason, "reason", MAX_MEMO, required=True)
    actor_id = _actor(actor_id)
    now = _now(now)
    if original.kind == "reverse":
        raise AlreadyReversed("a reversal cannot itself be reversed; post a new transfer")
    lock_key(db.session, f"reverse:{original.id}")
    earlier = db.session.scalar(sa.select(Transfer).filter_by(reverses_id=original.id))
    if earlier is not None:
        raise AlreadyReversed(
            f"transfer {original.id} was already reversed by transfer {earlier.id} "
            f"at {earlier.created_at:%Y-%m-%d %H:%M} UTC"
        )
    legs = [(p.account_id, -p.amount) for p in original.postings]
    rows = _lock_accounts(a for a, _ in legs)
    for account_id, amount in legs:
        if amount < 0:
            _refuse_overdraft(rows[account_id], -amount)
    return _write_transfer(
        kind="reverse",
        legs=legs,
        rows=rows,
        memo=reason,
        actor_id=actor_id,
        now=now,
        reverses_id=original.id,
    )


@dataclass(frozen=True)
class TransferSpec:
    """One transfer for `post_transfers_bulk`: kind, (account, amount) postings, memo."""

    kind: str
    postings: Sequence
    memo: str = ""


def post_transfers_bulk(
    specs: Sequence[TransferSpec], *, actor_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Post many transfers in one go (seed and import path); all or nothing.

    The same rules as post_transfer, checked in order, with batched inserts. No idempotency
    keys: an import is made repeatable by running it in one transaction.
    """
    actor_id = _actor(actor_id)
    now = _now(now)
    prepared = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, TransferSpec):
            raise InvalidInput("must be a TransferSpec", field=f"specs.{i}")
        prepared.append(
            (_kind(spec.kind), _legs(spec.postings), _text(spec.memo, "memo", MAX_MEMO))
        )
    if not prepared:
        return []
    rows = _lock_accounts(a for _, legs, _ in prepared for a, _ in legs)
    balance = {a: row.balance for a, row in rows.items()}
    head = (
        _conn()
        .execute(sa.select(_head.c.seq, _head.c.hash).where(_head.c.id == 1).with_for_update())
        .one()
    )
    seq, prev_hash = head.seq, head.hash
    transfers, postings = [], []
    for kind, legs, memo in prepared:
        _check_balanced(legs, rows)
        legs_after = []
        for account_id, amount in legs:
            row = rows[account_id]
            if amount < 0 and not row.may_go_negative and balance[account_id] - row.held < -amount:
                raise InsufficientPoints(
                    f"only {balance[account_id] - row.held} {row.asset} available in account "
                    f"{account_id}, {-amount} needed",
                    field="amount",
                )
            balance[account_id] += amount
            legs_after.append((account_id, row.asset, amount, balance[account_id]))
        seq += 1
        digest = transfer_hash(
            prev_hash,
            seq=seq,
            kind=kind,
            memo=memo,
            actor_id=actor_id,
            created_at=now,
            idempotency_key=None,
            reverses_id=None,
            hold_id=None,
            postings=legs_after,
        )
        transfers.append(
            {
                "seq": seq,
                "kind": kind,
                "memo": memo,
                "actor_id": actor_id,
                "created_at": now,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        postings.append(legs_after)
        prev_hash = digest
    conn = _conn()
    # Plain executemany batches on every driver (INSERT … RETURNING does not on SQLite); the
    # ids come back by chain position, which the head lock keeps ours alone.
    conn.execute(sa.insert(_transfers), transfers)
    ids = (
        conn.execute(
            sa.select(_transfers.c.id)
            .where(_transfers.c.seq > head.seq, _transfers.c.seq <= seq)
            .order_by(_transfers.c.seq)
        )
        .scalars()
        .all()
    )
    _insert_postings(conn, zip(ids, postings, strict=True))
    changed = [(a, b) for a, b in balance.items() if b != rows[a].balance]
    if changed:
        conn.execute(
            sa.update(_accounts)
            .where(_accounts.c.id == sa.bindparam("account"))
            .values(balance=sa.bindparam("new_balance")),
            [{"account": a, "new_balance": b} for a, b in changed],
        )
        _forget_cached_balances(a for a, _ in changed)
    conn.execute(sa.update(_head).where(_head.c.id == 1).values(seq=seq, hash=prev_hash))
    return list(ids)


# ---------------------------------------------------------------------------- holds


def _end_overdue_holds(
    now: datetime, *, account_id: int | None = None, limit: int = 500
) -> list[int]:
    """Mark overdue pending holds expired and release what they held; returns their ids."""
    query = (
        sa.select(Hold.id, Hold.account_id, Hold.amount)
        .where(Hold.status == "pending", Hold.expires_at <= now)
        .order_by(Hold.id)
        .limit(limit)
    )
    if account_id is not None:
        query = query.where(Hold.account_id == account_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    overdue = db.session.execute(query).all()
    if not overdue:
        return []
    released: dict[int, int] = {}
    for _hold_id, hold_account, amount in overdue:
        released[hold_account] = released.get(hold_account, 0) + amount
    _lock_accounts(released)
    db.session.execute(
        sa.update(Hold)
        .where(Hold.id.in_([h.id for h in overdue]), Hold.status == "pending")
        .values(status="expired", ended_at=now, end_reason="expired")
    )
    for hold_account, amount in released.items():
        _change_account(hold_account, held=-amount)
    db.session.flush()
    return [h.id for h in overdue]


def hold(
    *,
    source: Account | int,
    destination: Account | int,
    amount: int,
    kind: str,
    expires_at: datetime,
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Hold:
    """Reserve `amount` on `source` for a later post to `destination`, until `expires_at`."""
    source_id = _account_id(source, "source")
    destination_id = _account_id(destination, "destination")
    amount = _amount(amount)
    kind = _kind(kind)
    memo = _text(memo, "memo", MAX_MEMO)
    actor_id = _actor(actor_id)
    key = _key(idempotency_key)
    now = _now(now)
    if source_id == destination_id:
        raise InvalidInput("must differ from the source", field="destination")
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InvalidInput("must be a time with a zone", field="expires_at")
    if expires_at <= now:
        raise InvalidInput("must be in the future", field="expires_at")

    if key is not None:
        lock_key(db.session, "hold:" + key)
        existing = db.session.scalar(sa.select(Hold).filter_by(idempotency_key=key))
        if existing is not None:
            differing = _differences(
                {
                    "source": (existing.account_id, source_id),
                    "destination": (existing.destination_id, destination_id),
                    "amount": (existing.amount, amount),
                    "kind": (existing.kind, kind),
                    "memo": (existing.memo, memo),
                    "actor_id": (existing.actor_id, actor_id),
                }
            )
            if differing:
                raise IdempotencyConflict(differing)
            return existing

    # Overdue holds on this account release their points first ("on access").
    _end_overdue_holds(now, account_id=source_id)
    rows = _lock_accounts([source_id, destination_id])
    if rows[source_id].asset != rows[destination_id].asset:
        raise InvalidInput(
            f"holds {rows[source_id].asset} but the destination holds {rows[destination_id].asset}",
            field="destination",
        )
    _refuse_overdraft(rows[source_id], amount)
    created = Hold(
        account_id=source_id,
        destination_id=destination_id,
        asset=rows[source_id].asset,
        amount=amount,
        kind=kind,
        memo=memo,
        actor_id=actor_id,
        idempotency_key=key,
        status="pending",
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(created)
    _change_account(source_id, held=amount)
    db.session.flush()
    return created


def get_hold(hold_id: int) -> Hold:
    found = db.session.get(Hold, hold_id)
    if found is None:
        raise NotFound(f"hold {hold_id} does not exist", field="hold")
    return found


def _lock_pending_hold(hold_id: int, now: datetime) -> Hold:
    current = db.session.scalars(
        sa.select(Hold)
        .where(Hold.id == hold_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if current is None:
        raise NotFound(f"hold {hold_id} does not exist", field="hold")
    if current.status != "pending":
        raise HoldNotPending(
            f"hold {hold_id} was already {current.status} at "
            f"{current.ended_at:%Y-%m-%d %H:%M:%S} UTC",
            field="hold",
        )
    if current.expires_at <= now:
        raise HoldNotPending(
            f"hold {hold_id} expired at {current.expires_at:%Y-%m-%d %H:%M:%S} UTC", field="hold"
        )
    return current


def _end_hold(current: Hold, status: str, *, actor_id: int | None, reason: str, now: datetime):
    ended = db.session.execute(
        sa.update(Hold)
        .where(Hold.id == current.id, Hold.status == "pending")
        .values(status=status, ended_at=now, ended_by=actor_id, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if ended.rowcount != 1:  # the row lock makes this unreachable; the WHERE is the backstop
        raise HoldNotPending(f"hold {current.id} is no longer pending", field="hold")
    _change_account(current.account_id, held=-current.amount)


def post_hold(
    held: Hold | int,
    *,
    actor_id: int | None = None,
    memo: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Complete a pending hold: its amount moves from source to destination, exactly once."""
    actor_id = _actor(actor_id)
    now = _now(now)
    memo = None if memo is None else _text(memo, "memo", MAX_MEMO)
    current = _lock_pending_hold(held.id if isinstance(held, Hold) else held, now)
    rows = _lock_accounts([current.account_id, current.destination_id])
    _end_hold(current, "posted", actor_id=actor_id, reason="posted", now=now)
    # No overdraft check: balance ≥ held ≥ this amount (a database CHECK) already covers it.
    return _write_transfer(
        kind=current.kind,
        legs=[(current.account_id, -current.amount), (current.destination_id, current.amount)],
        rows=rows,
        memo=current.memo if memo is None else memo,
        actor_id=actor_id,
        now=now,
        hold_id=current.id,
    )


def void_hold(
    held: Hold | int, *, actor_id: int | None = None, reason: str = "", now: datetime | None = None
) -> Hold:
    """Cancel a pending hold: what it reserved becomes available again, exactly once."""
    actor_id = _actor(actor_id)
    reason = _text(reason, "reason", MAX_MEMO)
    now = _now(now)
    current = _lock_pending_hold(held.id if isinstance(held, Hold) else held, now)
    _lock_accounts([current.account_id])
    _end_hold(current, "voided", actor_id=actor_id, reason=reason or "voided", now=now)
    db.session.flush()
    return current


def expire_holds(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Expire up to `limit` overdue pending holds (the sweep); returns the ids it ended."""
    return _end_overdue_holds(_now(now), limit=limit)


# ---------------------------------------------------------------------------- reading


def balance_of(account: Account | int, *, now: datetime | None = None) -> Balance:
    """The account's balance and held amount; holds past their expiry no longer count."""
    account_id = _account_id(account, "account")
    now = _now(now)
    row = db.session.execute(
        sa.select(Account.balance, Account.held).where(Account.id == account_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"account {account_id} does not exist", field="account")
    overdue = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Hold.amount), 0)).where(
            Hold.account_id == account_id, Hold.status == "pending", Hold.expires_at <= now
        )
    )
    return Balance(balance=row.balance, held=row.held - int(overdue))  # SUM is numeric on PG


def _cursor(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.isdigit() or len(value) > 18:
        raise InvalidInput("is not a cursor this statement gave out", field="cursor")
    return int(value)


def statement(
    account: Account | int, *, cursor: str | None = None, limit: int = 50
) -> StatementPage:
    """The account's postings, newest first, `limit` at a time (keyset pagination)."""
    account_id = _account_id(account, "account")
    before = _cursor(cursor)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 200:
        raise InvalidInput("must be between 1 and 200", field="limit")
    query = (
        sa.select(
            Posting.id,
            Posting.transfer_id,
            Transfer.kind,
            Posting.amount,
            Posting.balance_after,
            Transfer.memo,
            Transfer.created_at,
            Transfer.reverses_id,
        )
        .join(Transfer, Transfer.id == Posting.transfer_id)
        .where(Posting.account_id == account_id)
        .order_by(Posting.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Posting.id < before)
    rows = db.session.execute(query).all()
    items = [StatementItem(*row) for row in rows[:limit]]
    next_cursor = str(items[-1].posting_id) if len(rows) > limit else None
    return StatementPage(items=items, next_cursor=next_cursor)


__all__ = [
    "Balance",
    "KINDS",
    "MAX_AMOUNT",
    "StatementItem",
    "StatementPage",
    "TransferSpec",
    "balance_of",
    "expire_holds",
    "get_account",
    "get_hold",
    "get_transfer",
    "hold",
    "member_wallet",
    "post_hold",
    "post_transfer",
    "post_transfers_bulk",
    "reverse_transfer",
    "statement",
    "system_account",
    "transfer",
    "void_hold",
]
