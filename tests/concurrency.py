"""Run one operation many times at once — in threads of one process, or in separate
processes — released together by a barrier, each in its own transaction.

Each attempt returns ("ok", value), (ErrorClassName, message) for a PointsError, or
("crash", repr) for anything else, which a test should treat as a failure.
"""

from __future__ import annotations

import multiprocessing
import threading
import traceback
from collections.abc import Callable
from typing import Any

from points import create_app
from points.errors import PointsError
from points.extensions import db

Outcome = tuple[str, Any]


def _attempt(fn: Callable[[int], Any], i: int, barrier) -> Outcome:
    barrier.wait(timeout=60)
    try:
        value = fn(i)
        db.session.commit()
        return ("ok", value)
    except PointsError as error:
        db.session.rollback()
        return (type(error).__name__, error.message)
    except Exception as error:  # a crash is reported, not raised, so the race finishes
        db.session.rollback()
        return ("crash", f"{error!r}\n{traceback.format_exc()}")


def race(app, fn: Callable[[int], Any], n: int, mode: str) -> list[Outcome]:
    """Run fn(0) … fn(n-1) concurrently in `mode` ('threads' or 'processes')."""
    if mode == "threads":
        return _race_threads(app, fn, n)
    if mode == "processes":
        return _race_processes(app, fn, n)
    raise ValueError(mode)


def _race_threads(app, fn, n) -> list[Outcome]:
    barrier = threading.Barrier(n)
    outcomes: list[Outcome | None] = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            outcomes[i] = _attempt(fn, i, barrier)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return [o if o is not None else ("crash", "thread did not finish") for o in outcomes]


def _race_processes(app, fn, n) -> list[Outcome]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(n)
    results = context.Queue()
    config = dict(app.config)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 1, "max_overflow": 0}
    # On SQLite the attempts queue for the one write lock, each child compiling its statements
    # afresh inside its transaction. Under a loaded 2-core CI machine 32 of them have needed
    # more than the 30 s a request waits in production (the last in the queue got "database
    # is locked"). The race is about what the database ends up holding, not about latency
    # (that is `make bench`), so the children wait as long as the race itself may take.
    config["SQLITE_BUSY_TIMEOUT_MS"] = 110_000
    with app.app_context():  # never carry an open connection across fork
        db.session.remove()
        db.engine.dispose()
    # The children's app is built once, here, before forking (as gunicorn --preload does):
    # each child gets its own copy of it, engine and pool included, with no connection open
    # yet, so every child still opens its own connection and runs in its own transaction.
    child = create_app(config)

    def run(i: int) -> None:
        with child.app_context():
            db.engine.dispose(close=False)  # a pool of this process's own, whatever was forked
            results.put((i, _attempt(fn, i, barrier)))
            db.session.remove()
            db.engine.dispose()

    processes = [context.Process(target=run, args=(i,)) for i in range(n)]
    outcomes: dict[int, Outcome] = {}
    try:
        for p in processes:
            p.start()
        for _ in range(n):
            i, outcome = results.get(timeout=120)
            outcomes[i] = outcome
        for p in processes:
            p.join(timeout=60)
    finally:
        with child.app_context():
            db.engine.dispose()
    return [outcomes.get(i, ("crash", "process did not report")) for i in range(n)]


def tally(outcomes: list[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in outcomes:
        counts[kind] = counts.get(kind, 0) + 1
    return counts
