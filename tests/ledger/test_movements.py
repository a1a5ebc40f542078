"""Worked examples: each kind of movement, with both sides asserted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points.database import utcnow
from points.errors import InsufficientPoints
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.verify import verify_ledger
from tests.ledger.conftest import balances


def test_earning_moves_points_from_issuance_into_the_wallet(ctx, issuance, make_wallet):
    wallet = make_wallet(1)
    t = ledger.transfer(
        kind="earn",
        source=issuance,
        destination=wallet,
        amount=30,
        memo="巡查处置 2 小时",
        actor_id=99,
    )
    db.session.commit()
    assert balances(wallet, issuance) == [(30, 0, 30), (-30, 0, -30)]
    assert sorted((p.account_id, p.amount) for p in t.postings) == [
        (issuance.id, -30),
        (wallet.id, 30),
    ]
    assert (t.kind, t.memo, t.actor_id) == ("earn", "巡查处置 2 小时", 99)


def test_redeeming_holds_then_posts_to_the_merchant(ctx, make_wallet):
    wallet = make_wallet(1, 100)
    shop = ledger.system_account("redeemed:7")
    h = ledger.hold(
        source=wallet,
        destination=shop,
        amount=40,
        kind="redeem",
        expires_at=utcnow() + timedelta(days=7),
    )
    db.session.commit()
    assert balances(wallet, shop) == [(100, 40, 60), (0, 0, 0)]
    t = ledger.post_hold(h, actor_id=2)
    db.session.commit()
    assert balances(wallet, shop) == [(60, 0, 60), (40, 0, 40)]
    assert (t.kind, t.hold_id, h.status) == ("redeem", h.id, "posted")


def test_booking_pays_the_space_account_and_a_refund_pays_back(ctx, make_wallet):
    wallet = make_wallet(1, 50)
    space = ledger.system_account("space")
    ledger.transfer(kind="booking", source=wallet, destination=space, amount=20)
    ledger.transfer(kind="refund", source=space, destination=wallet, amount=20)
    db.session.commit()
    assert balances(wallet, space) == [(50, 0, 50), (0, 0, 0)]


def test_a_reversal_negates_every_posting_and_points_at_the_original(ctx, issuance, make_wallet):
    wallet = make_wallet(1)
    original = ledger.transfer(kind="earn", source=issuance, destination=wallet, amount=25)
    reversal = ledger.reverse_transfer(original, reason="重复申报", actor_id=9)
    db.session.commit()
    assert balances(wallet, issuance) == [(0, 0, 0), (0, 0, 0)]
    assert reversal.reverses_id == original.id
    assert sorted((p.account_id, p.amount) for p in reversal.postings) == [
        (issuance.id, 25),
        (wallet.id, -25),
    ]
    page = ledger.statement(wallet)
    assert [(i.kind, i.amount, i.balance_after, i.memo) for i in page.items] == [
        ("reverse", -25, 0, "重复申报"),
        ("earn", 25, 25, ""),
    ]


def test_expiring_points_moves_them_to_the_expired_account(ctx, make_wallet):
    wallet = make_wallet(1, 10)
    expired = ledger.system_account("expired")
    ledger.transfer(kind="expire", source=wallet, destination=expired, amount=10)
    db.session.commit()
    assert balances(wallet, expired) == [(0, 0, 0), (10, 0, 10)]


def test_an_adjustment_may_split_across_several_accounts(ctx, make_wallet):
    a, b = make_wallet(1), make_wallet(2)
    adjustments = ledger.system_account("adjustments")
    t = ledger.post_transfer(
        kind="adjust", postings=[(adjustments, -15), (a, 10), (b, 5)], memo="补录 2026-10 巡查"
    )
    db.session.commit()
    assert len(t.postings) == 3
    assert balances(a, b, adjustments) == [(10, 0, 10), (5, 0, 5), (-15, 0, -15)]


def test_space_minutes_are_their_own_asset(ctx, make_wallet):
    minutes = make_wallet(1, 120, asset="space_minutes")
    points = make_wallet(1, 0)
    assert minutes.id != points.id
    space = ledger.system_account("space", "space_minutes")
    ledger.transfer(kind="booking", source=minutes, destination=space, amount=90)
    db.session.commit()
    assert balances(minutes, space, points) == [(30, 0, 30), (90, 0, 90), (0, 0, 0)]


def test_members_can_pass_points_to_each_other(ctx, make_wallet):
    giver, taker = make_wallet(1, 20), make_wallet(2)
    ledger.transfer(kind="transfer", source=giver, destination=taker, amount=20)
    db.session.commit()
    assert balances(giver, taker) == [(0, 0, 0), (20, 0, 20)]


def test_verify_passes_after_every_kind_of_movement(ctx, issuance, make_wallet):
    wallet = make_wallet(1, 100)
    shop = ledger.system_account("redeemed:1")
    h = ledger.hold(
        source=wallet,
        destination=shop,
        amount=5,
        kind="redeem",
        expires_at=utcnow() + timedelta(hours=1),
    )
    ledger.post_hold(h)
    h2 = ledger.hold(
        source=wallet,
        destination=shop,
        amount=5,
        kind="redeem",
        expires_at=utcnow() + timedelta(hours=1),
    )
    ledger.void_hold(h2, reason="member cancelled")
    t = ledger.transfer(kind="earn", source=issuance, destination=wallet, amount=3)
    ledger.reverse_transfer(t, reason="mistake", actor_id=1)
    db.session.commit()
    report = verify_ledger()
    assert report.ok, report.faults
    assert (report.transfers, report.postings, report.holds) == (4, 8, 2)


def test_bulk_posting_gives_the_same_ledger_as_posting_one_by_one(ctx, issuance, make_wallet):
    a, b = make_wallet(1), make_wallet(2)
    ids = ledger.post_transfers_bulk(
        [
            ledger.TransferSpec("earn", [(issuance, -50), (a, 50)], "导入 1"),
            ledger.TransferSpec("transfer", [(a, -20), (b, 20)]),
            ledger.TransferSpec("earn", [(issuance, -5), (b, 5)]),
        ]
    )
    db.session.commit()
    assert len(ids) == 3
    assert balances(a, b, issuance) == [(30, 0, 30), (25, 0, 25), (-55, 0, -55)]
    assert [i.balance_after for i in ledger.statement(b).items] == [25, 20]
    assert verify_ledger().ok


def test_bulk_posting_refuses_an_overdraft_anywhere_in_the_batch(ctx, issuance, make_wallet):
    a, b = make_wallet(1, 10), make_wallet(2)
    with pytest.raises(InsufficientPoints):
        ledger.post_transfers_bulk(
            [
                ledger.TransferSpec("transfer", [(a, -10), (b, 10)]),
                ledger.TransferSpec("transfer", [(a, -1), (b, 1)]),
            ]
        )
