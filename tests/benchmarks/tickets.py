"""Tickets at 1 k and at 100 k: creating a 随手拍 report and reading a grid worker's triage
queue (with the first ticket's merge candidates) should cost the same however much history
the street has. Figures and ratios, never pass/fail (`make bench`).

History is written in bulk (closed tickets spread over every grid, as years of use leave
them) beside a fixed number of open ones, as a grid has at any time; then each operation runs
`n` times through its service, one commit each, and the median is printed with the ratio
100 k ÷ 1 k (the target: about 1). SQLite by default; BENCH_DATABASE_URL (a PostgreSQL
database the run MAY WIPE) runs it there too.
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

from points import seeding
from points.activities import services as activities
from points.extensions import db
from points.ledger import services as ledger
from points.members import services as members
from points.members.models import Grid
from points.tickets import services as tickets
from points.tickets.models import Ticket, TicketCategory
from tests.activities.photos import jpeg, picture
from tests.benchmarks.ledger import normalise_database_url, reset_postgresql
from tests.benchmarks.outbox import build, progress

OPEN_IN_GRID = 200  # open tickets in the grid worker's grid, at every size
HASH = "scrypt:32768:8:1$bench$" + "0" * 128


def world():
    ledger.system_account("issuance")
    seeding.load_places()
    seeding.load_activity_types()
    seeding.load_tickets()
    grids = db.session.scalars(sa.select(Grid).order_by(Grid.id)).all()
    grid = grids[1]
    reporter = members.register_member(
        phone="13900000010", password=None, password_hash=HASH, name="小刘",
        community_id=grid.community_id, grid_id=grid.id,
    )
    worker = members.register_member(
        phone="13900000008", password=None, password_hash=HASH, name="赵网格",
        community_id=grid.community_id, grid_id=grid.id,
    )
    tickets.add_grid_worker(worker, grid.id)
    db.session.commit()
    return grids, grid, reporter, worker


def history(total: int, grids, grid, reporter_id: int) -> None:
    """`total` tickets: OPEN_IN_GRID open in `grid`, the rest closed, over every grid."""
    categories = db.session.scalars(
        sa.select(TicketCategory.id).filter_by(kind="report").order_by(TicketCategory.id)
    ).all()
    start = datetime.now(UTC) - timedelta(days=3 * 365)
    step = (timedelta(days=3 * 365) - timedelta(days=2)) / total
    rows = []
    closed = total - OPEN_IN_GRID
    for i in range(total):
        open_ = i >= closed
        g = grid if open_ else grids[i % len(grids)]
        rows.append({
            "kind": "report",
            "category_id": categories[i % len(categories)],
            "community_id": g.community_id,
            "grid_id": g.id,
            "reporter_id": reporter_id,
            "description": f"历史工单 {i}",
            "spot": "",
            "state": "reported" if open_ else "closed",
            "outcome": None if open_ else ("fixed", "not_fixed", "fixed")[i % 3],
            "created_at": start + step * i,
            "published": False,
            "reopened": 0,
            "outcome_note": "",
            "rating_comment": "",
        })
    for first in range(0, total, 5000):
        db.session.execute(sa.insert(Ticket), rows[first:first + 5000])
    db.session.commit()
    # As a database in use has them: the planner's statistics of the tables just filled.
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def measure(url: str, total: int, n: int) -> dict:
    app = build(url)
    with app.app_context():
        grids, grid, reporter, worker = world()
        history(total, grids, grid, reporter.id)
        photos = [activities.save_evidence(reporter, jpeg(picture())).token for _ in range(n)]
        db.session.commit()
        report_ms, queue_ms = [], []
        for i in range(n):
            began = time.perf_counter()
            tickets.report(reporter, category="hazard-general", description=f"新上报 {i}",
                           spot="12幢", photos=[photos[i]])
            db.session.commit()
            report_ms.append((time.perf_counter() - began) * 1000)
        for _ in range(n):
            began = time.perf_counter()
            page = tickets.triage_queue(worker)
            tickets.duplicates_for(page[0])
            db.session.commit()
            queue_ms.append((time.perf_counter() - began) * 1000)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == total + n
        db.session.remove()
        db.engine.dispose()
    return {"report_ms": round(statistics.median(report_ms), 3),
            "triage_queue_ms": round(statistics.median(queue_ms), 3)}


def run(url_for_size, sizes, n: int) -> dict:
    out = {}
    for size in sizes:
        progress(f"  {size:,} tickets …")
        out[size] = measure(url_for_size(size), size, n)
    small, large = out[sizes[0]], out[sizes[-1]]
    out["ratio"] = {k: round(large[k] / small[k], 3) for k in small}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes, n = ((1_000, 10_000), 10) if args.quick else ((1_000, 100_000), 50)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        progress("tickets on SQLite …")
        results["sqlite"] = run(lambda s: f"sqlite:///{Path(tmp) / f'tickets-{s}.sqlite3'}",
                                sizes, n)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        url = normalise_database_url(pg)

        def fresh(_size):
            reset_postgresql(url)
            return url

        progress("tickets on PostgreSQL …")
        results["postgresql"] = run(fresh, sizes, n)
        reset_postgresql(url)
    print(f"{'database':<12}{'operation':<18}" + "".join(f"{s:>12,}" for s in sizes)
          + f"{'ratio':>8}")
    for database, figures in results.items():
        for op in ("report_ms", "triage_queue_ms"):
            print(f"{database:<12}{op:<18}"
                  + "".join(f"{figures[s][op]:>12}" for s in sizes)
                  + f"{figures['ratio'][op]:>8}")
    print(json.dumps({"tickets": {db_: {str(k): v for k, v in f.items()}
                                  for db_, f in results.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
