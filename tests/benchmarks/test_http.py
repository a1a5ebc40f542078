"""The HTTP bench's machinery runs: gunicorn serves, the load generator counts answers (no
timing is asserted; `make bench` prints the figures)."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.benchmarks import http


def test_the_load_generator_counts_every_answer_of_a_server_it_starts(tmp_path: Path):
    spec = "tests.benchmarks.bare_app:create_app()"
    with http.serve(dict(os.environ), tmp_path / "bare.log", 1, spec) as (base, cold, pid):
        request = http.operations({"tokens": ["t"], "benefit_id": 1})["health"]
        # In a thread of its own: in the suite, a browser journey's Playwright (its sync API)
        # may keep an event loop running in this one.
        with ThreadPoolExecutor(1) as thread:
            drive = thread.submit(
                lambda: asyncio.run(http.drive(base, request, connections=4, seconds=0.5))
            )
            result = drive.result()
        workers = http._children_rss_mb(pid)
    assert result["requests"] > 0
    assert result["statuses"] == {200: result["requests"]}
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert cold > 0 and len(workers) == 1


def test_figures_are_read_against_the_issues_targets():
    assert http.meets(600, ">= 600") and not http.meets(599.9, ">= 600")
    assert http.meets(49.9, "< 50") and not http.meets(50, "< 50")
    assert set(http.TARGETS) == set(http.figures(_load(), {"req_s": 100.0}))


def _load() -> dict:
    row = {"req_s": 50.0, "p99_ms": 1.0, "max_ms": 2.0}
    return {"health": row, "benefits page": row, "balance": row, "statement": row,
            "redeem": row, "64 writers": row, "cold_start_s": 1.0, "boot_s": 2.0,
            "rss_mb": [80.0, 90.0]}
