"""What writing the outbox adds to the writes that cause notifications: figures and ratios,
never pass/fail (`make bench`, after the ledger's).

A claim approval and a counter confirmation (核销) each write a notification in their own
transaction. Both run here end to end through their services, one commit each, with the
outbox written and with `notify` replaced by a no-op, in alternating blocks so both halves see
the same machine; the ratio is with ÷ without (the target: ≤ 1.10). SQLite by default;
BENCH_DATABASE_URL (a PostgreSQL database the run MAY WIPE) runs it there too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

import points
from points import seeding
from points.activities import catalogue
from points.activities import services as claims
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.marketplace.models import Benefit
from points.members import services as members
from points.notifications import services as notifications
from tests.benchmarks.ledger import normalise_database_url, reset_postgresql


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(url: str):
    app = points.create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "LEDGER_CHAIN_KEY": "bench-ledger-chain-key-not-a-secret-0123456789",
            "SQLALCHEMY_DATABASE_URI": url,
            "HOUSEKEEPING_INTERVAL_S": 0,
            "LEDGER_ANCHOR_PATH": os.path.join(tempfile.mkdtemp(), "anchor.json"),
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app


@contextmanager
def outbox(on: bool):
    real = notifications.notify
    if not on:
        notifications.notify = lambda *a, **k: None
    try:
        yield
    finally:
        notifications.notify = real


def world(n: int):
    """A social worker, merchant staff and a volunteer with points for `n` vouchers."""
    seeding.load_places()
    seeding.load_activity_types()
    seeding.load_benefits()
    community = members.ensure_place("胜浦街道", "云溪社区", [])
    hash_ = "scrypt:32768:8:1$bench$" + "0" * 128
    worker = members.register_member(
        phone="13900000001", password=None, password_hash=hash_, name="社工",
        community_id=community.id,
    )
    members.grant_role(worker, "social_worker")
    volunteer = members.register_member(
        phone="13900000004", password=None, password_hash=hash_, name="志愿者",
        community_id=community.id,
    )
    members.import_level(volunteer, "volunteer", reason="bench", actor_id=None)
    benefit = db.session.scalars(
        sa.select(Benefit)
        .where(
            Benefit.stock_total.is_(None),
            Benefit.per_member_limit.is_(None),
            Benefit.space_minutes.is_(None),
            Benefit.min_level.in_(("resident", "volunteer")),
        )
        .order_by(Benefit.points)
    ).first()
    staff = members.register_member(
        phone="13900000002", password=None, password_hash=hash_, name="店员",
        community_id=community.id,
    )
    members.grant_role(staff, "merchant_staff", merchant_id=benefit.provider_id)
    ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance", "points"),
        destination=ledger.member_wallet(volunteer.id),
        amount=benefit.points * (2 * n + 10),
    )
    kind = catalogue.ensure_type(
        code="bench-service",
        category="events",
        name_zh="基准测试服务",
        name_en="Benchmark service",
        unit="occurrence",
        points=1,
        min_level="resident",
    )
    db.session.commit()
    return worker, staff, volunteer, benefit, kind


def run(url: str, n: int, blocks: int) -> dict:
    app = build(url)
    with app.app_context():
        worker, staff, volunteer, benefit, kind = world(n * blocks)
        start = datetime.now(UTC) - timedelta(days=1)
        pending = []
        for i in range(2 * n * blocks):
            pending.append(
                claims.submit_claim(
                    volunteer, activity_type=kind.code, occurred_on=start.date(),
                    quantity="1", now=start + timedelta(seconds=i),
                )
            )
            db.session.commit()
        timings: dict[str, dict[bool, list[float]]] = {"approval": {True: [], False: []},
                                                       "confirmation": {True: [], False: []}}
        claim_ids = [c.id for c in pending]
        for block in range(2 * blocks):
            on = block % 2 == 0
            with outbox(on):
                for _ in range(n):
                    claim = claims.get_claim(claim_ids.pop())
                    began = time.perf_counter()
                    claims.approve_claim(claim, actor=worker)
                    db.session.commit()
                    timings["approval"][on].append(time.perf_counter() - began)
                for _ in range(n):
                    voucher = market.redeem(volunteer, benefit_id=benefit.id)
                    db.session.commit()
                    began = time.perf_counter()
                    market.confirm(voucher.code, staff=staff)
                    db.session.commit()
                    timings["confirmation"][on].append(time.perf_counter() - began)
        db.session.remove()
        db.engine.dispose()
    out = {}
    for name, halves in timings.items():
        with_ms = statistics.median(halves[True]) * 1000
        without_ms = statistics.median(halves[False]) * 1000
        out[name] = {
            "with_outbox_ms": round(with_ms, 3),
            "without_outbox_ms": round(without_ms, 3),
            "ratio": round(with_ms / without_ms, 3),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, blocks = (10, 2) if args.quick else (100, 4)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        progress("outbox cost on SQLite …")
        results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", n, blocks)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        url = normalise_database_url(pg)
        reset_postgresql(url)
        progress("outbox cost on PostgreSQL …")
        results["postgresql"] = run(url, n, blocks)
        reset_postgresql(url)
    print(f"{'database':<12}{'operation':<14}{'with (ms)':>10}{'without':>10}{'ratio':>8}")
    for database, ops in results.items():
        for op, figures in ops.items():
            print(
                f"{database:<12}{op:<14}{figures['with_outbox_ms']:>10}"
                f"{figures['without_outbox_ms']:>10}{figures['ratio']:>8}"
            )
    print(json.dumps({"outbox": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
