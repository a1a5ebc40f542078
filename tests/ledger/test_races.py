"""Concurrency claims, proven by racing real threads and real processes on every database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Hold, Posting, Transfer
from points.ledger.verify import verify_ledger
from tests.concurrency import race, tally

MODES = ["threads", "processes"]


def _prepare(app, fn):
    with app.app_context():
        value = fn()
        db.session.commit()
        return value


def _verify(app):
    with app.app_context():
        report = verify_ledger()
        assert report.ok, report.faults


@pytest.mark.parametrize("mode", MODES)
def test_64_holds_of_10_against_100_available_exactly_10_succeed(app, mode):
    def setup():
        wallet = ledger.member_wallet(1)
        ledger.transfer(
            kind="earn", source=ledger.system_account("issuance"), destination=wallet, amount=100
        )
        return wallet.id, ledger.system_account("redeemed:1").id

    wallet_id, shop_id = _prepare(app, setup)
    expires = utcnow() + timedelta(hours=1)

    def attempt(i):
        return ledger.hold(
            source=wallet_id, destination=shop_id, amount=10, kind="redeem", expires_at=expires
        ).id

    outcomes = race(app, attempt, 64, mode)
    assert tally(outcomes) == {"ok": 10, "InsufficientPoints": 54}, outcomes
    with app.app_context():
        b = ledger.balance_of(wallet_id)
        assert (b.balance, b.held, b.available) == (100, 100, 0)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hold)) == 10
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_16_posts_with_one_idempotency_key_make_one_transfer(app, mode):
    def setup():
        return ledger.member_wallet(1).id, ledger.system_account("issuance").id

    wallet_id, issuance_id = _prepare(app, setup)

    def attempt(i):
        return ledger.transfer(
            kind="earn",
            source=issuance_id,
            destination=wallet_id,
            amount=7,
            idempotency_key="claim:42:approve",
        ).id

    outcomes = race(app, attempt, 16, mode)
    assert tally(outcomes) == {"ok": 16}, outcomes
    assert len({value for _, value in outcomes}) == 1, "every caller gets the same transfer"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
        assert ledger.balance_of(wallet_id).balance == 7
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_32_concurrent_posts_of_one_hold_make_one_posting_transfer(app, mode):
    def setup():
        wallet = ledger.member_wallet(1)
        ledger.transfer(
            kind="earn", source=ledger.system_account("issuance"), destination=wallet, amount=50
        )
        shop = ledger.system_account("redeemed:1")
        h = ledger.hold(
            source=wallet,
            destination=shop,
            amount=30,
            kind="redeem",
            expires_at=utcnow() + timedelta(hours=1),
        )
        return wallet.id, shop.id, h.id

    wallet_id, shop_id, hold_id = _prepare(app, setup)

    def attempt(i):
        return ledger.post_hold(hold_id, actor_id=i + 1).id

    outcomes = race(app, attempt, 32, mode)
    assert tally(outcomes) == {"ok": 1, "HoldNotPending": 31}, outcomes
    with app.app_context():
        posted = db.session.scalars(sa.select(Transfer).filter_by(hold_id=hold_id)).all()
        assert len(posted) == 1
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Posting).where(Posting.account_id == shop_id)
            )
            == 1
        )
        w, s = ledger.balance_of(wallet_id), ledger.balance_of(shop_id)
        assert (w.balance, w.held, s.balance) == (20, 0, 30)
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_a_wallet_never_goes_negative_under_concurrent_spending(app, mode):
    """32 members' worth of transfers out of one wallet of 100, 7 at a time: 14 fit."""

    def setup():
        wallet = ledger.member_wallet(1)
        ledger.transfer(
            kind="earn", source=ledger.system_account("issuance"), destination=wallet, amount=100
        )
        return wallet.id, ledger.system_account("space").id

    wallet_id, space_id = _prepare(app, setup)

    def attempt(i):
        return ledger.transfer(kind="booking", source=wallet_id, destination=space_id, amount=7).id

    outcomes = race(app, attempt, 32, mode)
    assert tally(outcomes) == {"ok": 14, "InsufficientPoints": 18}, outcomes
    with app.app_context():
        assert ledger.balance_of(wallet_id).balance == 2
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_holds_posts_and_voids_racing_together_keep_the_ledger_whole(app, mode):
    """A mix on shared accounts: nothing deadlocks, crashes or breaks an invariant."""

    def setup():
        issuance = ledger.system_account("issuance")
        wallets = [ledger.member_wallet(m) for m in (1, 2, 3)]
        for w in wallets:
            ledger.transfer(kind="earn", source=issuance, destination=w, amount=60)
        shop = ledger.system_account("redeemed:1")
        holds = [
            ledger.hold(
                source=w,
                destination=shop,
                amount=10,
                kind="redeem",
                expires_at=utcnow() + timedelta(hours=1),
            ).id
            for w in wallets
            for _ in range(2)
        ]
        return [w.id for w in wallets], shop.id, holds

    wallet_ids, shop_id, hold_ids = _prepare(app, setup)
    expires = utcnow() + timedelta(hours=1)

    def attempt(i):
        action = i % 4
        if action == 0:
            return ledger.post_hold(hold_ids[i % len(hold_ids)]).id
        if action == 1:
            return ledger.void_hold(hold_ids[(i + 3) % len(hold_ids)], reason="race").id
        if action == 2:
            return ledger.hold(
                source=wallet_ids[i % 3],
                destination=shop_id,
                amount=15,
                kind="redeem",
                expires_at=expires,
            ).id
        return ledger.transfer(
            kind="transfer", source=wallet_ids[i % 3], destination=wallet_ids[(i + 1) % 3], amount=9
        ).id

    outcomes = race(app, attempt, 32, mode)
    counts = tally(outcomes)
    assert "crash" not in counts, [o for o in outcomes if o[0] == "crash"][:2]
    _verify(app)
