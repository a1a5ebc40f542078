"""The transfer hash chain: each transfer's hash covers its content and its predecessor's hash.

Pure functions; `services` computes hashes when writing, `verify` when checking.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transfer_hash(
    prev_hash: str,
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
    """SHA-256 over the predecessor's hash and a canonical JSON of the transfer.

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
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
