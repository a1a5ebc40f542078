"""Redemption benchmark: `marketplace.redeem` against the same statements on the bare driver.

Run from the project root with `make bench`, i.e. `python -m tests.benchmarks.redemption`.
Progress goes to stderr; stdout gets a table and then one JSON document with every figure.

A redemption, as the API runs one for a volunteer signed in with a bearer token: find the
token with its member (and the member's roles, which every request may ask), read the
benefit, find the two accounts (the member's wallet and the merchant's `redeemed:` account),
lock the wallet (reading the merchant account's asset and whether the wallet has overdue
holds to release: it has none), write the hold and the wallet's `held`, write the voucher
with a fresh code, commit.

- service: `members.member_for_token(...)`, `marketplace.redeem(...)`, commit, the session
  removed (as at the end of a request);
- raw: the same statements written by hand on a plain DB-API connection (sqlite3 with the
  app's durability — WAL, synchronous=FULL, BEGIN IMMEDIATE — or psycopg), checking the
  same rules in a few lines of Python.

Both sides run on one database, demo-seeded as `make run` seeds it, in alternating blocks
(ABBA) so that both see the same machine and the same growth. Each side also counts what one
redemption costs the database: statements on SQLite (sqlite3's trace callback), round trips
on PostgreSQL (libpq's protocol trace: each Sync or simple Query message is one). The
service's count is what issue 20 asks to shrink; the raw side's says the two do the same
work.

With BENCH_DATABASE_URL naming a PostgreSQL database the benchmark MAY WIPE, the run repeats
there (its public schema is dropped before and after). `--quick` runs a small plan.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from tests.benchmarks.ledger import (
    is_postgresql_url,
    libpq_url,
    migrated_app,
    percentiles,
    progress,
    ratio,
    release,
    reset_postgresql,
    stamp_sqlite,
)

TARGET = 0.6  # service / raw, issue 20 (PostgreSQL; SQLite is reported against it too)
VOLUNTEERS = 8
BENEFIT = ("yunxi-glasses", "眼镜清洗调校一次")  # 20 points, no stock or per-member limit
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def prepare() -> dict[str, Any]:
    """Inside an app context on a migrated database: the demo seed, a few volunteers with
    points for every redemption of the run, the benefit they redeem."""
    from points import seeding
    from points.ledger import services as ledger
    from points.marketplace.models import Benefit, Provider
    from points.members import services as members
    from points.members.models import Member

    seeding.load_demo()
    benefit = db.session.scalar(
        sa.select(Benefit)
        .join(Provider, Benefit.provider_id == Provider.id)
        .where(Provider.code == BENEFIT[0], Benefit.title_zh == BENEFIT[1])
    )
    people = db.session.scalars(
        sa.select(Member.id)
        .where(Member.level == "volunteer", Member.status == "active")
        .order_by(Member.id)
        .limit(VOLUNTEERS)
    ).all()
    for member_id in people:
        ledger.transfer(
            kind="earn",
            source=ledger.system_account("issuance"),
            destination=ledger.member_wallet(member_id),
            amount=10_000_000,
            memo="压力测试",
        )
    ledger.system_account(f"redeemed:{BENEFIT[0]}")
    tokens = [members.issue_token(db.session.get(Member, m))[0] for m in people]
    db.session.commit()
    return {"benefit_id": benefit.id, "tokens": tokens}


# ---------------------------------------------------------------------------- the two sides


def service_redeem(token: str, benefit_id: int) -> None:
    from points.marketplace import services as marketplace
    from points.members import services as members

    member = members.member_for_token(token)
    marketplace.redeem(member, benefit_id=benefit_id)
    db.session.commit()
    db.session.remove()


class Refused(Exception):
    pass


class RawRedeem:
    """A redemption as plain DB-API calls: what the service must do, and nothing else."""

    LEVELS = ("resident", "volunteer", "talent", "host")

    def __init__(self, connection, pg: bool):
        self.connection, self.pg = connection, pg
        self.cursor = connection.cursor()
        self.stamp = (lambda moment: moment) if pg else stamp_sqlite
        from points.marketplace.models import Redemption
        from points.members.models import Member

        def sql(text: str) -> str:
            return re.sub(r"\?", "%s", text) if pg else text

        member_columns = ", ".join(f"m.{c.name}" for c in Member.__table__.columns)
        self.member_fields = [c.name for c in Member.__table__.columns]
        self.sql_member = sql(
            f"SELECT {member_columns}, r.role FROM api_tokens t"
            " JOIN members m ON m.id = t.member_id LEFT JOIN member_roles r"
            " ON r.member_id = m.id WHERE t.token_hash = ? AND t.kind = 'api'"
            " AND t.revoked_at IS NULL AND t.expires_at > ?"
        )
        self.sql_benefit = sql(
            "SELECT b.id, b.provider_id, b.points, b.valid_days, b.available_from,"
            " b.available_until, b.min_level, b.stock_left, b.per_member_limit, b.active,"
            " b.category, b.title_zh, p.code FROM benefits b JOIN providers p"
            " ON p.id = b.provider_id WHERE b.id = ?"
        )
        self.sql_accounts = sql(
            "SELECT id, name FROM accounts WHERE asset = 'points' AND name IN (?, ?)"
        )
        lock = " FOR NO KEY UPDATE OF s" if pg else ""
        self.sql_lock = sql(
            "SELECT s.id, s.asset, s.may_go_negative, s.balance, s.held, d.asset, EXISTS"
            " (SELECT h.id FROM holds h WHERE h.account_id = s.id AND h.status = 'pending'"
            " AND h.expires_at <= ?) FROM accounts s, accounts d WHERE s.id = ? AND d.id = ?"
            f"{lock}"
        )
        self.sql_hold = sql(
            "INSERT INTO holds (account_id, destination_id, asset, amount, kind, memo,"
            " actor_id, idempotency_key, status, created_at, expires_at, ended_at, ended_by,"
            " end_reason) VALUES (?, ?, ?, ?, 'redeem', ?, ?, NULL, 'pending', ?, ?, NULL,"
            " NULL, '') RETURNING id"
        )
        self.sql_held = sql("UPDATE accounts SET held = held + ? WHERE id = ?")
        fields = [c.name for c in Redemption.__table__.columns if c.name != "id"]
        self.redemption_fields = fields
        marks = ", ".join("?" * len(fields))
        self.sql_redemption = sql(
            f"INSERT INTO redemptions ({', '.join(fields)}) VALUES ({marks})"
            " ON CONFLICT (code) DO NOTHING RETURNING id"
        )

    @classmethod
    def sqlite(cls, path: str) -> RawRedeem:
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            connection.execute(f"PRAGMA {pragma}")
        return cls(connection, pg=False)

    @classmethod
    def postgresql(cls, url: str) -> RawRedeem:
        import psycopg

        return cls(psycopg.connect(libpq_url(url)), pg=True)

    def close(self) -> None:
        self.cursor.close()
        self.connection.close()

    def redeem(self, token: str, benefit_id: int) -> int:
        cursor, now = self.cursor, utcnow()
        if not self.pg:  # psycopg begins with the first statement
            cursor.execute("BEGIN IMMEDIATE")
        try:
            token_hash = hashlib.sha256(token.encode()).hexdigest()
            cursor.execute(self.sql_member, (token_hash, self.stamp(now)))
            rows = cursor.fetchall()
            if not rows:
                raise Refused("token")
            member = dict(zip(self.member_fields, rows[0][:-1], strict=True))
            member_id = member["id"]
            cursor.execute(self.sql_benefit, (benefit_id,))
            (_, provider_id, points, valid_days, opens, closes, min_level, stock_left,
             limit, active, _category, title, provider) = cursor.fetchone()
            if not active or member["status"] != "active":
                raise Refused("benefit or member")
            if self.LEVELS.index(member["level"]) < self.LEVELS.index(min_level):
                raise Refused("level")
            today = now.date()
            if (opens and today < opens) or (closes and today > closes):
                raise Refused("dates")
            if stock_left is not None or limit is not None:
                raise Refused("the bench's benefit has neither stock nor a limit")
            wallet_name, merchant_name = f"member:{member_id}", f"redeemed:{provider}"
            cursor.execute(self.sql_accounts, (wallet_name, merchant_name))
            ids = {name: account for account, name in cursor.fetchall()}
            wallet, merchant = ids[wallet_name], ids[merchant_name]
            cursor.execute(self.sql_lock, (self.stamp(now), wallet, merchant))
            _, asset, may_go_negative, balance, held, merchant_asset, overdue = cursor.fetchone()
            if overdue:
                raise Refused("the bench never leaves a hold overdue")
            if merchant_asset != asset:
                raise Refused("assets")
            if not may_go_negative and balance - held < points:
                raise Refused("points")
            expires_at = now + timedelta(days=valid_days)
            memo = f"兑换 {title} ×1"
            cursor.execute(
                self.sql_hold,
                (wallet, merchant, asset, points, memo, member_id, self.stamp(now),
                 self.stamp(expires_at)),
            )
            (hold_id,) = cursor.fetchone()
            cursor.execute(self.sql_held, (points, wallet))
            values = {
                "benefit_id": benefit_id, "provider_id": provider_id, "member_id": member_id,
                "quantity": 1, "points": points, "hold_id": hold_id, "status": "held",
                "idempotency_key": None, "created_at": self.stamp(now),
                "expires_at": self.stamp(expires_at),
            }
            while True:
                values["code"] = "".join(secrets.choice(CODE_ALPHABET) for _ in range(9))
                row = [values.get(name) for name in self.redemption_fields]
                cursor.execute(self.sql_redemption, row)
                found = cursor.fetchone()
                if found is not None:
                    break
            if self.pg:
                self.connection.commit()
            else:
                cursor.execute("COMMIT")
            return found[0]
        except BaseException:
            if self.pg:
                self.connection.rollback()
            else:
                cursor.execute("ROLLBACK")
            raise


# ---------------------------------------------------------------------------- counting


@contextlib.contextmanager
def counting(dbapi_connection, pg: bool):
    """Yields a list that holds, once the block ends, one entry per statement (SQLite) or
    per round trip (PostgreSQL: Sync and simple Query messages in libpq's trace)."""
    found: list[str] = []
    if not pg:
        dbapi_connection.set_trace_callback(found.append)
        try:
            yield found
        finally:
            dbapi_connection.set_trace_callback(None)
        return
    with tempfile.NamedTemporaryFile("w+") as trace:
        dbapi_connection.pgconn.trace(trace.fileno())
        try:
            yield found
        finally:
            dbapi_connection.pgconn.untrace()
            trace.seek(0)
            for line in trace:
                fields = line.split("\t")
                if len(fields) > 3 and fields[1] == "F" and fields[3].split()[0] in (
                    "Sync", "Query"
                ):
                    found.append(fields[3].strip())


def service_count(token: str, benefit_id: int, pg: bool) -> int:
    """What one service redemption costs, traced from the moment the session checks out its
    connection (before it begins: SQLite's BEGIN IMMEDIATE counts, as on the raw side)."""
    traced: list[list[str]] = []
    with contextlib.ExitStack() as stack:

        def trace(dbapi_connection, _record, _proxy) -> None:
            traced.append(stack.enter_context(counting(dbapi_connection, pg)))

        sa.event.listen(db.engine, "checkout", trace)
        try:
            service_redeem(token, benefit_id)
        finally:
            sa.event.remove(db.engine, "checkout", trace)
    return sum(len(found) for found in traced)


def raw_count(raw: RawRedeem, token: str, benefit_id: int) -> int:
    with counting(raw.connection, raw.pg) as found:
        raw.redeem(token, benefit_id)
    return len(found)


# ---------------------------------------------------------------------------- the run


def timed(call: Callable[[str], Any], members: list[str], n: int, offset: int) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        call(members[(offset + i) % len(members)])
        out.append(time.perf_counter() - started)
    return out


def run(url: str, redemptions: int, rounds: int, warmup: int) -> dict[str, Any]:
    pg = is_postgresql_url(url)
    if pg:
        reset_postgresql(url)
    app = migrated_app(url)
    raw: RawRedeem | None = None
    try:
        with app.app_context():
            began = time.perf_counter()
            data = prepare()
            seeded = time.perf_counter() - began
            benefit, members = data["benefit_id"], data["tokens"]
            db.session.remove()
            raw = (
                RawRedeem.postgresql(url) if pg
                else RawRedeem.sqlite(sa.engine.make_url(url).database)
            )
            sides = {
                "service": lambda m: service_redeem(m, benefit),
                "raw": lambda m: raw.redeem(m, benefit),
            }
            for call in sides.values():
                timed(call, members, warmup, 0)
            times: dict[str, list[float]] = {"service": [], "raw": []}
            block = redemptions // rounds
            for r in range(rounds):
                order = ("service", "raw") if r % 2 == 0 else ("raw", "service")
                for side in order:
                    times[side] += timed(sides[side], members, block, r * block)
            counts = {
                "service": service_count(members[0], benefit, pg),
                "raw": raw_count(raw, members[0], benefit),
            }
            from points.marketplace.models import Redemption

            written = db.session.scalar(sa.select(sa.func.count()).select_from(Redemption))
            db.session.remove()
    finally:
        if raw is not None:
            raw.close()
        release(app)
        if pg:
            reset_postgresql(url)
    out: dict[str, Any] = {"seed_s": round(seeded, 2), "vouchers_written": written}
    for side, durations in times.items():
        out[side] = {
            "count": len(durations),
            "per_s": len(durations) / sum(durations),
            **percentiles(durations, "ms"),
            ("round_trips" if pg else "statements"): counts[side],
        }
    out["ratio"] = ratio(out["service"]["per_s"], out["raw"]["per_s"])
    out["meets_target"] = out["ratio"] is not None and out["ratio"] >= TARGET
    return out


def render(results: dict[str, Any]) -> str:
    lines = [
        f"Redemption benchmark: marketplace.redeem + commit against the same statements on"
        f" the bare driver (target ≥ {TARGET}×)",
        f"  {'database':<11}{'side':<9}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'trips':>7}",
    ]
    for database, result in results.items():
        if "error" in result:
            lines.append(f"  {database:<11}FAILED — {result['error']} (traceback on stderr)")
            continue
        for side in ("service", "raw"):
            row = result[side]
            trips = row.get("round_trips", row.get("statements"))
            lines.append(
                f"  {database:<11}{side:<9}{row['per_s']:>9,.0f}{row['p50_ms']:>9.2f}"
                f"{row['p99_ms']:>9.2f}{trips:>7}"
            )
        verdict = "met" if result["meets_target"] else "NOT met"
        lines.append(f"  {database:<11}{'ratio':<9}{result['ratio']:>8.2f}×  {verdict}")
    lines.append(
        "  trips: statements per redemption on SQLite, round trips on PostgreSQL"
        " (reading the member included)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run, to test the script")
    args = parser.parse_args(argv)
    redemptions, rounds, warmup = (200, 2, 10) if args.quick else (2_000, 4, 50)
    results: dict[str, Any] = {}
    status = 0
    with tempfile.TemporaryDirectory(prefix="points-bench-") as tmp:
        targets = {"sqlite": f"sqlite:///{Path(tmp) / 'redeem.sqlite3'}"}
        pg = os.environ.get("BENCH_DATABASE_URL")
        if pg and is_postgresql_url(pg):
            targets["postgresql"] = pg
        for database, url in targets.items():
            progress(f"redemptions on {database} …")
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    results[database] = run(url, redemptions, rounds, warmup)
            except Exception as error:
                traceback.print_exc()
                results[database] = {"error": repr(error)}
                status = 1
    print(render(results))
    print()
    print(json.dumps({"redemption": results}, default=str))
    return status


if __name__ == "__main__":
    sys.exit(main())
