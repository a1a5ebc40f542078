"""The transfer hash chain: each transfer's hash covers its content and its predecessor's hash.

The hash is an HMAC-SHA-256 under the chain key, which lives outside the database
(`LEDGER_CHAIN_KEY` from the environment, else a file made once in the instance folder; see
points/keys.py). Someone who can write to the database but does not hold the key cannot
rewrite a transfer and recompute the chain after it: `verify` would find the first changed
link. Cutting transfers off the end of the chain keeps the remaining links valid; the anchor
written outside the database (`points/ledger/anchor.py`) catches that.

No legacy chains: the first transfer (after the genesis hash, "0" × 64) is already keyed, and
a chain written with the unkeyed SHA-256 of earlier versions, or under another key, fails
`verify` at its first transfer. There was no deployment before the key, so no migration
re-hashes old rows; changing the key of a live ledger would mean the same (every transfer
fails), so the key is made once and kept with the instance folder's backups.

Pure functions; `services` computes hashes when writing, `verify` when checking.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=8)
def _keyed(key: str) -> hmac.HMAC:
    """The HMAC state after the key is absorbed; each hash starts from a copy of it."""
    if not isinstance(key, str) or not key:
        raise ValueError("the ledger chain key is missing (LEDGER_CHAIN_KEY)")
    return hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)


def canonical(
    *,
    seq: int,
    kind: str,
    memo: str,
    actor_id: int | None,
    created_at: datetime,
    idempotency_key: str | None,
    reverses_id: int | None,
    hold_id: int | None,
    postings: Iterable[tuple[int, str, int, int]],
) -> str:
    """The transfer as canonical JSON: what its hash covers besides the predecessor's hash.

    `postings` are (account_id, asset, amount, balance_after); their order does not matter.
    """
    content = {
        "seq": seq,
        "kind": kind,
        "memo": memo,
        "actor": actor_id,
        "at": _timestamp(created_at),
        "key": idempotency_key,
        "reverses": reverses_id,
        "hold": hold_id,
        "postings": sorted([list(p) for p in postings]),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def transfer_hash(prev_hash: str, *, key: str, **transfer) -> str:
    """HMAC-SHA-256 under `key` over the predecessor's hash and the transfer's canonical
    JSON (the keyword arguments of `canonical`)."""
    mac = _keyed(key).copy()
    mac.update((prev_hash + canonical(**transfer)).encode("utf-8"))
    return mac.hexdigest()
