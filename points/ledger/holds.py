"""Holds, the first phase of a two-phase transfer: hold → post, void or expire, each once.

A pending hold reserves its amount on the source account (`held` grows, available shrinks);
posting it writes the transfer to its destination, voiding or expiring it gives the amount
back. Writing a hold locks its source account only (the destination is locked when the hold
is posted). Hold rows are locked before account rows, as everywhere in the ledger, but for
the overdue holds a new hold releases: it finds them under its account's lock and takes them
with SKIP LOCKED, which never waits. A hold past its
expiry no longer counts from that moment (`reads.balance_of`); the sweep, or the next hold on
the same account, marks it expired.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from points.database import lock_key
from points.errors import HoldNotPending, IdempotencyConflict, InvalidInput, NotFound
from points.extensions import db
from points.ledger import messages as M
from points.ledger import rules, sql
from points.ledger.accounts import change_account, lock_accounts, lock_hold_source
from points.ledger.models import Account, Hold, Transfer
from points.ledger.transfers import write_transfer


def _end_overdue_holds(
    now: datetime, *, account_id: int | None = None, limit: int = 500
) -> list[int]:
    """Mark overdue pending holds expired and release what they held; returns their ids."""
    with sql.Statements() as run:
        params = {"now": run.stamp(now), "limit": limit, "skip": 0}
        if account_id is None:
            overdue = run.run(sql.overdue_holds, 1, params).fetchall()
        else:
            overdue = run.run(sql.overdue_holds_of, 1, {**params, "a0": account_id}).fetchall()
    if not overdue:
        return []
    released: dict[int, int] = {}
    for _hold_id, hold_account, amount in overdue:
        released[hold_account] = released.get(hold_account, 0) + amount
    with sql.Statements() as run:
        lock_accounts(run, released)
        db.session.execute(
            sa.update(Hold)
            .where(Hold.id.in_([h[0] for h in overdue]), Hold.status == "pending")
            .values(status="expired", ended_at=now, end_reason="expired")
        )
        for hold_account, amount in released.items():
            change_account(run, hold_account, held=-amount)
    db.session.flush()
    return [h[0] for h in overdue]


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
    source_id = rules.account_id(source, "source")
    destination_id = rules.account_id(destination, "destination")
    amount = rules.amount(amount)
    kind = rules.kind(kind)
    memo = rules.memo(memo)
    actor_id = rules.actor(actor_id)
    key = rules.idempotency_key(idempotency_key)
    now = rules.now(now)
    if source_id == destination_id:
        raise InvalidInput(M.SAME_ACCOUNT, field="destination")
    expires_at = rules.expiry(expires_at, now)

    if key is not None:
        lock_key(db.session, "hold:" + key)
        existing = db.session.scalar(sa.select(Hold).filter_by(idempotency_key=key))
        if existing is not None:
            differing = rules.differing(
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

    with sql.Statements() as run:
        read = lock_hold_source(run, source_id, destination_id, now)
        if read.overdue:
            # Overdue holds on this account release their points first ("on access"). The
            # account is locked already; their rows are taken without waiting (SKIP LOCKED),
            # so this late turn in the lock order never waits on a hold.
            _end_overdue_holds(now, account_id=source_id)
            read = lock_hold_source(run, source_id, destination_id, now)
        source_row = read.source
        rules.refuse_mixed_assets(source_row.asset, read.destination_asset)
        rules.refuse_overdraft([(source_id, -amount)], {source_id: source_row})
        values = {
            "account_id": source_id,
            "destination_id": destination_id,
            "asset": source_row.asset,
            "amount": amount,
            "kind": kind,
            "memo": memo,
            "actor_id": actor_id,
            "idempotency_key": key,
            "status": "pending",
            "created_at": now,
            "expires_at": expires_at,
            "ended_at": None,
            "ended_by": None,
            "end_reason": "",
        }
        stamped = {**values, "created_at": run.stamp(now), "expires_at": run.stamp(expires_at)}
        (hold_id,) = run.run(sql.add_hold, 1, stamped).fetchone()
        change_account(run, source_id, held=amount)
    # The row is known: a persistent Hold without reading it again.
    return sql.persistent(Hold, **values, id=hold_id)


def _no_such_hold(hold_id: int) -> NotFound:
    return NotFound(M.NO_HOLD, field="hold", hold=hold_id)


def get_hold(hold_id: int) -> Hold:
    found = db.session.get(Hold, hold_id)
    if found is None:
        raise _no_such_hold(hold_id)
    return found


def _lock_pending_hold(hold_id: int, now: datetime) -> Hold:
    current = db.session.scalars(
        sa.select(Hold)
        .where(Hold.id == hold_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if current is None:
        raise _no_such_hold(hold_id)
    if current.status != "pending":
        raise HoldNotPending(
            M.HOLD_ENDED, field="hold", hold=hold_id, status=current.status, at=current.ended_at
        )
    if current.expires_at <= now:
        raise HoldNotPending(M.HOLD_EXPIRED, field="hold", hold=hold_id, at=current.expires_at)
    return current


def _end_hold(
    run: sql.Statements,
    current: Hold,
    status: str,
    *,
    actor_id: int | None,
    reason: str,
    now: datetime,
):
    ended = db.session.execute(
        sa.update(Hold)
        .where(Hold.id == current.id, Hold.status == "pending")
        .values(status=status, ended_at=now, ended_by=actor_id, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if ended.rowcount != 1:  # the row lock makes this unreachable; the WHERE is the backstop
        raise HoldNotPending(M.HOLD_NOT_PENDING, field="hold", hold=current.id)
    change_account(run, current.account_id, held=-current.amount)


def post_hold(
    held: Hold | int,
    *,
    actor_id: int | None = None,
    memo: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Complete a pending hold: its amount moves from source to destination, exactly once."""
    actor_id = rules.actor(actor_id)
    now = rules.now(now)
    memo = None if memo is None else rules.memo(memo)
    current = _lock_pending_hold(held.id if isinstance(held, Hold) else held, now)
    with sql.Statements() as run:
        rows = lock_accounts(run, [current.account_id, current.destination_id])
        _end_hold(run, current, "posted", actor_id=actor_id, reason="posted", now=now)
        # No overdraft check: balance ≥ held ≥ this amount (a database CHECK) covers it.
        return write_transfer(
            run,
            kind=current.kind,
            legs=[
                (current.account_id, -current.amount),
                (current.destination_id, current.amount),
            ],
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
    actor_id = rules.actor(actor_id)
    reason = rules.text(reason, "reason", rules.MAX_MEMO)
    now = rules.now(now)
    current = _lock_pending_hold(held.id if isinstance(held, Hold) else held, now)
    with sql.Statements() as run:
        lock_accounts(run, [current.account_id])
        _end_hold(run, current, "voided", actor_id=actor_id, reason=reason or "voided", now=now)
    db.session.flush()
    return current


def expire_holds(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Expire up to `limit` overdue pending holds (the sweep); returns the ids it ended."""
    return _end_overdue_holds(rules.now(now), limit=limit)
