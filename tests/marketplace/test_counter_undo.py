"""The counter's preview and undo (撤销): a code is looked at before it is used; a
confirmation is undone within COUNTER_UNDO_MINUTES by a reversal in the ledger, the voucher
held and usable again, the undo recorded and the member told; `ledger verify` accepts the
undone voucher and still catches a broken one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.errors import Conflict, Forbidden, NotFound
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Hold, Transfer
from points.ledger.verify import verify_ledger
from points.marketplace import services as market
from points.marketplace.models import CounterUndo, Redemption
from points.members import services as members
from points.notifications.models import Notification
from tests.marketplace.conftest import available


def _stock(benefit) -> int | None:
    db.session.expire_all()
    return market.get_benefit(benefit.id).stock_left


def _shop_balance(shop) -> int:
    return ledger.balance_of(ledger.system_account(f"redeemed:{shop.code}")).balance


@pytest.fixture
def used(rich_member, make_benefit, barber_staff):
    """A 30-point voucher (stock 5 → 4) confirmed at the barber's a moment ago."""
    member, benefit = rich_member(100), make_benefit(points=30, stock=5)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    market.confirm(voucher.code, staff=barber_staff)
    db.session.commit()
    return member, benefit, voucher


def test_the_preview_names_the_voucher_and_changes_nothing(rich_member, make_benefit, barber_staff):
    member, benefit = rich_member(100), make_benefit(points=30, stock=5)
    voucher = market.redeem(member, benefit_id=benefit.id, quantity=2)
    db.session.commit()
    seen = market.preview(voucher.display_code.lower(), staff=barber_staff)
    db.session.commit()
    assert seen.id == voucher.id and seen.quantity == 2 and seen.points == 60
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "held"
    assert available(member) == 40
    market.confirm(voucher.code, staff=barber_staff)
    db.session.commit()
    with pytest.raises(Conflict, match="confirmed at"):
        market.preview(voucher.code, staff=barber_staff)


def test_the_preview_refuses_what_confirming_would(rich_member, make_benefit, barber_staff):
    voucher = market.redeem(rich_member(100), benefit_id=make_benefit(points=30).id)
    db.session.commit()
    with pytest.raises(NotFound):
        market.preview("ABCDEFGHJ", staff=barber_staff)
    with pytest.raises(Conflict, match="expired"):
        market.preview(voucher.code, staff=barber_staff, now=voucher.expires_at)


def test_undo_gives_the_points_back_held_for_the_voucher_which_works_again(
    used, barber_staff, shop
):
    member, benefit, voucher = used
    assert (available(member), _shop_balance(shop), _stock(benefit)) == (70, 30, 4)
    confirmation = voucher.transfer_id
    market.undo_confirmation(voucher, staff=barber_staff)
    db.session.commit()

    db.session.expire_all()
    again = db.session.get(Redemption, voucher.id)
    assert again.status == "held" and again.confirmed_at is None and again.transfer_id is None
    b = ledger.balance_of(ledger.member_wallet(member.id))
    assert (b.balance, b.held, b.available) == (100, 30, 70)
    assert _shop_balance(shop) == 0
    assert _stock(benefit) == 4  # the stock never came back, so it is not taken again
    hold = db.session.get(Hold, again.hold_id)
    assert hold.status == "pending" and hold.expires_at == again.expires_at
    reversal = db.session.scalar(sa.select(Transfer).filter_by(reverses_id=confirmation))
    assert reversal.kind == "reverse" and reversal.actor_id == barber_staff.id
    (undo,) = market.undos_of(again)
    assert (undo.undone_by, undo.confirmed_by, undo.reversal_id) == (
        barber_staff.id,
        barber_staff.id,
        reversal.id,
    )
    told = db.session.scalars(
        sa.select(Notification.kind).filter_by(member_id=member.id).order_by(Notification.id)
    ).all()
    assert told[-1] == "voucher.undone"

    # Usable again: confirmed once more, then undone once more.
    market.confirm(again.code, staff=barber_staff)
    db.session.commit()
    assert (available(member), _shop_balance(shop)) == (70, 30)
    market.undo_confirmation(again, staff=barber_staff)
    db.session.commit()
    assert len(market.undos_of(again)) == 2
    assert verify_ledger().ok


def test_undoing_twice_changes_nothing_the_second_time(used, barber_staff):
    member, _benefit, voucher = used
    market.undo_confirmation(voucher, staff=barber_staff)
    db.session.commit()
    transfers = db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))
    market.undo_confirmation(voucher, staff=barber_staff)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == transfers
    assert len(market.undos_of(voucher)) == 1 and available(member) == 70


def test_undo_is_refused_after_the_window(app, used, barber_staff):
    member, _benefit, voucher = used
    minutes = app.config["COUNTER_UNDO_MINUTES"]
    late = voucher.confirmed_at + timedelta(minutes=minutes, seconds=1)
    with pytest.raises(Conflict) as refused:
        market.undo_confirmation(voucher, staff=barber_staff, now=late)
    assert refused.value.key == "marketplace.undo_too_late"
    assert refused.value.message.params["minutes"] == minutes
    db.session.rollback()
    assert db.session.get(Redemption, voucher.id).status == "confirmed"
    assert available(member) == 70 and not market.undos_of(voucher)
    # Just inside the window it is still allowed.
    in_time = voucher.confirmed_at + timedelta(minutes=minutes)
    assert market.undo_confirmation(voucher, staff=barber_staff, now=in_time).status == "held"
    db.session.commit()


def test_the_window_is_the_configured_one(app, used, barber_staff):
    _member, _benefit, voucher = used
    app.config["COUNTER_UNDO_MINUTES"] = 1
    try:
        with pytest.raises(Conflict):
            market.undo_confirmation(
                voucher, staff=barber_staff, now=voucher.confirmed_at + timedelta(seconds=61)
            )
    finally:
        app.config["COUNTER_UNDO_MINUTES"] = 5
        db.session.rollback()


def test_only_staff_of_the_same_merchant_may_undo(used, make_member, other_shop):
    _member, _benefit, voucher = used
    elsewhere = make_member(name="别家店员")
    members.grant_role(elsewhere, "merchant_staff", merchant_id=other_shop.id)
    nobody = make_member(name="路人")
    db.session.commit()
    with pytest.raises(NotFound):
        market.undo_confirmation(voucher, staff=elsewhere)
    with pytest.raises(Forbidden):
        market.undo_confirmation(voucher, staff=nobody)
    db.session.rollback()
    assert db.session.get(Redemption, voucher.id).status == "confirmed"


def test_a_voucher_never_confirmed_has_nothing_to_undo(rich_member, make_benefit, barber_staff):
    voucher = market.redeem(rich_member(100), benefit_id=make_benefit(points=30).id)
    db.session.commit()
    with pytest.raises(Conflict, match="not confirmed"):
        market.undo_confirmation(voucher, staff=barber_staff)
    db.session.rollback()


def test_a_voucher_that_expired_since_keeps_its_confirmation(
    rich_member, make_benefit, barber_staff
):
    member = rich_member(100)
    voucher = market.redeem(member, benefit_id=make_benefit(points=30).id)
    db.session.commit()
    market.confirm(voucher.code, staff=barber_staff, now=voucher.expires_at - timedelta(minutes=1))
    db.session.commit()
    with pytest.raises(Conflict, match="expired"):
        market.undo_confirmation(voucher, staff=barber_staff, now=voucher.expires_at)
    db.session.rollback()
    assert available(member) == 70


def test_an_undone_voucher_expires_like_any_other(used, barber_staff):
    member, benefit, voucher = used
    market.undo_confirmation(voucher, staff=barber_staff)
    db.session.commit()
    assert market.expire_due(now=voucher.expires_at) == 1
    db.session.commit()
    b = ledger.balance_of(ledger.member_wallet(member.id))
    assert (b.balance, b.held) == (100, 0)
    assert _stock(benefit) == 5


# ---------------------------------------------------------------------------- ledger verify


def _faults() -> list[str]:
    db.session.expire_all()
    report = verify_ledger()
    return report.faults


def test_verify_accepts_an_undone_voucher_and_catches_a_broken_one(used, barber_staff):
    _member, _benefit, voucher = used
    old_hold = voucher.hold_id
    market.undo_confirmation(voucher, staff=barber_staff)
    db.session.commit()
    assert _faults() == []
    (undo,) = market.undos_of(voucher)
    new_hold, reversal = voucher.hold_id, undo.reversal_id

    # The voucher pointed back at the hold its confirmation posted.
    db.session.execute(sa.update(Redemption).filter_by(id=voucher.id).values(hold_id=old_hold))
    db.session.execute(sa.update(CounterUndo).filter_by(id=undo.id).values(hold_id=new_hold))
    assert any(f"voucher {voucher.id}" in f for f in _faults())
    db.session.execute(sa.update(Redemption).filter_by(id=voucher.id).values(hold_id=new_hold))
    assert _faults() == []

    # The undo naming a transfer that is not the confirmation's reversal.
    other = db.session.scalar(sa.select(Transfer.id).where(Transfer.id != reversal).limit(1))
    db.session.execute(sa.update(CounterUndo).filter_by(id=undo.id).values(reversal_id=other))
    assert any("is not reversed by" in f for f in _faults())
    db.session.execute(sa.update(CounterUndo).filter_by(id=undo.id).values(reversal_id=reversal))
    db.session.commit()
    assert _faults() == []
