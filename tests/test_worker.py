"""The worker beside gunicorn: its loop, its jobs' errors, its settings, the real command."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading

import pytest

from points import housekeeping, jobs, worker
from points.extensions import db
from points.ledger.anchor import AnchorError
from points.notifications import delivery
from tests.test_cli import _assert_released, _overdue_hold
from tests.workers import ROOT, WorkerProcess, worker_environment


@pytest.fixture
def sweeping(app):
    app.config.update(HOUSEKEEPING_INTERVAL_S=60, NOTIFY_POLL_S=1)
    return app


def test_the_worker_sweeps_sends_and_stops_on_sigterm_after_the_job_in_hand(
    sweeping, monkeypatch
):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers are set in the main thread only")
    wallet_id, hold_id = _overdue_hold(sweeping)
    calls = []

    def deliver_due(now=None, limit=100):
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while this job is in hand
        calls.append("finished after the signal")
        return 0

    monkeypatch.setattr(delivery, "deliver_due", deliver_due)
    before = signal.getsignal(signal.SIGTERM)
    loop = worker.Worker(sweeping)
    loop.run()  # returns: the signal stopped it
    assert calls == ["finished after the signal"]  # the job ended, and no other began
    assert loop.sweeps == 1
    assert signal.getsignal(signal.SIGTERM) is before
    _assert_released(sweeping, wallet_id, hold_id)
    with sweeping.app_context():
        assert jobs.last_run("sweep").runs == 1


def test_stop_from_another_thread_ends_the_wait_at_once(sweeping, monkeypatch):
    delivered = threading.Event()

    def deliver_due(now=None, limit=100):
        delivered.set()
        return 0

    monkeypatch.setattr(delivery, "deliver_due", deliver_due)
    sweeping.config["NOTIFY_POLL_S"] = 3600  # it waits for an hour after its first round …
    loop = worker.Worker(sweeping)
    thread = threading.Thread(target=loop.run)
    thread.start()
    assert delivered.wait(120)
    loop.stop()  # … unless stopped
    thread.join(120)
    assert not thread.is_alive()


def test_a_failing_sweep_is_logged_and_runs_again_next_time(sweeping, monkeypatch, caplog):
    real = housekeeping.sweep
    failures = iter([RuntimeError("the database went away")])

    def flaky(now=None):
        for error in failures:
            raise error
        return real(now=now)

    monkeypatch.setattr(housekeeping, "sweep", flaky)
    wallet_id, hold_id = _overdue_hold(sweeping)
    with caplog.at_level(logging.INFO, logger="points.worker"):
        assert worker.sweep_job(sweeping) is None
        with sweeping.app_context():
            assert jobs.last_run("sweep") is None  # its turn was rolled back with it
        assert worker.sweep_job(sweeping)["holds_expired"] == 1
    assert "housekeeping sweep failed; it runs again next time" in caplog.text
    assert "housekeeping sweep: holds_expired: 1" in caplog.text
    _assert_released(sweeping, wallet_id, hold_id)


def test_an_anchor_error_is_logged_as_an_error_and_the_sweep_stands(
    sweeping, monkeypatch, caplog
):
    def refuse():
        raise AnchorError("the database no longer holds the anchored transfer")

    monkeypatch.setattr(worker, "write_anchor", refuse)
    wallet_id, hold_id = _overdue_hold(sweeping)
    with caplog.at_level(logging.INFO, logger="points.worker"):
        assert worker.sweep_job(sweeping)["holds_expired"] == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "ledger anchor not moved: the database no longer holds the anchored transfer"
    ]
    _assert_released(sweeping, wallet_id, hold_id)


def test_a_failing_delivery_round_is_logged_and_the_worker_carries_on(
    sweeping, monkeypatch, caplog
):
    def broken(now=None, limit=100):
        raise ConnectionError("SMS provider unreachable")

    monkeypatch.setattr(delivery, "deliver_due", broken)
    with caplog.at_level(logging.ERROR, logger="points.worker"):
        assert worker.deliver_job(sweeping) == 0
    assert "sending notifications failed; they are tried again next time" in caplog.text


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("NOTIFY_POLL_S", "soon", "NOTIFY_POLL_S: must be a number of seconds, at least 0.1"),
        ("NOTIFY_POLL_S", "0", "NOTIFY_POLL_S: must be a number of seconds, at least 0.1"),
        ("HOUSEKEEPING_INTERVAL_S", "-1", "HOUSEKEEPING_INTERVAL_S: must be a number of seconds"),
        ("HOUSEKEEPING_INTERVAL_S", "inf", "HOUSEKEEPING_INTERVAL_S: must be a number of"),
    ],
)
def test_a_bad_setting_stops_the_worker_naming_it(app, setting, value, says):
    app.config[setting] = value
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output


def test_the_worker_command_sweeps_at_once_and_exits_cleanly_on_sigterm(app, db_url, tmp_path):
    wallet_id, hold_id = _overdue_hold(app)
    env = worker_environment(db_url, tmp_path, HOUSEKEEPING_INTERVAL_S=60, NOTIFY_POLL_S=0.2)
    process = WorkerProcess(env)
    try:
        process.wait_for("housekeeping sweep:")
    finally:
        code = process.stop()
    assert code == 0, process.log
    assert "housekeeping sweep: holds_expired: 1" in process.log
    assert process.lines[-1].endswith("worker stopped"), process.log
    _assert_released(app, wallet_id, hold_id)


def test_without_redis_url_nothing_imports_redis_or_huey(db_url, tmp_path):
    env = worker_environment(db_url, tmp_path, HOUSEKEEPING_INTERVAL_S=60)
    script = (
        "import sys\n"
        "from points import create_app, worker\n"
        "app = create_app()\n"
        "worker.sweep_job(app); worker.deliver_job(app)\n"
        "app.test_client().get('/api/v1/health')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('huey', 'redis')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_sweep_command_waits_for_no_interval(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["ledger", "sweep"]).exit_code == 0
    with app.app_context():
        assert jobs.last_run("sweep").runs == 2
        db.session.rollback()
