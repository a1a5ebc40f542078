"""A periodic job runs once per interval however many workers (machines) try at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points import housekeeping, jobs
from points.database import utcnow
from points.extensions import db
from tests.concurrency import race, tally
from tests.test_cli import _assert_released, _overdue_hold


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["threads", "processes"])
@pytest.mark.parametrize("before", ["never", "two minutes ago"])
def test_workers_started_together_sweep_exactly_once_in_an_interval(app, mode, before):
    if before != "never":
        with app.app_context():
            assert jobs.claim("sweep", 60, now=utcnow() - timedelta(minutes=2))
            db.session.commit()
    wallet_id, hold_id = _overdue_hold(app)
    outcomes = race(app, lambda i: housekeeping.sweep_once(60), 8, mode)
    assert tally(outcomes) == {"ok": 8}, outcomes
    ran = [done for _, done in outcomes if done is not None]
    assert len(ran) == 1 and ran[0]["holds_expired"] == 1
    with app.app_context():
        assert jobs.last_run("sweep").runs == (1 if before == "never" else 2)
    _assert_released(app, wallet_id, hold_id)


def test_a_second_machine_within_the_interval_skips_and_after_it_runs(ctx):
    start = utcnow()
    assert jobs.claim("sweep", 60, now=start)
    db.session.commit()
    assert not jobs.claim("sweep", 60, now=start + timedelta(seconds=30))
    db.session.rollback()
    # A timer that fires a moment early (another machine's, the scheduler's next minute) runs.
    assert jobs.claim("sweep", 60, now=start + timedelta(seconds=56))
    db.session.commit()
    run = jobs.last_run("sweep")
    assert (run.runs, run.last_run_at) == (2, start + timedelta(seconds=56))


def test_a_failed_job_gives_its_turn_back(ctx):
    assert jobs.claim("sweep", 60)
    db.session.rollback()  # the job failed: its work and its turn roll back together
    assert jobs.claim("sweep", 60)
    db.session.commit()
    assert jobs.last_run("sweep").runs == 1


def test_interval_zero_runs_whenever_the_lock_is_ours(ctx):
    start = utcnow()
    for moment in (start, start, start - timedelta(hours=1)):  # even if the clock went back
        assert jobs.claim("sweep", 0, now=moment)
        db.session.commit()
    assert jobs.last_run("sweep").runs == 3


def test_on_postgresql_a_worker_that_does_not_get_the_lock_skips_this_round(app, dialect):
    if dialect != "postgresql":
        pytest.skip("SQLite serialises on the write lock every transaction takes at its start")
    with app.app_context():
        assert jobs.claim("sweep", 60)  # holds the advisory lock until it commits
        with app.app_context():  # another worker: its own session and connection
            assert not jobs.claim("sweep", 0)  # not even a forced run waits …
            db.session.rollback()
        db.session.rollback()  # … and once the first let go of it without running,
    with app.app_context():
        assert jobs.claim("sweep", 60)  # the next round is ours
        db.session.commit()
        assert jobs.last_run("sweep").runs == 1
