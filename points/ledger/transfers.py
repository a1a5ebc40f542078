"""Transfers: balanced postings appended to the hash chain, one at a time or in bulk.

Three paths write transfers and all hold them to the same `rules` and write the same chain
links (`_link`):

- the checked path (`post_transfer`, `reverse_transfer`, `holds.post_hold`): lock the
  accounts, check, then move the balances with the postings;
- SQLite's fast path inside `post_transfer`: one UPDATE … RETURNING moves the balances and
  reads the accounts back, and the same checks run on what it returns (any doubt undoes the
  move and takes the checked path, which raises the precise error);
- the bulk path (`post_transfers_bulk`, seed and import): one lock of every account, running
  balances in memory, batched inserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from points.database import lock_key
from points.errors import AlreadyReversed, IdempotencyConflict, InvalidInput, NotFound
from points.extensions import db
from points.ledger import messages as M
from points.ledger import rules, sql
from points.ledger.accounts import AccountRow, forget_cached_balances, lock_accounts
from points.ledger.chain import transfer_hash
from points.ledger.models import Account, Transfer


def chain_key() -> str:
    """The key of the transfer hash chain (points/ledger/chain.py); never in the database."""
    return current_app.config["LEDGER_CHAIN_KEY"]


def _link(
    prev_hash: str,
    seq: int,
    secret: str,
    kind: str,
    memo: str,
    actor_id: int | None,
    now: datetime,
    idempotency_key: str | None,
    reverses_id: int | None,
    hold_id: int | None,
    postings: list[tuple[int, str, int, int]],
) -> dict:
    """The values of transfer `seq` after `prev_hash`, its hash under `secret` included;
    `postings` are (account_id, asset, amount, balance_after)."""
    digest = transfer_hash(
        prev_hash,
        key=secret,
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
    return {
        "seq": seq,
        "kind": kind,
        "memo": memo,
        "actor_id": actor_id,
        "created_at": now,
        "idempotency_key": idempotency_key,
        "reverses_id": reverses_id,
        "hold_id": hold_id,
        "prev_hash": prev_hash,
        "hash": digest,
    }


def write_transfer(
    run: sql.Statements,
    *,
    kind: str,
    legs: list[tuple[int, int]],
    rows: dict[int, AccountRow],
    memo: str,
    actor_id: int | None,
    now: datetime,
    idempotency_key: str | None = None,
    reverses_id: int | None = None,
    hold_id: int | None = None,
    balances_moved: bool = False,
) -> Transfer:
    """Append one transfer to the chain; accounts in `rows` are locked and the rules checked.

    Five statements after the account lock: read the chain head (locking it), insert the
    transfer, insert its postings (one multi-row INSERT), move the balances (one UPDATE, unless
    `balances_moved` says the lock did) and advance the head.
    """
    prev_seq, prev_hash = run.run(sql.select_head).fetchone()
    postings = [
        (account_id, rows[account_id].asset, amount, rows[account_id].balance + amount)
        for account_id, amount in legs
    ]
    values = _link(
        prev_hash,
        prev_seq + 1,
        chain_key(),
        kind,
        memo,
        actor_id,
        now,
        idempotency_key,
        reverses_id,
        hold_id,
        postings,
    )
    (transfer_id,) = run.run(
        sql.add_transfer_returning_id, 1, {**values, "created_at": run.stamp(now)}
    ).fetchone()
    size = len(postings)
    added = {"t": transfer_id}
    moved = {}
    for i, (account_id, asset, amount, after) in enumerate(postings):
        added[f"account_id{i}"] = moved[f"a{i}"] = account_id
        added[f"asset{i}"] = asset
        added[f"amount{i}"] = moved[f"d{i}"] = amount
        added[f"balance_after{i}"] = after
    run.run(sql.add_postings, size, added)
    if not balances_moved:
        run.run(sql.add_to_balances, size, moved)
    run.run(sql.set_head, 1, {"seq": values["seq"], "hash": values["hash"]})
    forget_cached_balances(moved[f"a{i}"] for i in range(size))
    # The row is known: a persistent Transfer without reading it again.
    return sql.persistent(Transfer, **values, id=transfer_id)


def _move_balances_first(
    run: sql.Statements, legs: list[tuple[int, int]]
) -> dict[int, AccountRow] | None:
    """SQLite's short cut: move the balances and read the accounts back in one statement.

    `BEGIN IMMEDIATE` already holds the whole database, so nothing can change between the
    read and the write that the checking path does as two statements. The UPDATE skips an
    account whose floor would break (so its CHECK never fires), and the rows it returns are
    held to the same rules as on the checking path. Returns the rows as they were before the
    move; or None, with every balance back as it was, when an account is missing or a rule
    would break: the caller then takes the checking path, which raises the precise error.
    """
    params = {}
    for i, (account_id, amount) in enumerate(legs):
        params[f"a{i}"] = account_id
        params[f"d{i}"] = amount
    delta = dict(legs)
    rows = {
        account_id: AccountRow(account_id, asset, negative, balance - delta[account_id], held)
        for account_id, asset, negative, balance, held in run.run(
            sql.move_and_read, len(legs), params
        ).fetchall()
    }
    if (
        len(rows) == len(legs)
        and rules.unbalanced(legs, rows) is None
        and not rules.mixes_money(legs, rows)
        and rules.overdrawn(legs, rows) is None
    ):
        return rows
    if rows:
        undo = {}
        for i, account_id in enumerate(rows):
            undo[f"a{i}"] = account_id
            undo[f"d{i}"] = -delta[account_id]
        run.run(sql.add_to_balances, len(rows), undo)
    return None


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
    kind = rules.kind(kind)
    legs = rules.legs(postings)
    memo = rules.memo(memo)
    actor_id = rules.actor(actor_id)
    key = rules.idempotency_key(idempotency_key)
    now = rules.now(now)

    with sql.Statements() as run:
        if key is not None:
            existing = _replayed(run, key)
            if existing is not None:
                differing = rules.differing(
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

        rows = _move_balances_first(run, legs) if run.dialect.name == "sqlite" else None
        moved = rows is not None
        if not moved:
            rows = lock_accounts(run, (a for a, _ in legs))
            rules.refuse_unbalanced(legs, rows)
            rules.refuse_overdraft(legs, rows)
        return write_transfer(
            run,
            kind=kind,
            legs=legs,
            rows=rows,
            memo=memo,
            actor_id=actor_id,
            now=now,
            idempotency_key=key,
            balances_moved=moved,
        )


def _replayed(run: sql.Statements, key: str) -> Transfer | None:
    """The transfer posted earlier under `key`, if any (holding the key's lock from here)."""
    lock_key(db.session, "transfer:" + key)
    found = run.run(sql.transfer_with_key, 1, {"key": key}).fetchone()
    return None if found is None else db.session.get(Transfer, found[0])


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
    amount = rules.amount(amount)
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
        raise NotFound(M.NO_TRANSFER, field="transfer", transfer=transfer_id)
    return found


def reverse_transfer(
    original: Transfer, *, reason: str, actor_id: int | None, now: datetime | None = None
) -> Transfer:
    """Undo `original` with a transfer of the opposite postings, pointing back at it; once."""
    reason = rules.text(reason, "reason", rules.MAX_MEMO, required=True)
    actor_id = rules.actor(actor_id)
    now = rules.now(now)
    if original.kind == "reverse":
        raise AlreadyReversed(M.REVERSAL_NOT_REVERSIBLE)
    lock_key(db.session, f"reverse:{original.id}")
    with sql.Statements() as run:
        found = run.run(sql.reversal_of, 1, {"original": original.id}).fetchone()
        if found is not None:
            earlier = db.session.get(Transfer, found[0])
            raise AlreadyReversed(
                M.ALREADY_REVERSED,
                transfer=original.id,
                reversal=earlier.id,
                at=earlier.created_at,
            )
        legs = [(p.account_id, -p.amount) for p in original.postings]
        rows = lock_accounts(run, (a for a, _ in legs))
        # The negation of a balanced transfer is balanced; only the floors need checking.
        rules.refuse_overdraft(legs, rows)
        return write_transfer(
            run,
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
    actor_id = rules.actor(actor_id)
    now = rules.now(now)
    prepared = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, TransferSpec):
            raise InvalidInput(M.NOT_A_TRANSFER_SPEC, field=f"specs.{i}")
        prepared.append((rules.kind(spec.kind), rules.legs(spec.postings), rules.memo(spec.memo)))
    if not prepared:
        return []
    with sql.Statements() as run:
        rows = lock_accounts(run, (a for _, legs, _ in prepared for a, _ in legs))
        balance = {a: row.balance for a, row in rows.items()}
        first_seq, prev_hash = run.run(sql.select_head).fetchone()
        secret = chain_key()
        seq = first_seq
        created_at = run.stamp(now)
        transfers, postings = [], []
        for kind, legs, memo in prepared:
            rules.refuse_unbalanced(legs, rows)
            rules.refuse_overdraft(legs, rows, balance, name_account=True)
            legs_after = []
            for account_id, amount in legs:
                after = balance[account_id] = balance[account_id] + amount
                legs_after.append((account_id, rows[account_id].asset, amount, after))
            seq += 1
            values = _link(
                prev_hash, seq, secret, kind, memo, actor_id, now, None, None, None, legs_after
            )
            values["created_at"] = created_at
            transfers.append(values)
            postings.append(legs_after)
            prev_hash = values["hash"]
        # Plain executemany batches on every driver (INSERT … RETURNING does not on SQLite);
        # the ids come back by chain position, which the head lock keeps ours alone.
        run.many(sql.add_transfer, transfers)
        ids = [
            transfer_id
            for (transfer_id,) in run.run(sql.ids_by_seq, 1, {"after": first_seq, "last": seq})
        ]
        run.many(
            sql.add_postings,
            [
                {
                    "t": transfer_id,
                    "account_id0": account_id,
                    "asset0": asset,
                    "amount0": amount,
                    "balance_after0": after,
                }
                for transfer_id, legs_after in zip(ids, postings, strict=True)
                for account_id, asset, amount, after in legs_after
            ],
        )
        changed = [(a, b) for a, b in balance.items() if b != rows[a].balance]
        if changed:
            run.many(sql.set_balance, [{"a0": a, "balance": b} for a, b in changed])
            forget_cached_balances(a for a, _ in changed)
        run.run(sql.set_head, 1, {"seq": seq, "hash": prev_hash})
    return ids
