"""Jobs that must run once per interval however many machines run a worker.

Each such job has one row in `job_runs`: when it last ran and how many times. `claim`, the
first thing in the job's transaction, takes the job's lock and then its turn: on PostgreSQL a
transaction-level advisory lock (a worker that does not get it skips this round, since
another is running the job now); on SQLite the write lock every transaction takes at its
start (`BEGIN IMMEDIATE`) already makes them queue. Under the lock the row says whether the
interval has passed since the last run; if so it is moved to now, and it commits together
with the job's work — a job that fails rolls its turn back, so the next round runs it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from points.database import UTCDateTime, utcnow
from points.extensions import db

# The advisory locks' first key (the second is the job's name hashed): a two-key lock never
# conflicts with the one-key locks that serialise idempotent requests (database.lock_key).
LOCK_SPACE = 1_786_002_817
# A run counts for its interval less this share of it (at most SLACK_MAX): timers that fire
# a moment early — another machine's, or the next minute of a scheduler — are not skipped.
SLACK_SHARE = 0.1
SLACK_MAX = timedelta(seconds=5)


class JobRun(db.Model):
    """When a periodic job last ran, across every machine."""

    __tablename__ = "job_runs"
    __table_args__ = (sa.CheckConstraint("runs >= 0", name="ck_job_runs_runs"),)

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    runs: Mapped[int] = mapped_column(default=0)


def claim(name: str, interval_s: float, *, now: datetime | None = None, wait: bool = False) -> bool:
    """Take `name`'s turn in this transaction, or say (False) that it is not ours.

    Call it first in a fresh transaction and commit the job's work after it. Not ours: another
    transaction holds the job's lock now (PostgreSQL; with `wait` this one waits for it), or
    the job ran less than `interval_s` ago. `interval_s` 0: whenever the lock is ours."""
    now = now or utcnow()
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        lock = sa.func.pg_advisory_xact_lock if wait else sa.func.pg_try_advisory_xact_lock
        got = session.scalar(sa.select(lock(LOCK_SPACE, sa.func.hashtext(name))))
        if not wait and not got:
            return False
    run = session.get(JobRun, name, with_for_update=True, populate_existing=True)
    if run is None:
        session.add(JobRun(name=name, last_run_at=now, runs=1))
        session.flush()
        return True
    interval = timedelta(seconds=interval_s)
    if interval_s > 0 and now - run.last_run_at < interval - min(interval * SLACK_SHARE, SLACK_MAX):
        return False
    run.last_run_at = now
    run.runs += 1
    session.flush()
    return True


def last_run(name: str) -> JobRun | None:
    """The job's row: when it last ran and how often (None: never)."""
    return db.session.get(JobRun, name)
