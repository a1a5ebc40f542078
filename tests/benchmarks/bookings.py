"""Booking a space that has years of bookings behind it: the overlap check, and a booking end
to end, at 10 k and at 1 M earlier bookings of the same space. Figures and ratios, never
pass/fail (`make bench`); the target is a ratio within 1.5.

History is written in bulk, newest first (so that writing it is not itself the cost being
measured): one-hour bookings back to back going back from yesterday, one in ten cancelled,
as years of use leave them, all in the space the new bookings are made in. Then `n`
bookings are made through `spaces.book` on the days ahead, one commit each, and the overlap
query alone is timed for each of them; the medians are printed with the ratio 1 M ÷ 10 k.
Both ask the database its own guard too: SQLite's no-overlap trigger runs on each insert,
PostgreSQL's exclusion constraint likewise. SQLite by default; BENCH_DATABASE_URL (a
PostgreSQL database the run MAY WIPE) runs it there too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from points import clock, seeding
from points.extensions import db
from points.ledger import services as ledger
from points.members import services as members
from points.spaces import core
from points.spaces import services as spaces
from points.spaces.models import Booking, Space
from tests.benchmarks.ledger import normalise_database_url, reset_postgresql
from tests.benchmarks.outbox import build, progress

HASH = "scrypt:32768:8:1$bench$" + "0" * 128
SPACE = "yunxi-activity-room"
CHUNK = 5000


def world():
    ledger.system_account("issuance")
    seeding.load_places()
    seeding.load_spaces()
    space = db.session.scalar(sa.select(Space).filter_by(code=SPACE))
    people = []
    for phone, name in (("13900000003", "陈主理"), ("13900000007", "周主理")):
        member = members.register_member(
            phone=phone, password=None, password_hash=HASH, name=name,
            community_id=space.community_id,
        )
        members.import_level(member, "host", reason="bench", actor_id=None)
        people.append(member)
    db.session.commit()
    return space, *people


def history(total: int, space: Space, old_host_id: int, before: datetime) -> None:
    """`total` one-hour bookings of `space` ending at `before` and going back, newest first."""
    end = before.replace(minute=0, second=0, microsecond=0)
    rows = []
    for i in range(total):
        start = end - timedelta(hours=1)
        rows.append({
            "space_id": space.id, "host_id": old_host_id, "start_at": start, "end_at": end,
            "tier": "free", "title": f"历史预约 {i}",
            "status": "cancelled" if i % 10 == 9 else "confirmed",
            "expected_attendance": 0, "cost_points": 0, "cost_minutes": 0,
            "refunded_points": 0, "refunded_minutes": 0, "revision": 0, "end_reason": "",
            "created_at": start - timedelta(days=1),
        })
        end = start
        if len(rows) == CHUNK:
            db.session.execute(sa.insert(Booking), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Booking), rows)
    db.session.commit()
    settle()


def settle() -> None:
    """As a database in use has them: statistics, and on PostgreSQL a vacuumed table (else
    autovacuum wakes for the million new rows and runs beside the measurement)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE bookings")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def slots(n: int, now: datetime):
    """`n` one-hour local times ahead, 10:00 on the days from the day after tomorrow."""
    zone = clock.zone()
    first = (now.astimezone(zone) + timedelta(days=2)).date()
    for i in range(n):
        day = first + timedelta(days=i // 8)
        start = datetime(day.year, day.month, day.day, 9 + i % 8, tzinfo=zone)
        yield start, start + timedelta(hours=1)


def measure(url: str, total: int, n: int) -> dict:
    app = build(url)
    app.config["BOOKING_WEEKLY_QUOTA_HOURS"] = 0  # the bench books more than a week's quota
    app.config["BOOKING_MAX_ADVANCE_DAYS"] = 365
    with app.app_context():
        space, host, old_host = world()
        now = datetime.now(UTC)
        history(total, space, old_host.id, now - timedelta(days=1))
        check_ms, book_ms = [], []
        for start, end in slots(n, now):
            began = time.perf_counter()
            taken = db.session.scalar(core.overlapping(space.id, start, end).limit(1))
            check_ms.append((time.perf_counter() - began) * 1000)
            db.session.rollback()
            assert taken is None
            began = time.perf_counter()
            spaces.book(host, space_id=space.id, start=start, end=end, tier="free",
                        title="新预约", now=now)
            db.session.commit()
            book_ms.append((time.perf_counter() - began) * 1000)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == total + n
        db.session.remove()
        db.engine.dispose()
    return {"check_ms": round(statistics.median(check_ms), 3),
            "book_ms": round(statistics.median(book_ms), 3)}


def run(url_for_size, sizes, n: int) -> dict:
    out = {}
    for size in sizes:
        progress(f"  {size:,} bookings …")
        out[size] = measure(url_for_size(size), size, n)
    small, large = out[sizes[0]], out[sizes[-1]]
    out["ratio"] = {k: round(large[k] / small[k], 3) for k in small}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", help="comma-separated history sizes (default 10k,1M)")
    args = parser.parse_args()
    sizes, n = ((1_000, 50_000), 10) if args.quick else ((10_000, 1_000_000), 40)
    if args.sizes:
        sizes = tuple(int(s) for s in args.sizes.split(","))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        progress("bookings on SQLite …")
        results["sqlite"] = run(lambda s: f"sqlite:///{Path(tmp) / f'bookings-{s}.sqlite3'}",
                                sizes, n)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        url = normalise_database_url(pg)

        def fresh(_size):
            reset_postgresql(url)
            return url

        progress("bookings on PostgreSQL …")
        results["postgresql"] = run(fresh, sizes, n)
        reset_postgresql(url)
    print(f"{'database':<12}{'operation':<12}" + "".join(f"{s:>12,}" for s in sizes)
          + f"{'ratio':>8}")
    for database, figures in results.items():
        for op in ("check_ms", "book_ms"):
            print(f"{database:<12}{op:<12}"
                  + "".join(f"{figures[s][op]:>12}" for s in sizes)
                  + f"{figures['ratio'][op]:>8}")
    print(json.dumps({"bookings": {db_: {str(k): v for k, v in f.items()}
                                   for db_, f in results.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
