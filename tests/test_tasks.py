"""With REDIS_URL: the Huey queue. Deliveries are enqueued after their transaction commits,
never before nor for a rolled-back one; a consumer's workers run tasks side by side; the
periodic sweep fired by every machine's scheduler runs once (the database lock)."""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from points import create_app, jobs
from points.database import utcnow
from points.extensions import db
from points.notifications import delivery
from points.notifications.models import Delivery, Notification
from tests.conftest import IsolatedClient, app_config
from tests.test_cli import _assert_released, _overdue_hold
from tests.workers import WorkerProcess, gather, worker_environment


@pytest.fixture
def huey_name() -> str:
    return f"points_test_worker_{uuid.uuid4().hex[:12]}"  # this test's own Redis keys


@pytest.fixture
def app(db_url, tmp_path, redis_url, huey_name):
    """The conftest's app, with its queue over the test Redis (so ctx, make_member use it)."""
    from points import tasks

    app = create_app(
        app_config(
            db_url,
            REDIS_URL=redis_url,
            HUEY_NAME=huey_name,
            UPLOAD_FOLDER=str(tmp_path / "uploads"),
            LEDGER_ANCHOR_PATH=str(tmp_path / "ledger-anchor.json"),
        )
    )
    app.test_client_class = IsolatedClient
    yield app
    tasks.queue_of(app).huey.flush()  # remove this test's keys
    tasks.queue_of(app).huey.storage.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _enqueued(app) -> list[tuple[str, tuple]]:
    from points import tasks

    return [(task.name, tuple(task.args)) for task in tasks.queue_of(app).huey.pending()]


def _delivery(member, *, due_in=timedelta(0)) -> Delivery:
    notification = Notification(member_id=member.id, kind="test", params={}, subject="")
    sent = Delivery(channel="sms", address=member.phone, due_at=utcnow() + due_in)
    notification.deliveries.append(sent)
    db.session.add(notification)
    db.session.flush()
    return sent


def test_a_delivery_is_enqueued_right_after_its_transaction_commits(app, make_member):
    member = make_member()
    first, second = _delivery(member), _delivery(member)
    ids = [first.id, second.id]
    assert _enqueued(app) == []  # written and flushed, not committed: nothing yet
    db.session.commit()
    assert _enqueued(app) == [("deliver", (ids[0],)), ("deliver", (ids[1],))]


def test_a_rolled_back_transaction_or_savepoint_enqueues_nothing(app, make_member):
    member = make_member()
    _delivery(member)
    db.session.rollback()
    assert _enqueued(app) == []
    with db.session.begin_nested():
        _delivery(member)
    kept = _delivery(member).id
    savepoint = db.session.begin_nested()
    _delivery(member)
    savepoint.rollback()
    db.session.commit()
    assert _enqueued(app) == [("deliver", (kept - 1,)), ("deliver", (kept,))]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 2


def test_a_delivery_due_later_is_left_to_the_periodic_safety_net(app, make_member):
    _delivery(make_member(), due_in=timedelta(hours=10))  # quiet hours, the digest
    db.session.commit()
    assert _enqueued(app) == []


def test_a_lost_enqueue_leaves_the_commit_standing(app, make_member, monkeypatch, caplog):
    from points import tasks

    def unreachable(task):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(tasks.queue_of(app).huey, "enqueue", unreachable)
    sent = _delivery(make_member()).id
    with caplog.at_level(logging.ERROR, logger="points.tasks"):
        db.session.commit()
    assert db.session.get(Delivery, sent).status == "queued"  # deliver_due sends it later
    assert "the periodic deliver_due sends them" in caplog.text


def test_a_consumer_with_several_workers_runs_tasks_side_by_side(app, monkeypatch):
    from points import tasks

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("the consumer sets its signal handlers in the main thread")
    together = threading.Barrier(4, timeout=120)  # breaks unless four run at once
    ran, finished = [], threading.Semaphore(0)

    def deliver(delivery_id, now=None):
        together.wait()
        ran.append(delivery_id)
        finished.release()
        return "sent"

    monkeypatch.setattr(delivery, "deliver", deliver)
    queue = tasks.queue_of(app)
    for delivery_id in (11, 12, 13, 14):
        queue.deliver(delivery_id)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = queue.huey.create_consumer(workers=4, worker_type="thread", periodic=False)
    consumer.start()
    try:
        for _ in range(4):
            assert finished.acquire(timeout=120), f"ran only {ran}"
    finally:
        consumer.stop(graceful=True)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert sorted(ran) == [11, 12, 13, 14]
    assert not together.broken


def _executed(log: str, task: str) -> int:
    """How many times the consumers' log says they finished `task` (Huey logs each)."""
    return sum(
        f"points.tasks.{task}: " in line and "executed in" in line for line in log.splitlines()
    )


@pytest.mark.slow
def test_three_machines_consumers_run_the_periodic_sweep_once_and_a_committed_delivery(
    app, make_member, db_url, tmp_path, redis_url, huey_name
):
    wallet_id, hold_id = _overdue_hold(app)
    _delivery(make_member())
    db.session.commit()  # enqueued: any machine's consumer may send it
    env = worker_environment(
        db_url, tmp_path, REDIS_URL=redis_url, HUEY_NAME=huey_name, HOUSEKEEPING_INTERVAL_S=60
    )
    machines = [WorkerProcess(env, "--workers", "2", "--log-level", "DEBUG") for _ in range(3)]
    try:
        # Each machine's scheduler fires the sweep once as it starts (then every minute).
        gather(machines, lambda log: _executed(log, "sweep") >= 3 and _executed(log, "deliver"))
    finally:
        codes = [machine.stop() for machine in machines]
    log = "\n".join(line for m in machines for line in m.lines)
    assert codes == [0, 0, 0], log
    assert _executed(log, "sweep") == 3, log
    assert _executed(log, "deliver") == 1, log
    assert log.count("housekeeping sweep: holds_expired: 1") == 1, log
    assert log.count("this interval's turn was taken by another worker") == 2, log
    _assert_released(app, wallet_id, hold_id)
    with app.app_context():
        assert jobs.last_run("sweep").runs == 1


def test_a_bad_setting_stops_the_consumer_at_start_naming_it(app):
    app.config["HOUSEKEEPING_INTERVAL_S"] = "every minute"
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 1
    assert "HOUSEKEEPING_INTERVAL_S: must be a number of seconds, at least 0" in result.output
