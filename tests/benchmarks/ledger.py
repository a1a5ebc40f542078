"""Ledger benchmarks: figures and ratios, never pass/fail.

Run from the project root with `make bench`, i.e. `python -m tests.benchmarks.ledger`.
Progress goes to stderr; stdout gets a table and then one JSON document with every figure.

1. Single transfers, one commit each: `ledger.transfer` against plain `sqlite3` writing the
   same rows with the same durability (WAL, synchronous=FULL, BEGIN IMMEDIATE), alternating
   blocks so both see the same machine.
2. Bulk posting (the seed / import path): `post_transfers_bulk` in chunks against plain
   `executemany` of the same rows in the same chunks.
3. Read latency of `balance_of` and of a wallet's statement page (`wallet_statement`: the
   first, and a deep one reached through the cursor) for one busy wallet, as the database
   grows from 10 k to 1 M postings.
4. Peak memory: the process's maximum RSS and the tracemalloc peak while growing by bulk.

Both sides of a comparison start from identical databases (built by the migrations) and get
identical inputs, timestamps included, so they must end with identical ledgers; the run
checks that by digesting the tables, so a ratio never compares different work.

With BENCH_DATABASE_URL naming a PostgreSQL database the benchmark MAY WIPE, sections 1 and 3
run again there: its public schema is dropped and re-created before each part, and once more
at the end, which leaves it empty. A failure there is reported, after the SQLite figures, and
makes the exit status 1. `--quick` runs everything at a small scale, to check the script.
The JSON document is the last line of stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import platform
import random
import resource
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import sqlalchemy as sa
from flask import Flask

import points
from points.config import normalise_database_url
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.chain import transfer_hash

RATIO_TARGET = 0.5  # service / raw throughput, sections 1 and 2
FLAT_TARGET = 2.0  # largest / smallest database read latency, section 3
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # every transfer's created_at is derived from it
FUNDING = 10_000_000  # points each wallet of sections 1 and 2 starts with
CHAIN_KEY = secrets.token_urlsafe(48)  # both sides hash under it, as the app does
READS = ("balance_of", "statement_first", "statement_deep")


@dataclass(frozen=True)
class Plan:
    """How much work each section does."""

    single_transfers: int = 2_000
    single_warmup: int = 50
    single_rounds: int = 4  # alternating service / raw blocks, ABBA
    write_wallets: int = 100  # section 1 moves between the first 4, section 2 uses all
    bulk_transfers: int = 50_000
    bulk_chunk: int = 5_000
    read_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)  # total postings
    read_calls: int = 300
    read_warmup: int = 30
    read_page: int = 50
    read_wallets: int = 1_000  # plus the busy wallet that is measured
    busy_share: float = 0.1  # share of transfers that touch the busy wallet
    growth_chunk: int = 5_000
    trace_chunks: int = 3  # growth chunks run under tracemalloc


FULL = Plan()
QUICK = Plan(
    single_transfers=200,
    single_warmup=10,
    bulk_transfers=4_000,
    bulk_chunk=1_000,
    read_sizes=(2_000, 10_000, 40_000),
    read_calls=50,
    read_warmup=5,
    read_wallets=100,
    growth_chunk=2_000,
)


# ---------------------------------------------------------------------------- small helpers


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def max_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(seconds: Sequence[float], unit: str) -> dict[str, float]:
    """p50 / p99 / mean of durations given in seconds, in `unit` ("ms" or "us")."""
    scale = {"ms": 1e3, "us": 1e6}[unit]
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        f"p50_{unit}": cuts[49] * scale,
        f"p99_{unit}": cuts[98] * scale,
        f"mean_{unit}": statistics.fmean(seconds) * scale,
    }


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def stamp_sqlite(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite: naive UTC text with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fsync_cost_us(directory: Path, rounds: int = 200) -> float:
    """Median time to write 4 KiB and fsync it in `directory`: what durability costs here."""
    path = directory / "fsync-probe"
    block = b"\0" * 4096
    times = []
    with open(path, "wb") as probe:
        for _ in range(rounds):
            started = time.perf_counter()
            probe.write(block)
            probe.flush()
            os.fsync(probe.fileno())
            times.append(time.perf_counter() - started)
    path.unlink()
    return statistics.median(times) * 1e6


def sqlite_settings(execute: Callable[[str], Any]) -> dict[str, Any]:
    names = ("journal_mode", "synchronous", "foreign_keys")
    return {name: execute(f"PRAGMA {name}") for name in names}


def is_postgresql_url(url: str) -> bool:
    return sa.engine.make_url(normalise_database_url(url)).get_backend_name() == "postgresql"


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq connection string for psycopg."""
    parsed = sa.engine.make_url(normalise_database_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


# ---------------------------------------------------------------------------- the app


def build_app(url: str) -> Flask:
    return points.create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "HOUSEKEEPING_INTERVAL_S": 0,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "LEDGER_CHAIN_KEY": CHAIN_KEY,
        }
    )


def migrated_app(url: str) -> Flask:
    """An app on `url` with the schema built by the migrations (Alembic's log is muted)."""
    app = build_app(url)
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        flask_migrate.upgrade()
    return app


def release(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def reset_postgresql(url: str) -> None:
    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def open_accounts(wallets: int, funding: int, now: datetime) -> tuple[int, list[int]]:
    """Issuance and member wallets 1..`wallets`, each funded with `funding`; their ids.

    Runs inside an app context; deterministic, so two fresh databases get the same rows.
    """
    issuance = ledger.system_account("issuance").id
    ids = [ledger.member_wallet(member).id for member in range(1, wallets + 1)]
    if funding:
        ledger.post_transfers_bulk(
            [ledger.TransferSpec("earn", [(issuance, -funding), (w, funding)]) for w in ids],
            now=now,
        )
    db.session.commit()
    return issuance, ids


# ---------------------------------------------------------------------------- the raw baseline

DIGEST_QUERIES = (
    "SELECT id, seq, kind, memo, actor_id, created_at, idempotency_key, reverses_id, hold_id,"
    " prev_hash, hash FROM transfers ORDER BY id",
    "SELECT id, transfer_id, account_id, asset, amount, balance_after FROM postings ORDER BY id",
    "SELECT id, name, asset, kind, member_id, may_go_negative, balance, held"
    " FROM accounts ORDER BY id",
    "SELECT id, seq, hash FROM ledger_head ORDER BY id",
)


def ledger_digest(connection) -> str:
    """SHA-256 over every ledger row (accounts without their opening time): equal digests on
    the same backend mean equal ledgers."""
    digest = hashlib.sha256()
    cursor = connection.cursor()
    for query in DIGEST_QUERIES:
        cursor.execute(query)
        for row in cursor.fetchall():
            digest.update(repr(tuple(row)).encode())
    cursor.close()
    return digest.hexdigest()


def sqlite_digest(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return ledger_digest(connection)
    finally:
        connection.close()


def postgresql_digest(url: str) -> str:
    import psycopg

    with psycopg.connect(libpq_url(url)) as connection:
        return ledger_digest(connection)


class InsufficientFunds(Exception):
    pass


class RawLedger:
    """The ledger's write path as plain DB-API calls: the baseline the service is held to.

    It does what the service does for the same rows — lock, read the accounts and the chain
    head, check the floor, hash, insert the transfer and its postings, move the balances,
    advance the head, commit — and nothing else (no validation layer, no ORM).
    """

    def __init__(self, connection, dialect: str):
        self.connection = connection
        self.pg = dialect == "postgresql"
        self.cursor = connection.cursor()
        lock = " FOR UPDATE" if self.pg else ""

        def sql(text: str) -> str:
            return text.replace("?", "%s") if self.pg else text

        self.sql_accounts_pair = sql(
            "SELECT id, asset, may_go_negative, balance, held FROM accounts"
            f" WHERE id IN (?, ?) ORDER BY id{lock}"
        )
        self.sql_head = f"SELECT seq, hash FROM ledger_head WHERE id = 1{lock}"
        self.sql_insert_transfer = sql(
            "INSERT INTO transfers (seq, kind, memo, actor_id, created_at, idempotency_key,"
            " reverses_id, hold_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id"
        )
        self.sql_insert_transfer_with_id = sql(
            "INSERT INTO transfers (id, seq, kind, memo, actor_id, created_at, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        self.sql_insert_posting = sql(
            "INSERT INTO postings (transfer_id, account_id, asset, amount, balance_after)"
            " VALUES (?, ?, ?, ?, ?)"
        )
        self.sql_add_balance = sql("UPDATE accounts SET balance = balance + ? WHERE id = ?")
        self.sql_set_balance = sql("UPDATE accounts SET balance = ? WHERE id = ?")
        self.sql_set_head = sql("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1")
        self.stamp = (lambda moment: moment) if self.pg else stamp_sqlite

    @classmethod
    def sqlite(cls, path: Path) -> RawLedger:
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            connection.execute(f"PRAGMA {pragma}")
        return cls(connection, "sqlite")

    @classmethod
    def postgresql(cls, url: str) -> RawLedger:
        import psycopg

        return cls(psycopg.connect(libpq_url(url)), "postgresql")

    def close(self) -> None:
        self.cursor.close()
        self.connection.close()

    def _begin(self) -> None:
        if not self.pg:  # psycopg opens the transaction with the first statement
            self.cursor.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        if self.pg:
            self.connection.commit()
        else:
            self.cursor.execute("COMMIT")

    def _rollback(self) -> None:
        if self.pg:
            self.connection.rollback()
        else:
            self.cursor.execute("ROLLBACK")

    def transfer(
        self, kind: str, source: int, destination: int, amount: int, memo: str, now: datetime
    ) -> int:
        cursor = self.cursor
        self._begin()
        try:
            cursor.execute(self.sql_accounts_pair, sorted((source, destination)))
            rows = {row[0]: row for row in cursor.fetchall()}
            _, asset, may_go_negative, balance, held = rows[source]
            if rows[destination][1] != asset:
                raise ValueError("the accounts hold different assets")
            if not may_go_negative and balance - held < amount:
                raise InsufficientFunds(f"account {source}")
            cursor.execute(self.sql_head)
            seq, prev_hash = cursor.fetchone()
            seq += 1
            legs = [
                (source, asset, -amount, balance - amount),
                (destination, asset, amount, rows[destination][3] + amount),
            ]
            digest = transfer_hash(
                prev_hash,
                key=CHAIN_KEY,
                seq=seq,
                kind=kind,
                memo=memo,
                actor_id=None,
                created_at=now,
                idempotency_key=None,
                reverses_id=None,
                hold_id=None,
                postings=legs,
            )
            cursor.execute(
                self.sql_insert_transfer,
                (seq, kind, memo, None, self.stamp(now), None, None, None, prev_hash, digest),
            )
            (transfer_id,) = cursor.fetchone()
            cursor.executemany(self.sql_insert_posting, [(transfer_id, *leg) for leg in legs])
            cursor.executemany(self.sql_add_balance, [(-amount, source), (amount, destination)])
            cursor.execute(self.sql_set_head, (seq, digest))
            self._commit()
            return transfer_id
        except BaseException:
            self._rollback()
            raise

    def post_bulk(self, chunk: Sequence[Move], now: datetime) -> None:
        """One transaction for the whole chunk, every table written with executemany.

        Transfer ids are assigned here (max + 1 …, under the write lock) so the postings can
        point at them without reading them back; they are the ids SQLite would choose.
        """
        cursor = self.cursor
        self._begin()
        try:
            ids = sorted({a for move in chunk for a in (move.source, move.destination)})
            marks = ", ".join("?" * len(ids))
            cursor.execute(
                "SELECT id, asset, may_go_negative, balance, held FROM accounts"
                f" WHERE id IN ({marks}) ORDER BY id",
                ids,
            )
            rows = {row[0]: row for row in cursor.fetchall()}
            balance = {a: row[3] for a, row in rows.items()}
            cursor.execute(self.sql_head)
            seq, prev_hash = cursor.fetchone()
            cursor.execute("SELECT coalesce(max(id), 0) FROM transfers")
            (transfer_id,) = cursor.fetchone()
            created_at = self.stamp(now)
            transfers, postings = [], []
            for move in chunk:
                source, destination, amount = move.source, move.destination, move.amount
                _, asset, may_go_negative, _, held = rows[source]
                if rows[destination][1] != asset:
                    raise ValueError("the accounts hold different assets")
                if not may_go_negative and balance[source] - held < amount:
                    raise InsufficientFunds(f"account {source}")
                balance[source] -= amount
                balance[destination] += amount
                legs = [
                    (source, asset, -amount, balance[source]),
                    (destination, asset, amount, balance[destination]),
                ]
                seq += 1
                transfer_id += 1
                digest = transfer_hash(
                    prev_hash,
                    key=CHAIN_KEY,
                    seq=seq,
                    kind=move.kind,
                    memo=move.memo,
                    actor_id=None,
                    created_at=now,
                    idempotency_key=None,
                    reverses_id=None,
                    hold_id=None,
                    postings=legs,
                )
                transfers.append(
                    (transfer_id, seq, move.kind, move.memo, None, created_at, prev_hash, digest)
                )
                postings.extend((transfer_id, *leg) for leg in legs)
                prev_hash = digest
            cursor.executemany(self.sql_insert_transfer_with_id, transfers)
            cursor.executemany(self.sql_insert_posting, postings)
            cursor.executemany(
                self.sql_set_balance,
                [(b, a) for a, b in balance.items() if b != rows[a][3]],
            )
            cursor.execute(self.sql_set_head, (seq, prev_hash))
            self._commit()
        except BaseException:
            self._rollback()
            raise


# ---------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Move:
    """One two-posting transfer: `amount` from `source` to `destination`."""

    kind: str
    source: int
    destination: int
    amount: int
    memo: str = ""

    def spec(self) -> ledger.TransferSpec:
        legs = [(self.source, -self.amount), (self.destination, self.amount)]
        return ledger.TransferSpec(self.kind, legs, self.memo)


def single_moves(wallets: Sequence[int], n: int) -> list[tuple[Move, datetime]]:
    """`n` wallet-to-wallet transfers round a few wallets, each with its own timestamp."""
    k = len(wallets)
    moves = []
    for i in range(n):
        source = wallets[i % k]
        destination = wallets[(i % k + 1 + (i // k) % (k - 1)) % k]
        move = Move("transfer", source, destination, 1 + (i * 37) % 100, f"bench {i}")
        moves.append((move, EPOCH + timedelta(hours=1, milliseconds=i)))
    return moves


def bulk_moves(issuance: int, wallets: Sequence[int], n: int, seed: int) -> list[Move]:
    """An import: half earnings from issuance, half transfers between (funded) wallets."""
    rng = random.Random(seed)
    moves = []
    for i in range(n):
        destination = rng.choice(wallets)
        amount = rng.randint(1, 100)
        if rng.random() < 0.5:
            moves.append(Move("earn", issuance, destination, amount, f"import {i}"))
        else:
            source = rng.choice(wallets)
            while source == destination:
                source = rng.choice(wallets)
            moves.append(Move("transfer", source, destination, amount, f"import {i}"))
    return moves


class Growth:
    """An endless, valid stream of transfers over many wallets and one busy wallet."""

    def __init__(self, issuance: int, busy: int, wallets: Sequence[int], share: float):
        self.issuance, self.busy, self.wallets, self.share = issuance, busy, list(wallets), share
        self.balance = dict.fromkeys([busy, *wallets], 0)
        self.rng = random.Random(1)

    def _move(self, kind: str, source: int, destination: int, amount: int) -> Move:
        if source != self.issuance:
            self.balance[source] -= amount
        self.balance[destination] += amount
        return Move(kind, source, destination, amount, kind)

    def next(self) -> Move:
        rng, amount = self.rng, self.rng.randint(1, 100)
        if rng.random() < self.share:
            if rng.random() < 0.5 or self.balance[self.busy] < amount:
                return self._move("earn", self.issuance, self.busy, amount)
            return self._move("transfer", self.busy, rng.choice(self.wallets), amount)
        source, destination = rng.sample(self.wallets, 2)
        if rng.random() < 0.5 or self.balance[source] < amount:
            return self._move("earn", self.issuance, destination, amount)
        return self._move("transfer", source, destination, amount)

    def chunk(self, n: int) -> list[ledger.TransferSpec]:
        return [self.next().spec() for _ in range(n)]


# ---------------------------------------------------------------------------- section 1


def service_transfer(move: Move, now: datetime) -> None:
    ledger.transfer(
        kind=move.kind,
        source=move.source,
        destination=move.destination,
        amount=move.amount,
        memo=move.memo,
        now=now,
    )
    db.session.commit()


def rate_summary(count: int, durations: Sequence[float]) -> dict[str, Any]:
    total = sum(durations)
    return {
        "count": count,
        "seconds": total,
        "per_s": count / total,
        **percentiles(durations, "ms"),
    }


def time_each(items, call: Callable) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        call(*item)
        out.append(time.perf_counter() - started)
    return out


def single_section(plan: Plan, wallets: Sequence[int], raw: RawLedger) -> dict[str, Any]:
    """Service and raw writes of the same moves, alternating in ABBA blocks (service runs
    inside the caller's app context; raw on its own connection)."""
    moves = single_moves(wallets[:4], plan.single_warmup + plan.single_transfers)
    warmup, timed = moves[: plan.single_warmup], moves[plan.single_warmup :]
    for move, now in warmup:
        service_transfer(move, now)
        raw.transfer(move.kind, move.source, move.destination, move.amount, move.memo, now)
    size = -(-len(timed) // plan.single_rounds)
    blocks = [timed[i : i + size] for i in range(0, len(timed), size)]
    service_s: list[float] = []
    raw_s: list[float] = []

    def run_raw(move: Move, now: datetime) -> None:
        raw.transfer(move.kind, move.source, move.destination, move.amount, move.memo, now)

    for r, block in enumerate(blocks):
        sides = [(service_s, service_transfer), (raw_s, run_raw)]
        for durations, call in sides if r % 2 == 0 else sides[::-1]:
            durations.extend(time_each(block, call))
    service, raw_figures = rate_summary(len(timed), service_s), rate_summary(len(timed), raw_s)
    return {
        "transfers": len(timed),
        "warmup": len(warmup),
        "service": service,
        "raw": raw_figures,
        "ratio": ratio(service["per_s"], raw_figures["per_s"]),
        "meets_target": service["per_s"] >= RATIO_TARGET * raw_figures["per_s"],
    }


def sequential_single(plan: Plan, wallets: Sequence[int], transfer: Callable) -> dict:
    """One side only (PostgreSQL, where both sides share one database and take turns)."""
    moves = single_moves(wallets[:4], plan.single_warmup + plan.single_transfers)
    for move, now in moves[: plan.single_warmup]:
        transfer(move, now)
    timed = moves[plan.single_warmup :]
    return rate_summary(len(timed), time_each(timed, transfer))


# ---------------------------------------------------------------------------- section 2


def bulk_section(plan: Plan, issuance: int, wallets: Sequence[int], raw: RawLedger) -> dict:
    moves = bulk_moves(issuance, wallets, plan.bulk_transfers, seed=2)
    chunks = [moves[i : i + plan.bulk_chunk] for i in range(0, len(moves), plan.bulk_chunk)]
    service_s: list[float] = []
    raw_s: list[float] = []
    for k, chunk in enumerate(chunks):
        now = EPOCH + timedelta(hours=2, seconds=k)
        specs = [move.spec() for move in chunk]  # the caller's input, built outside the clock

        def run_service(specs=specs, now=now) -> None:
            ledger.post_transfers_bulk(specs, now=now)
            db.session.commit()

        def run_raw(chunk=chunk, now=now) -> None:
            raw.post_bulk(chunk, now)

        sides = [(service_s, run_service), (raw_s, run_raw)]
        for durations, call in sides if k % 2 == 0 else sides[::-1]:
            started = time.perf_counter()
            call()
            durations.append(time.perf_counter() - started)
    service_total, raw_total = sum(service_s), sum(raw_s)
    service = {
        "seconds": service_total,
        "per_s": len(moves) / service_total,
        "chunk_median_s": statistics.median(service_s),
    }
    raw_figures = {
        "seconds": raw_total,
        "per_s": len(moves) / raw_total,
        "chunk_median_s": statistics.median(raw_s),
    }
    return {
        "transfers": len(moves),
        "chunk": plan.bulk_chunk,
        "chunks": len(chunks),
        "service": service,
        "raw": raw_figures,
        "ratio": ratio(service["per_s"], raw_figures["per_s"]),
        "meets_target": service["per_s"] >= RATIO_TARGET * raw_figures["per_s"],
    }


# ---------------------------------------------------------------------------- section 3


def _end_request() -> None:
    db.session.rollback()


def read_latencies(plan: Plan, busy: int, owner: int) -> dict[str, Any]:
    """p50 / p99 of balance_of and two statement pages of the busy wallet (member `owner`'s),
    each call timed with its own transaction, begun by the call and ended by a rollback, as a
    request would."""
    history = db.session.scalar(
        sa.text("SELECT count(*) FROM postings WHERE account_id = :a"), {"a": busy}
    )
    middle = db.session.scalar(
        sa.text("SELECT id FROM postings WHERE account_id = :a ORDER BY id LIMIT 1 OFFSET :n"),
        {"a": busy, "n": history // 2},
    )
    _end_request()
    cursor = str(middle)
    calls = {
        # The fixed cost every request pays: check-out, BEGIN IMMEDIATE, one query, rollback.
        "empty_transaction": lambda: db.session.execute(sa.text("SELECT 1")),
        "balance_of": lambda: ledger.balance_of(busy),
        # As the pages and the API read it: the member's wallet by name, in one statement.
        "statement_first": lambda: ledger.wallet_statement(owner, limit=plan.read_page),
        "statement_deep": lambda: ledger.wallet_statement(
            owner, cursor=cursor, limit=plan.read_page
        ),
    }
    pages = {name: call() for name, call in calls.items() if name.startswith("statement")}
    _end_request()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for i in range(plan.read_warmup + plan.read_calls):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            _end_request()
            if i >= plan.read_warmup:
                samples[name].append(time.perf_counter() - started)
    figures: dict[str, Any] = {name: percentiles(s, "us") for name, s in samples.items()}
    figures["busy_wallet_postings"] = history
    figures["deep_cursor"] = middle
    figures["page_rows"] = {name: len(page.items) for name, page in pages.items()}
    return figures


def database_mib(url: str) -> float:
    if is_postgresql_url(url):
        size = db.session.scalar(sa.text("SELECT pg_database_size(current_database())"))
        _end_request()
        return size / 2**20
    path = Path(sa.engine.make_url(url).database)
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def settle(url: str) -> float | None:
    """On PostgreSQL, VACUUM (ANALYZE) after a growth step, as autovacuum would do sooner or
    later: reads are measured with current statistics instead of racing the daemon. SQLite
    has no such daemon and the app never runs ANALYZE, so it is left alone. Returns seconds."""
    if not is_postgresql_url(url):
        return None
    started = time.perf_counter()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def grow(
    growth: Growth, transfers: int, chunk: int, start: int, trace_chunks: int = 0
) -> dict[str, Any]:
    """Post `transfers` more transfers in chunks with post_transfers_bulk, a commit each.

    The first `trace_chunks` chunks run under tracemalloc (peak per chunk); the rate is
    taken over the other chunks, as tracemalloc slows the bulk path down several times.
    """
    peaks: list[float] = []
    clean_seconds = 0.0
    clean_transfers = 0
    done = 0
    while done < transfers:
        n = min(chunk, transfers - done)
        specs = growth.chunk(n)
        now = EPOCH + timedelta(days=1, seconds=start + done)
        traced = len(peaks) < trace_chunks
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        ledger.post_transfers_bulk(specs, now=now)
        db.session.commit()
        seconds = time.perf_counter() - started
        if traced:
            peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
            tracemalloc.stop()
        else:
            clean_seconds += seconds
            clean_transfers += n
        done += n
    figures: dict[str, Any] = {
        "transfers": transfers,
        "timed_transfers": clean_transfers,
        "seconds": clean_seconds,
        "per_s": clean_transfers / clean_seconds if clean_seconds else None,
        "traced_chunks": len(peaks),
    }
    if peaks:
        figures["tracemalloc_chunk_peaks_mib"] = peaks
    return figures


def reads_section(plan: Plan, url: str, trace: bool) -> dict[str, Any]:
    """Grow one database through the plan's sizes and measure reads at each.

    Runs inside an app context on a freshly migrated, empty database."""
    issuance = ledger.system_account("issuance").id
    busy = ledger.member_wallet(1).id
    wallets = [ledger.member_wallet(m).id for m in range(2, plan.read_wallets + 2)]
    db.session.commit()
    growth = Growth(issuance, busy, wallets, plan.busy_share)
    postings = 0
    sizes = []
    for index, target in enumerate(plan.read_sizes):
        transfers = (target - postings) // 2
        progress(f"  growing to {target:,} postings ({transfers:,} transfers)")
        # A few chunks of the second step run under tracemalloc: cheap, and enough to show
        # the bulk path's peak per chunk and that it does not creep up from chunk to chunk.
        traced = plan.trace_chunks if trace and index == 1 else 0
        step = grow(growth, transfers, plan.growth_chunk, postings // 2, traced)
        postings += 2 * transfers
        step["vacuum_analyze_s"] = settle(url)
        progress(f"  reading at {postings:,} postings")
        figures = read_latencies(plan, busy, owner=1)
        sizes.append(
            {"postings": postings, "database_mib": database_mib(url), "growth": step, **figures}
        )
    first, last = sizes[0], sizes[-1]
    flatness = {}
    for name in ("empty_transaction", *READS):
        p50 = ratio(last[name]["p50_us"], first[name]["p50_us"])
        p99 = ratio(last[name]["p99_us"], first[name]["p99_us"])
        met = p50 is not None and p50 <= FLAT_TARGET
        flatness[name] = {"p50": p50, "p99": p99, "meets_target": met}
    return {
        "calls": plan.read_calls,
        "page": plan.read_page,
        "wallets": plan.read_wallets + 1,
        "busy_share": plan.busy_share,
        "sizes": sizes,
        "ratio_largest_to_smallest": flatness,
        "target_max_ratio": FLAT_TARGET,
    }


# ---------------------------------------------------------------------------- runs per backend


def sqlite_run(plan: Plan, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "version": sqlite3.sqlite_version,
        "fsync_4k_median_us": fsync_cost_us(workdir),
    }
    memory: dict[str, float] = {}

    # Sections 1 and 2 share a pair of databases, both migrated and opened the same way.
    progress("SQLite: migrating the service and raw databases")
    paths = {side: workdir / f"writes-{side}.sqlite3" for side in ("service", "raw")}
    apps = {side: migrated_app(f"sqlite:///{path}") for side, path in paths.items()}
    opened = {}
    for side, app in apps.items():
        with app.app_context():
            opened[side] = open_accounts(plan.write_wallets, FUNDING, EPOCH)
    release(apps["raw"])
    issuance, wallets = opened["service"]
    raw = RawLedger.sqlite(paths["raw"])
    try:
        with apps["service"].app_context():
            # What each side really runs with (synchronous 2 = FULL).
            results["settings"] = {
                "service": sqlite_settings(lambda q: db.session.execute(sa.text(q)).scalar()),
                "raw": sqlite_settings(lambda q: raw.connection.execute(q).fetchone()[0]),
            }
            _end_request()
            progress(f"SQLite 1: {plan.single_transfers:,} single transfers each side")
            single = single_section(plan, wallets, raw)
            single["identical_ledgers"] = sqlite_digest(paths["service"]) == sqlite_digest(
                paths["raw"]
            )
            single["same_accounts"] = opened["service"] == opened["raw"]
            results["single_transfers"] = single
            memory["after_single_transfers"] = max_rss_mib()

            progress(f"SQLite 2: {plan.bulk_transfers:,} transfers in bulk each side")
            bulk = bulk_section(plan, issuance, wallets, raw)
            bulk["identical_ledgers"] = sqlite_digest(paths["service"]) == sqlite_digest(
                paths["raw"]
            )
            results["bulk"] = bulk
            memory["after_bulk"] = max_rss_mib()
    finally:
        raw.close()
        release(apps["service"])
    for path in paths.values():
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    progress("SQLite 3: reads as the database grows")
    url = f"sqlite:///{workdir / 'reads.sqlite3'}"
    app = migrated_app(url)
    try:
        with app.app_context():
            results["reads"] = reads_section(plan, url, trace=True)
    finally:
        release(app)
    memory["after_reads"] = max_rss_mib()
    results["max_rss_mib"] = memory
    return results


def postgresql_run(plan: Plan, url: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    single: dict[str, Any] = {"transfers": plan.single_transfers, "warmup": plan.single_warmup}
    digests = {}
    for side in ("service", "raw"):
        progress(f"PostgreSQL 1: {plan.single_transfers:,} single transfers, {side}")
        reset_postgresql(url)
        app = migrated_app(url)
        try:
            with app.app_context():
                _, wallets = open_accounts(plan.write_wallets, FUNDING, EPOCH)
                version = db.session.connection().dialect.server_version_info
                results["server_version"] = ".".join(map(str, version))
                _end_request()
                if side == "service":
                    single["service"] = sequential_single(plan, wallets, service_transfer)
        finally:
            release(app)
        if side == "raw":
            raw = RawLedger.postgresql(url)
            try:

                def run_raw(move: Move, now: datetime, raw: RawLedger = raw) -> None:
                    raw.transfer(
                        move.kind, move.source, move.destination, move.amount, move.memo, now
                    )

                single["raw"] = sequential_single(plan, wallets, run_raw)
            finally:
                raw.close()
        digests[side] = postgresql_digest(url)
    single["ratio"] = ratio(single["service"]["per_s"], single["raw"]["per_s"])
    single["meets_target"] = single["ratio"] >= RATIO_TARGET
    single["identical_ledgers"] = digests["service"] == digests["raw"]
    results["single_transfers"] = single

    progress("PostgreSQL 3: reads as the database grows")
    reset_postgresql(url)
    app = migrated_app(url)
    try:
        with app.app_context():
            results["reads"] = reads_section(plan, url, trace=False)
    finally:
        release(app)
    reset_postgresql(url)  # leave no million-row ledger behind
    results["max_rss_mib_after"] = max_rss_mib()
    return results


# ---------------------------------------------------------------------------- report


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def _size_label(postings: int) -> str:
    if postings >= 1_000_000 and postings % 1_000_000 == 0:
        return f"{postings // 1_000_000}M"
    if postings >= 1_000 and postings % 1_000 == 0:
        return f"{postings // 1_000}k"
    return str(postings)


def single_lines(single: dict[str, Any], raw_label: str) -> list[str]:
    rows = [("service  ledger.transfer + commit", single["service"])]
    rows.append((f"raw      {raw_label}, same rows", single["raw"]))
    lines = [
        f"  {'':38} {'transfers/s':>12} {'p50 ms':>8} {'p99 ms':>8}",
        *(
            f"  {label:38} {f['per_s']:>12,.1f} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f}"
            for label, f in rows
        ),
    ]
    lines.append(
        f"  {'ratio service / raw':38} {single['ratio']:>11.2f}×   target ≥ {RATIO_TARGET}×: "
        f"{_verdict(single['meets_target'])}; "
        f"ledgers identical: {_yes(single['identical_ledgers'])}"
    )
    return lines


def reads_lines(reads: dict[str, Any]) -> list[str]:
    titles = ("balance_of", "statement, 1st page", "statement, deep page")
    lines = [
        f"  {'postings':>9} {'busy':>7} {'DB MiB':>7}"
        + "".join(f"  {t:>21}" for t in titles)
        + f"  {'growth transfers/s':>19}",
        f"  {'':>9} {'wallet':>7} {'':>7}" + "".join(f"  {'p50 / p99 µs':>21}" for _ in READS),
    ]
    for size in reads["sizes"]:
        cells = "".join(
            f"  {size[n]['p50_us']:>10,.0f} / {size[n]['p99_us']:>8,.0f}" for n in READS
        )
        growth = size["growth"]
        rate = f"{growth['per_s']:,.0f}" if growth["per_s"] else "-"
        lines.append(
            f"  {size['postings']:>9,} {size['busy_wallet_postings']:>7,}"
            f" {size['database_mib']:>7.1f}{cells}  {rate:>19}"
        )
    first, last = reads["sizes"][0], reads["sizes"][-1]
    flat = reads["ratio_largest_to_smallest"]
    cells = "".join(f"  {flat[n]['p50']:>9.2f}× / {flat[n]['p99']:>6.2f}×" for n in READS)
    label = f"{_size_label(last['postings'])}/{_size_label(first['postings'])}"
    lines.append(f"  {'ratio ' + label:>25}{cells}")
    verdicts = ", ".join(f"{n} {_verdict(flat[n]['meets_target'])}" for n in READS)
    lines.append(f"  target: p50 ratio ≤ {FLAT_TARGET}× (flat): {verdicts}")
    empty = [size["empty_transaction"]["p50_us"] for size in (first, last)]
    lines.append(
        f"  for scale: an empty transaction (SELECT 1, then rollback) takes {empty[0]:,.0f} µs"
        f" p50 at {_size_label(first['postings'])}, {empty[1]:,.0f} µs at "
        f"{_size_label(last['postings'])}"
    )
    return lines


def render(report: dict[str, Any]) -> str:
    env = report["environment"]
    lite = report["sqlite"]
    single, bulk, reads = lite["single_transfers"], lite["bulk"], lite["reads"]
    load = "/".join(f"{value:.1f}" for value in env["load_average_end"])
    out = [
        f"Ledger benchmark ({report['plan_name']} plan) — Python {env['python']}, "
        f"SQLAlchemy {env['sqlalchemy']}, SQLite {lite['version']}, {env['cpus']} CPUs",
        f"wall time {report['wall_time_s']:.1f} s (SQLite {lite['wall_time_s']:.1f} s); "
        f"load average at the end {load} (1/5/15 min): other work on the machine shows up "
        "in absolute figures, less in the ratios",
        "",
        f"SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE; fsync of 4 KiB on this disk: "
        f"{lite['fsync_4k_median_us']:,.0f} µs median)",
        f"1. Single transfers, one commit each: {single['transfers']:,} per side after "
        f"{single['warmup']} warm-up, ABBA blocks",
        *single_lines(single, "sqlite3"),
        "",
        f"2. Bulk posting: {bulk['transfers']:,} transfers in {bulk['chunks']} chunks of "
        f"{bulk['chunk']:,}, one commit per chunk",
        f"  {'':38} {'transfers/s':>12} {'chunk s':>8}",
        f"  {'service  post_transfers_bulk + commit':38} {bulk['service']['per_s']:>12,.0f}"
        f" {bulk['service']['chunk_median_s']:>8.3f}",
        f"  {'raw      sqlite3 executemany':38} {bulk['raw']['per_s']:>12,.0f}"
        f" {bulk['raw']['chunk_median_s']:>8.3f}",
        f"  {'ratio service / raw':38} {bulk['ratio']:>11.2f}×   target ≥ {RATIO_TARGET}×: "
        f"{_verdict(bulk['meets_target'])}; "
        f"ledgers identical: {_yes(bulk['identical_ledgers'])}",
        "",
        f"3. Reads of the busy wallet ({reads['busy_share']:.0%} of transfers, "
        f"{reads['wallets']:,} wallets), {reads['calls']} calls each, "
        f"page {reads['page']}, each call in its own transaction",
        *reads_lines(reads),
    ]
    pg = report["postgresql"]
    if pg and "skipped" in pg:
        out += ["", f"PostgreSQL: skipped — {pg['skipped']}"]
    elif pg and "error" in pg:
        out += ["", f"PostgreSQL: FAILED — {pg['error']} (traceback on stderr)"]
    elif pg:
        out += [
            "",
            f"PostgreSQL {pg['server_version']}, {pg['wall_time_s']:.1f} s (sections 1 and 3; "
            "the two sides of section 1 take turns on one database, service first)",
            f"1. Single transfers, one commit each: {pg['single_transfers']['transfers']:,} "
            "per side",
            *single_lines(pg["single_transfers"], "psycopg"),
            "",
            "3. Reads of the busy wallet (after VACUUM (ANALYZE) at each size)",
            *reads_lines(pg["reads"]),
        ]
    memory = report["memory"]
    traced = memory.get("tracemalloc")
    out += ["", f"4. Memory: peak RSS of the whole run {memory['max_rss_mib']:,.1f} MiB"]
    if traced:
        out.append(
            f"  tracemalloc peak of post_transfers_bulk + commit, {traced['chunks']} chunks of "
            f"{traced['chunk']:,} while growing {traced['step']}: {traced['peak_mib']:,.1f} MiB"
            f" (first chunk {traced['first_chunk_mib']:,.1f}, last {traced['last_chunk_mib']:,.1f})"
        )
    return "\n".join(out)


# ---------------------------------------------------------------------------- main


def environment(load_at_start: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "sqlalchemy": sa.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_start": load_at_start,
        "load_average_end": os.getloadavg(),
    }


def memory_report(plan: Plan, lite: dict[str, Any]) -> dict[str, Any]:
    memory: dict[str, Any] = {"max_rss_mib": max_rss_mib(), "sqlite": lite["max_rss_mib"]}
    sizes = lite["reads"]["sizes"]
    for index, size in enumerate(sizes):
        peaks = size["growth"].get("tracemalloc_chunk_peaks_mib")
        if peaks:
            before = sizes[index - 1]["postings"] if index else 0
            memory["tracemalloc"] = {
                "step": f"{before:,} → {size['postings']:,} postings",
                "chunk": plan.growth_chunk,
                "chunks": len(peaks),
                "peak_mib": max(peaks),
                "first_chunk_mib": peaks[0],
                "last_chunk_mib": peaks[-1],
            }
    return memory


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run, to test the script")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started, load_at_start = time.perf_counter(), os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="points-bench-"))
    try:
        lite = sqlite_run(plan, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lite["wall_time_s"] = time.perf_counter() - started

    pg_url = os.environ.get("BENCH_DATABASE_URL")
    pg: dict[str, Any] | None = None
    if pg_url and not is_postgresql_url(pg_url):
        pg = {"skipped": "BENCH_DATABASE_URL is not a PostgreSQL URL"}
    elif pg_url:
        pg_started = time.perf_counter()
        try:
            pg = postgresql_run(plan, pg_url)
        except Exception as error:  # keep the SQLite figures; say what went wrong
            traceback.print_exc()
            pg = {"error": repr(error)}
        pg["wall_time_s"] = time.perf_counter() - pg_started

    report = {
        "benchmark": "points ledger",
        "plan_name": "quick" if args.quick else "full",
        "plan": asdict(plan),
        "environment": environment(load_at_start),
        "targets": {"service_to_raw_min": RATIO_TARGET, "largest_to_smallest_max": FLAT_TARGET},
        "sqlite": lite,
        "postgresql": pg,
    }
    report["memory"] = memory_report(plan, lite)
    report["wall_time_s"] = time.perf_counter() - started
    print(render(report))
    print()
    print(json.dumps(report, default=str))
    if pg and "error" in pg:
        sys.exit(1)


if __name__ == "__main__":
    main()
