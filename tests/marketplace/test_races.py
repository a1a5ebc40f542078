"""Stock never oversold, points never overspent, a code confirmed once — under real
concurrency (threads and processes) on every database; the ledger verifies after each race."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.marketplace import services as market
from points.marketplace.models import Benefit, CounterUndo, Redemption
from points.members import services as members
from tests.concurrency import race, tally

MODES = ["threads", "processes"]


def _verify(app):
    with app.app_context():
        report = verify_ledger()
        assert report.ok, report.faults


@pytest.mark.parametrize("mode", MODES)
def test_64_redemptions_of_a_10_point_benefit_with_100_available_make_10_vouchers(
    app, mode, rich_member, make_benefit
):
    member_id, benefit_id = rich_member(100).id, make_benefit(points=10).id
    db.session.commit()

    def attempt(i):
        return market.redeem(members.get_member(member_id), benefit_id=benefit_id).code

    outcomes = race(app, attempt, 64, mode)
    assert tally(outcomes) == {"ok": 10, "InsufficientPoints": 54}, outcomes
    assert len({code for kind, code in outcomes if kind == "ok"}) == 10
    with app.app_context():
        b = ledger.balance_of(ledger.member_wallet(member_id))
        assert (b.balance, b.held, b.available) == (100, 100, 0)
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_50_members_racing_for_stock_of_5_get_exactly_5(app, mode, rich_member, make_benefit):
    people = [rich_member(50).id for _ in range(50)]
    benefit_id = make_benefit(points=10, stock=5).id
    db.session.commit()

    def attempt(i):
        return market.redeem(members.get_member(people[i]), benefit_id=benefit_id).id

    outcomes = race(app, attempt, 50, mode)
    assert tally(outcomes) == {"ok": 5, "Conflict": 45}, outcomes
    with app.app_context():
        assert db.session.get(Benefit, benefit_id).stock_left == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 5
        held = sum(ledger.balance_of(ledger.member_wallet(p)).held for p in people)
        assert held == 50
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_32_confirms_of_one_code_succeed_once(
    app, mode, rich_member, make_benefit, barber_staff, shop
):
    voucher = market.redeem(rich_member(100), benefit_id=make_benefit(points=30).id)
    code, staff_id, shop_code = voucher.code, barber_staff.id, shop.code
    db.session.commit()

    def attempt(i):
        return market.confirm(code, staff=members.get_member(staff_id)).transfer_id

    outcomes = race(app, attempt, 32, mode)
    assert tally(outcomes) == {"ok": 1, "Conflict": 31}, outcomes
    with app.app_context():
        account = ledger.system_account(f"redeemed:{shop_code}")
        assert ledger.balance_of(account).balance == 30
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_16_redemptions_with_one_idempotency_key_make_one_voucher(
    app, mode, rich_member, make_benefit
):
    member_id, benefit_id = rich_member(100).id, make_benefit(points=10, stock=20).id
    db.session.commit()

    def attempt(i):
        return market.redeem(
            members.get_member(member_id), benefit_id=benefit_id, idempotency_key="tap-once"
        ).id

    outcomes = race(app, attempt, 16, mode)
    assert tally(outcomes) == {"ok": 16}, outcomes
    assert len({value for _, value in outcomes}) == 1
    with app.app_context():
        assert db.session.get(Benefit, benefit_id).stock_left == 19
        assert ledger.balance_of(ledger.member_wallet(member_id)).held == 10
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_cancel_and_confirm_at_once_end_the_voucher_one_way(
    app, mode, rich_member, make_benefit, barber_staff
):
    member = rich_member(100)
    voucher = market.redeem(member, benefit_id=make_benefit(points=30, stock=4).id)
    ids = (voucher.id, voucher.code, member.id, barber_staff.id)
    db.session.commit()

    def attempt(i):
        redemption_id, code, member_id, staff_id = ids
        if i % 2:
            return market.confirm(code, staff=members.get_member(staff_id)).status
        found = market.get_redemption(redemption_id)
        return market.cancel(found, member=members.get_member(member_id)).status

    outcomes = race(app, attempt, 8, mode)
    ok = {value for kind, value in outcomes if kind == "ok"}
    assert len(ok) == 1, outcomes  # all winners agree: cancelled, or confirmed
    with app.app_context():
        b = ledger.balance_of(ledger.member_wallet(ids[2]))
        stock = db.session.get(Redemption, ids[0]).benefit.stock_left
        assert (b.balance, b.held, stock) in {(100, 0, 4), (70, 0, 3)}
    _verify(app)


# ---------------------------------------------------------------------------- undo (撤销)


def _confirmed(rich_member, make_benefit, barber_staff, now=None):
    member = rich_member(100)
    voucher = market.redeem(member, benefit_id=make_benefit(points=30, stock=5).id, now=now)
    db.session.commit()
    market.confirm(voucher.code, staff=barber_staff, now=now)
    db.session.commit()
    return member, voucher


def _reversals() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "reverse")
    )


@pytest.mark.parametrize("mode", MODES)
def test_8_undos_of_one_confirmation_make_one_reversal(
    app, mode, rich_member, make_benefit, barber_staff
):
    member, voucher = _confirmed(rich_member, make_benefit, barber_staff)
    ids = (voucher.id, member.id, barber_staff.id)
    db.session.commit()  # reading the ids began a transaction: end it before the race

    def attempt(i):
        redemption_id, _member_id, staff_id = ids
        found = market.get_redemption(redemption_id)
        return market.undo_confirmation(found, staff=members.get_member(staff_id)).status

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 8}, outcomes  # the later ones find it undone already
    assert {value for _, value in outcomes} == {"held"}
    with app.app_context():
        assert _reversals() == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CounterUndo)) == 1
        b = ledger.balance_of(ledger.member_wallet(ids[1]))
        assert (b.balance, b.held, b.available) == (100, 30, 70)
        assert db.session.get(Redemption, ids[0]).benefit.stock_left == 4
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_undos_and_confirms_at_once_leave_the_voucher_one_way_or_the_other(
    app, mode, rich_member, make_benefit, barber_staff
):
    member, voucher = _confirmed(rich_member, make_benefit, barber_staff)
    ids = (voucher.id, voucher.code, member.id, barber_staff.id)
    db.session.commit()

    def attempt(i):
        redemption_id, code, _member_id, staff_id = ids
        staff = members.get_member(staff_id)
        if i % 2:
            return market.confirm(code, staff=staff).status
        return market.undo_confirmation(market.get_redemption(redemption_id), staff=staff).status

    outcomes = race(app, attempt, 8, mode)
    assert "crash" not in tally(outcomes), outcomes
    with app.app_context():
        found = db.session.get(Redemption, ids[0])
        b = ledger.balance_of(ledger.member_wallet(ids[2]))
        undos = db.session.scalar(sa.select(sa.func.count()).select_from(CounterUndo))
        assert _reversals() == undos >= 1  # it starts confirmed: an undo always succeeds
        assert found.benefit.stock_left == 4
        if found.status == "confirmed":
            assert (b.balance, b.held) == (70, 0)
        else:
            assert found.status == "held" and (b.balance, b.held) == (100, 30)
    _verify(app)


@pytest.mark.parametrize("mode", MODES)
def test_undo_and_the_expiry_sweep_at_once_end_with_the_points_back(
    app, mode, rich_member, make_benefit, barber_staff
):
    start = utcnow()
    member = rich_member(100)
    voucher = market.redeem(member, benefit_id=make_benefit(points=30, stock=5).id, now=start)
    db.session.commit()
    expiry = voucher.expires_at
    market.confirm(voucher.code, staff=barber_staff, now=expiry - timedelta(minutes=2))
    db.session.commit()
    ids = (voucher.id, member.id, barber_staff.id)
    db.session.commit()

    def attempt(i):
        redemption_id, _member_id, staff_id = ids
        if i % 2:
            return market.expire_due(now=expiry)
        found = market.get_redemption(redemption_id)
        staff = members.get_member(staff_id)
        return market.undo_confirmation(
            found, staff=staff, now=expiry - timedelta(minutes=1)
        ).status

    outcomes = race(app, attempt, 8, mode)
    assert "crash" not in tally(outcomes), outcomes
    with app.app_context():
        market.expire_due(now=expiry)  # the next sweep, whichever came first in the race
        db.session.commit()
        found = db.session.get(Redemption, ids[0])
        b = ledger.balance_of(ledger.member_wallet(ids[1]), now=expiry)
        assert found.status == "expired" and (b.balance, b.held) == (100, 0)
        assert found.benefit.stock_left == 5
        assert _reversals() == 1
    _verify(app)
