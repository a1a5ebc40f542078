"""The worker: the process beside gunicorn that does the app's background work, so that no
member's request pays for it.

`flask --app points worker` runs `Worker.run`: every NOTIFY_POLL_S (1 s) it sends the
notifications whose time has come (points/notifications/delivery.py), and every
HOUSEKEEPING_INTERVAL_S (60 s) it runs the housekeeping sweep in a transaction of its own,
commits it and anchors the ledger's chain (points/housekeeping.py). Any number of machines
may each run one: the sweep's turn is taken under a database lock (points/jobs.py), so it
runs once per interval. SIGTERM or SIGINT stops the loop once the job in hand is done. A
job's exception is logged and the job runs again next time; the worker never dies of one.

With REDIS_URL the same jobs run as Huey tasks instead (points/tasks.py), which call
`sweep_job` and `deliver_job` here.
"""

from __future__ import annotations

import logging
import math
import os
import select
import signal
import time

from flask import Flask

from points import housekeeping
from points import messages as M
from points.errors import InvalidInput
from points.extensions import db
from points.ledger.anchor import AnchorError, write_anchor
from points.notifications import delivery

log = logging.getLogger("points.worker")


def seconds(config, name: str, *, least: float) -> float:
    """The setting `name` as a finite number of seconds ≥ `least`; otherwise an error that
    names the setting."""
    value = config.get(name)
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < least:
        raise InvalidInput(M.SETTING_SECONDS, field=name, least=least)
    return number


def sweep_job(app: Flask, *, announce: bool = False) -> dict[str, int] | None:
    """The housekeeping sweep, if this interval's turn is ours: commit it, then anchor the
    chain. Returns what it did (None: another worker's turn, or it failed and was logged).
    Logs what it did when it did something (`announce`: in any case)."""
    interval = seconds(app.config, "HOUSEKEEPING_INTERVAL_S", least=0)
    with app.app_context():
        try:
            done = housekeeping.sweep_once(interval)
        except Exception:  # the worker never dies of a job: the next round runs it again
            db.session.rollback()
            log.exception("housekeeping sweep failed; it runs again next time")
            return None
        if done is None:
            log.debug("housekeeping sweep: this interval's turn was taken by another worker")
            return None
        did = ", ".join(f"{name}: {count}" for name, count in done.items() if count)
        if did or announce:
            log.info("housekeeping sweep: %s", did or "nothing was due")
        try:
            write_anchor()
        except AnchorError as error:  # the database no longer extends the anchored chain
            db.session.rollback()
            log.error("ledger anchor not moved: %s", error)
        except Exception:
            db.session.rollback()
            log.exception("ledger anchor not written; it is written after the next sweep")
        return done


def deliver_job(app: Flask) -> int:
    """Send the notifications whose time has come; how many were finished (0 on a failure,
    which is logged: they are tried again next time)."""
    with app.app_context():
        try:
            return delivery.deliver_due()
        except Exception:
            db.session.rollback()
            log.exception("sending notifications failed; they are tried again next time")
            return 0


class Worker:
    """The plain loop (no Redis): deliveries every NOTIFY_POLL_S, the sweep every
    HOUSEKEEPING_INTERVAL_S (0: never), until `stop` (SIGTERM, SIGINT)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.poll_s = seconds(app.config, "NOTIFY_POLL_S", least=0.1)
        self.sweep_s = seconds(app.config, "HOUSEKEEPING_INTERVAL_S", least=0)
        self.sweeps = 0
        self.stopping = False
        # While it runs, a self-pipe wakes its wait at once, from a signal handler too (where
        # taking a lock, as threading.Event.set does, could deadlock the interrupted thread).
        self._wake: tuple[int, int] | None = None

    def stop(self, signum=None, frame=None) -> None:
        """Stop after the job in hand (a signal handler, or any thread)."""
        self.stopping = True
        wake = self._wake
        if wake is not None:
            try:
                os.write(wake[1], b"x")
            except OSError:  # already woken (the pipe is full), or it has just stopped
                pass

    def run(self) -> None:
        """Loop until stopped; SIGTERM and SIGINT stop it (in the main thread)."""
        read, write = os.pipe()
        os.set_blocking(write, False)
        self._wake = (read, write)
        handlers = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                handlers[signum] = signal.signal(signum, self.stop)
            except ValueError:  # not the main thread: stop() is the only way out
                break
        log.info(
            "worker started: notifications every %g s, housekeeping sweep %s",
            self.poll_s,
            f"every {self.sweep_s:g} s" if self.sweep_s else "off",
        )
        try:
            self._loop()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            self._wake = None
            os.close(read)
            os.close(write)
        log.info("worker stopped")

    def _loop(self) -> None:
        next_delivery = next_sweep = time.monotonic()
        while not self.stopping:
            now = time.monotonic()
            if self.sweep_s and now >= next_sweep:
                next_sweep = now + self.sweep_s
                sweep_job(self.app, announce=self.sweeps == 0)
                self.sweeps += 1
            if not self.stopping and now >= next_delivery:
                next_delivery = now + self.poll_s
                deliver_job(self.app)
            if self.stopping:
                break
            due = min(next_delivery, next_sweep) if self.sweep_s else next_delivery
            wake = self._wake[0]
            ready, _, _ = select.select([wake], [], [], max(0.0, due - time.monotonic()))
            if ready:
                os.read(wake, 64)
