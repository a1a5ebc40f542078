"""The chain head, written outside the database: what `verify` checks the chain's length by.

The keyed chain (chain.py) stops anyone without the key from rewriting a transfer, but
cutting transfers off the end leaves every remaining link valid. So the head — position and
hash — is copied to a file (`LEDGER_ANCHOR_PATH`, default `<instance>/ledger-anchor.json`)
after each housekeeping sweep and by `flask --app points ledger anchor`. `verify` then
faults when the chain in the database is shorter than the anchor (truncated) or the transfer
at an anchored position has another hash (rewritten).

The file is replaced whole (written aside, flushed, renamed over) under an exclusive lock,
and keeps the last few heads. An anchor is only ever moved forward along the same chain: if
the database no longer holds the anchored transfer, the anchor is left as it is and the
write is refused, so a truncated database cannot overwrite the evidence of its truncation.
Anchors are read before the database, and written only from committed heads.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from points.database import utcnow
from points.extensions import db
from points.ledger.models import GENESIS_HASH, LedgerHead, Transfer

HISTORY = 20  # earlier heads kept in the file besides the latest


class AnchorError(RuntimeError):
    """The anchor cannot be read, or the database no longer extends it; says which."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # when it was written, ISO 8601 UTC

    def describe(self) -> str:
        return f"position {self.seq}, hash {self.hash[:16]}…, written {self.at}"


def anchor_path() -> Path:
    return Path(current_app.config["LEDGER_ANCHOR_PATH"])


def _parse(entry) -> Anchor:
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("seq"), int)
        or isinstance(entry.get("seq"), bool)
        or entry["seq"] < 0
        or not isinstance(entry.get("hash"), str)
        or len(entry["hash"]) != 64
        or not isinstance(entry.get("at"), str)
    ):
        raise ValueError(f"not an anchor: {entry!r:.120}")
    return Anchor(entry["seq"], entry["hash"], entry["at"])


def read_anchors(path: Path | None = None) -> list[Anchor]:
    """The anchors in the file, latest first; [] when there is no file yet."""
    path = path or anchor_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return [_parse(document), *(_parse(e) for e in document.get("history", []))]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, AttributeError) as error:
        raise AnchorError(f"the anchor file {path} cannot be read: {error}") from None


def hashes_at(positions: Iterable[int]) -> dict[int, str]:
    """The hash of the transfer at each chain position that exists (position 0: genesis)."""
    wanted = sorted(set(positions))
    found = {0: GENESIS_HASH} if 0 in wanted else {}
    for start in range(0, len(wanted), 500):
        chunk = [seq for seq in wanted[start : start + 500] if seq > 0]
        if chunk:
            found.update(
                db.session.execute(
                    sa.select(Transfer.seq, Transfer.hash).where(Transfer.seq.in_(chunk))
                ).all()
            )
    return found


def mismatches(anchors: list[Anchor], head_seq: int, path: Path) -> list[str]:
    """What is wrong with the database's chain measured against `anchors` (latest first)."""
    if not anchors:
        return []
    faults = []
    latest = anchors[0]
    if head_seq < latest.seq:
        faults.append(
            f"the chain ends at position {head_seq}, but the anchor ({path}) records position "
            f"{latest.seq}: {latest.seq - head_seq} transfer(s) were cut off the end"
        )
    found = hashes_at(a.seq for a in anchors)
    for anchor in anchors:
        have = found.get(anchor.seq)
        if have is not None and have != anchor.hash:
            faults.append(
                f"the transfer at position {anchor.seq} has hash {have[:16]}…, but the anchor "
                f"({path}, written {anchor.at}) records {anchor.hash[:16]}…: the chain was "
                "rewritten"
            )
            break  # later links follow from the first rewritten one
    return faults


def _head() -> tuple[int, str]:
    head = db.session.execute(sa.select(LedgerHead.seq, LedgerHead.hash)).one()
    return head.seq, head.hash


def write_anchor(path: Path | None = None, *, now: datetime | None = None) -> Anchor:
    """Copy the committed chain head to the anchor file, moving it forward only; returns the
    anchor now in the file. Raises AnchorError (leaving the file alone) when the database no
    longer extends the anchored chain. Call it after committing; it only reads."""
    path = path or anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        anchors = read_anchors(path)
        seq, digest = _head()
        db.session.rollback()  # end the read: the sweep's connection goes back to the pool
        faults = mismatches(anchors, seq, path)
        if faults:
            raise AnchorError("anchor not moved: " + "; ".join(faults))
        if anchors and anchors[0].seq == seq:
            return anchors[0]  # nothing new since
        stamp = (now or utcnow()).isoformat(timespec="seconds")
        latest = Anchor(seq, digest, stamp)
        document = {**asdict(latest), "history": [asdict(a) for a in anchors[:HISTORY]]}
        aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(aside, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return latest
    finally:
        os.close(lock)  # releases the lock
