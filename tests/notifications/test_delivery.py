"""The delivery worker sends each delivery at most once: two workers racing over the same
outbox send every message once, and a worker killed while the provider holds its request
leaves the delivery `uncertain` (or `sent`, when the provider has its receipt) — the next
worker does not send it again."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.notifications import delivery
from points.notifications import services as notifications
from points.notifications.models import Delivery, DeliveryAttempt
from points.spaces.messages import OFFERED
from tests.concurrency import race, tally
from tests.notifications.conftest import MORNING, attempts_of, offer, only_delivery
from tests.notifications.sms_standin import ROOT


def _statuses() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Delivery.status, sa.func.count()).group_by(Delivery.status))
    return dict(rows.all())


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_two_workers_racing_over_fifty_deliveries_send_each_exactly_once(
    app, sms_on, make_member, mode
):
    member = make_member()
    for _ in range(50):
        offer(member)
    outcomes = race(app, lambda i: delivery.deliver_due(now=MORNING), 2, mode)
    assert tally(outcomes) == {"ok": 2}, outcomes
    assert sum(value for _, value in outcomes) == 50  # each finished by one worker
    contexts = [m["context"] for m in sms_on.sent]
    assert len(contexts) == 50 and len(set(contexts)) == 50
    assert _statuses() == {"sent": 50}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeliveryAttempt)) == 50


WORKER_CHAIN_KEY = secrets.token_urlsafe(48)  # the app refuses keys published here


def _worker(db_url, tmp_path, config: dict, *args: str) -> subprocess.Popen:
    """`flask --app points notifications deliver …` in a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENT_", "SMS_"))}
    env.update(
        DATABASE_URL=db_url,
        POINTS_INSTANCE_PATH=str(tmp_path / "instance"),
        SECRET_KEY="worker-test-secret-key-0123456789-abcdefghij",
        LEDGER_CHAIN_KEY=WORKER_CHAIN_KEY,
        HOUSEKEEPING_INTERVAL_S="0",
        NOTIFY_QUIET_HOURS="00:00-00:00",
        NOTIFY_POLL_S="0.2",
        **{k: str(v) for k, v in config.items()},
    )
    command = [sys.executable, "-m", "flask", "--app", "points", "notifications", "deliver"]
    return subprocess.Popen(
        [*command, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("receipts", [False, True], ids=["no-receipt", "receipt"])
def test_a_worker_killed_mid_send_never_sends_twice(
    app, db_url, tmp_path, sms_on, make_member, receipts
):
    """Without a delivery receipt the delivery is left `uncertain`; with one (the provider
    has the message, by its SessionContext) it is settled as `sent`. Never sent again."""
    sms_on.receipts = receipts
    app.config["NOTIFY_QUIET_HOURS"] = "00:00-00:00"  # the workers run on the real clock
    offer(make_member(), now=utcnow())
    config = sms_on.app_config(NOTIFY_CLAIM_TIMEOUT_S="1")
    sms_on.hold()
    first = _worker(db_url, tmp_path, config, "--loop")
    try:
        while not sms_on.wait_for(1, timeout=0.5):
            assert first.poll() is None, first.stderr.read()
        claimed = only_delivery()
        assert claimed.status == "sending"
        claimed_at = claimed.claimed_at
        db.session.commit()  # on SQLite even a read holds the write lock until it ends
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        first.stdout.close()
        first.stderr.close()
    assert first.returncode == -signal.SIGKILL
    sms_on.release()
    # The claim must be older than the timeout (1 s) before the next worker calls it stale.
    while utcnow() < claimed_at + timedelta(seconds=1.2):
        time.sleep(0.1)
    for _ in range(2):  # and a second round changes nothing
        second = _worker(db_url, tmp_path, config)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
    assert len(sms_on.requests) == 1 and len(sms_on.sent) == 1
    assert sms_on.pulls and sms_on.pulls[0]["PhoneNumber"] == sms_on.sent[0]["phone"]
    settled = only_delivery()
    if receipts:
        assert (settled.status, settled.provider_ref) == ("sent", sms_on.sent[0]["serial"])
        assert [a.outcome for a in attempts_of(settled)] == ["sent"]
    else:
        assert settled.status == "uncertain"
        assert "not sent again" in settled.last_error
        assert [a.outcome for a in attempts_of(settled)] == ["crashed"]


def test_a_dead_workers_email_claim_becomes_uncertain_after_the_timeout(app, make_member):
    member = make_member(role="social_worker")
    member.email = "worker@example.org"
    db.session.commit()
    notifications.choose(member, OFFERED.key, "email", True)
    notifications.choose(member, OFFERED.key, "sms", False)
    offer(member)
    mail = only_delivery("email")
    # What a worker leaves when it dies after its claim: sending, an attempt without outcome.
    mail.status, mail.claimed_at, mail.attempts = "sending", MORNING, 1
    db.session.add(DeliveryAttempt(delivery_id=mail.id, started_at=MORNING))
    db.session.commit()
    timeout = timedelta(seconds=app.config["NOTIFY_CLAIM_TIMEOUT_S"])
    assert delivery.deliver_due(now=MORNING + timeout) == 0  # not older than the timeout yet
    assert only_delivery("email").status == "sending"
    assert delivery.deliver_due(now=MORNING + timeout + timedelta(seconds=1)) == 1
    settled = only_delivery("email")
    assert settled.status == "uncertain"
    assert [a.outcome for a in attempts_of(settled)] == ["crashed"]
