"""Delivery benchmark: SMS per second from the outbox to the local SMS stand-in, figures and
ratios, never pass/fail.

Run from the project root with `make bench` (after the ledger's), i.e.
`python -m tests.benchmarks.delivery`. Progress goes to stderr; stdout gets a table and then
one JSON document (its last line).

The outbox is filled with queued SMS (waitlist offers, the real kind), then 1 and then 4
workers — threads of one process, each calling `deliver_due` until nothing is due, as the
worker process does — send them all to the stand-in of Tencent's SendSms
(tests/notifications/sms_standin.py: the SDK signs every request, the stand-in checks the
signature). Each run starts from the same queued outbox. Twice: with the stand-in answering
at once (what our side costs: claim, render, sign, record) and with 50 ms per answer (closer
to a real provider, where workers overlap their waits). Every message must arrive exactly
once; the run says so. With BENCH_DATABASE_URL naming a PostgreSQL database the benchmark MAY
WIPE, it runs there too (its public schema dropped and re-created first).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate
import sqlalchemy as sa

import points
from points.config import normalise_database_url
from points.extensions import db
from points.notifications import delivery, render
from points.notifications import services as notifications
from points.notifications.models import Delivery, DeliveryAttempt
from points.spaces.messages import OFFERED
from tests.notifications.sms_standin import SmsStandIn

MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WORKERS = (1, 4)
LATENCIES_MS = (0, 50)


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def migrated_app(url: str, standin: SmsStandIn):
    app = points.create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 0},
            "HOUSEKEEPING_INTERVAL_S": 0,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "LEDGER_CHAIN_KEY": secrets.token_urlsafe(48),
            **standin.app_config(),
        }
    )
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        flask_migrate.upgrade()
    return app


def fill(app, messages: int) -> None:
    from points.members import services as members

    with app.app_context():
        member = members.register_member(
            phone="13800009999", password=None, password_hash="x", name="压测成员"
        )
        for _ in range(messages):
            notifications.notify(
                member,
                OFFERED,
                now=MORNING,
                space=render.names("活动室", "Activity room"),
                start=MORNING + timedelta(days=2),
                end=MORNING + timedelta(days=2, hours=1),
                deadline=MORNING + timedelta(hours=2),
            )
        db.session.commit()


def requeue(app) -> None:
    with app.app_context():
        db.session.execute(sa.delete(DeliveryAttempt))
        db.session.execute(
            sa.update(Delivery).values(
                status="queued", attempts=0, claimed_at=None, sent_at=None, provider_ref=""
            )
        )
        db.session.commit()


def run(app, standin: SmsStandIn, workers: int, messages: int) -> dict:
    requeue(app)
    standin.sent.clear()
    standin.requests.clear()
    finished = [0] * workers
    barrier = threading.Barrier(workers)

    def work(i: int) -> None:
        with app.app_context():
            barrier.wait()
            while True:
                done = delivery.deliver_due(now=MORNING, limit=50)
                finished[i] += done
                if done == 0:
                    break
            db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    contexts = [m["context"] for m in standin.sent]
    with app.app_context():
        sent = db.session.scalar(
            sa.select(sa.func.count()).select_from(Delivery).where(Delivery.status == "sent")
        )
    return {
        "workers": workers,
        "messages": messages,
        "seconds": round(seconds, 3),
        "per_second": round(messages / seconds, 1),
        "each_exactly_once": len(contexts) == messages == len(set(contexts)) == sent,
        "finished_per_worker": finished,
    }


def backend_run(name: str, url: str, messages: int) -> list[dict]:
    results = []
    with SmsStandIn() as standin:
        app = migrated_app(url, standin)
        fill(app, messages)
        for latency in LATENCIES_MS:
            standin.latency = latency / 1000
            for workers in WORKERS:
                progress(f"{name}: {workers} worker(s), stand-in answering in {latency} ms")
                row = run(app, standin, workers, messages)
                row.update(backend=name, latency_ms=latency)
                results.append(row)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run, to test the script")
    args = parser.parse_args(argv)
    messages = 100 if args.quick else 1000
    workdir = Path(tempfile.mkdtemp(prefix="points-bench-delivery-"))
    try:
        results = backend_run("sqlite", f"sqlite:///{workdir / 'points.sqlite3'}", messages)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    pg_url = os.environ.get("BENCH_DATABASE_URL")
    if pg_url:
        url = normalise_database_url(pg_url)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        results += backend_run("postgresql", url, messages)

    print(f"{'backend':<11} {'latency':>8} {'workers':>7} {'msg/s':>8} {'x1 worker':>9}  once")
    base: dict[tuple[str, int], float] = {}
    for row in results:
        key = (row["backend"], row["latency_ms"])
        if row["workers"] == 1:
            base[key] = row["per_second"]
        one = base.get(key)
        row["ratio_to_one_worker"] = round(row["per_second"] / one, 2) if one else None
        print(
            f"{row['backend']:<11} {row['latency_ms']:>6}ms {row['workers']:>7} "
            f"{row['per_second']:>8} {row['ratio_to_one_worker']:>9}  {row['each_exactly_once']}"
        )
    print(json.dumps({"benchmark": "points delivery", "messages": messages, "results": results}))


if __name__ == "__main__":
    main()
