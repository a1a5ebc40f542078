"""Ledger verbs, the face every caller uses: open accounts, post transfers, hold / post / void,
reverse, read balances and statements.

Every verb validates its input completely before it writes, raises a `PointsError` on a
broken rule, flushes but never commits: the caller commits once per request.

Locks are always taken in one order — idempotency key, hold rows (by id), account rows (by
id), the chain head — so concurrent writers queue instead of deadlocking. On SQLite the
whole database is already locked by `BEGIN IMMEDIATE` and the row locks are no-ops.

Where each part lives:

- `rules`: what each verb accepts, and the ledger's rules — balanced per asset, the floor
  (no overdraft), one asset per hold — each written once for every write path;
- `sql`: the write path's statements, compiled once and run on the session's DB-API cursor
  (a single transfer is six statements, five on SQLite);
- `accounts`: opening system accounts and wallets; locking and moving account rows;
- `transfers`: the chain link, single transfers (checked, and SQLite's fast path), reversals
  and the bulk path;
- `holds`: two-phase transfers (hold → post / void / expire);
- `reads`: balances and statements.
"""

from __future__ import annotations

from points.ledger.accounts import (
    get_account,
    member_wallet,
    member_wallet_id,
    system_account,
    system_account_id,
    wallet_and_system_ids,
)
from points.ledger.holds import expire_holds, get_hold, hold, post_hold, void_hold
from points.ledger.reads import (
    Balance,
    PendingHold,
    StatementItem,
    StatementPage,
    balance_of,
    pending_holds,
    statement,
    wallet_balances,
    wallet_statement,
)
from points.ledger.rules import (
    KINDS,
    MAX_AMOUNT,
    MAX_KEY,
    MAX_MEMO,
    NEGATIVE_SYSTEM_ACCOUNTS,
)
from points.ledger.transfers import (
    TransferSpec,
    chain_key,
    get_transfer,
    post_transfer,
    post_transfers_bulk,
    reverse_transfer,
    transfer,
)

__all__ = [
    "Balance",
    "KINDS",
    "MAX_AMOUNT",
    "MAX_KEY",
    "MAX_MEMO",
    "NEGATIVE_SYSTEM_ACCOUNTS",
    "PendingHold",
    "StatementItem",
    "StatementPage",
    "TransferSpec",
    "balance_of",
    "chain_key",
    "expire_holds",
    "get_account",
    "get_hold",
    "get_transfer",
    "hold",
    "member_wallet",
    "member_wallet_id",
    "pending_holds",
    "post_hold",
    "post_transfer",
    "post_transfers_bulk",
    "reverse_transfer",
    "statement",
    "system_account",
    "system_account_id",
    "transfer",
    "void_hold",
    "wallet_and_system_ids",
    "wallet_balances",
    "wallet_statement",
]
