"""Background work over Redis: a Huey queue, used only when REDIS_URL is set (without it
nothing imports this module, Huey or redis).

- `deliver(delivery_id)` is enqueued for each delivery due now right after the transaction
  that wrote it commits (session hooks below): never before the commit, and a rolled-back
  transaction or savepoint enqueues nothing.
- `deliver_due`, every minute, is the safety net: deliveries whose enqueue was lost (Redis
  was down, the process died after its commit) and those due later (quiet hours, the digest,
  retries' backoff).
- `sweep`, every minute, is the housekeeping sweep: its turn is taken under the database
  lock (points/jobs.py), so every machine's scheduler may fire it and it still runs once per
  HOUSEKEEPING_INTERVAL_S (at most once a minute here).

The consumer is `flask --app points worker` (Huey's consumer through its Python API, with
`--workers` threads and the periodic scheduler): like every flask command it builds the app
once (create_app), and each task runs in an app context of its own. SIGTERM lets the tasks in
hand finish; SIGINT interrupts them (their transactions roll back). Every machine may run one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import RedisHuey, crontab
from huey.api import TaskWrapper
from sqlalchemy import event
from sqlalchemy.orm import Session

from points import worker
from points.database import utcnow
from points.notifications import delivery
from points.notifications.models import Delivery

log = logging.getLogger("points.tasks")
EXTENSION = "points.tasks"
_WRITTEN = "points.tasks.deliveries"  # Session.info: deliveries inserted in this transaction


@dataclass(frozen=True)
class Queue:
    huey: RedisHuey
    deliver: TaskWrapper
    deliver_due: TaskWrapper
    sweep: TaskWrapper


def build(app: Flask) -> Queue:
    """The app's Huey over REDIS_URL, named HUEY_NAME, with its three tasks."""
    huey = RedisHuey(
        app.config["HUEY_NAME"], url=app.config["REDIS_URL"], results=False, utc=True
    )

    @huey.task()
    def deliver(delivery_id: int) -> str:
        """Send one delivery now (enqueued as the transaction that wrote it commits)."""
        with app.app_context():
            return delivery.deliver(delivery_id)

    @huey.periodic_task(crontab(minute="*"))
    def deliver_due() -> int:
        """The safety net: whatever is due and was not sent by its own task."""
        return worker.deliver_job(app)

    announced = []  # this process's first sweep is logged whatever it did

    @huey.periodic_task(crontab(minute="*"))
    def sweep() -> None:
        """The housekeeping sweep, once per interval across machines (the database lock)."""
        if worker.seconds(app.config, "HOUSEKEEPING_INTERVAL_S", least=0):
            if worker.sweep_job(app, announce=not announced) is not None:
                announced.append(True)

    return Queue(huey, deliver, deliver_due, sweep)


def init_app(app: Flask) -> None:
    """Give the app its queue, and enqueue deliveries as their transactions commit."""
    app.extensions[EXTENSION] = build(app)
    if not event.contains(Session, "after_flush", _after_flush):
        # On the Session class: every app's sessions; those without a queue are skipped.
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


def queue_of(app: Flask) -> Queue:
    return app.extensions[EXTENSION]


def consume(app: Flask, *, workers: int) -> None:
    """Run the Huey consumer (`workers` threads and the scheduler) until SIGTERM/SIGINT."""
    worker.seconds(app.config, "HOUSEKEEPING_INTERVAL_S", least=0)  # a bad one stops it now
    consumer = queue_of(app).huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, graceful_signal="TERM"
    )
    consumer.run()


def _queue() -> Queue | None:
    return current_app.extensions.get(EXTENSION) if has_app_context() else None


def _after_flush(session: Session, _context) -> None:
    if _queue() is None:
        return
    written = session.info.setdefault(_WRITTEN, [])
    for instance in session.new:  # still the flush's new objects here, with their ids
        if isinstance(instance, Delivery):
            written.append((instance, instance.id, instance.__dict__.get("due_at")))


def _after_commit(session: Session) -> None:
    written = session.info.pop(_WRITTEN, None)
    queue = _queue()
    if not written or queue is None:
        return
    now = utcnow()
    # A savepoint rolled back expunged what it inserted: only persistent rows were committed.
    due = [
        delivery_id
        for instance, delivery_id, due_at in written
        if sa.inspect(instance).persistent and (due_at is None or due_at <= now)
    ]
    for delivery_id in due:
        try:
            queue.deliver(delivery_id)
        except Exception:  # the commit stands; the periodic deliver_due sends them
            log.exception(
                "could not enqueue deliveries %s; the periodic deliver_due sends them", due
            )
            return


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost: committed (enqueued above) or not
        session.info.pop(_WRITTEN, None)
