"""A voucher's holder hears when it is used at the counter (核销), two days before it
expires (once, however often the sweep runs) and when it has expired."""

from __future__ import annotations

from datetime import timedelta

from points import housekeeping
from points.database import utcnow
from points.extensions import db
from points.marketplace import messages as M
from points.marketplace import services as market
from points.notifications import services as notifications
from tests.notifications.told import count, link, params, the_one, told


def test_a_confirmed_voucher_tells_its_holder_and_leads_to_the_voucher(
    app, rich_member, make_benefit, barber_staff
):
    member, benefit = rich_member(100), make_benefit(points=30)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    assert told(member) == []  # redeeming is the member's own act: nothing to tell
    market.confirm(voucher.code, staff=barber_staff)
    db.session.commit()
    told_now = the_one(member, M.VOUCHER_CONFIRMED)
    said = params(told_now)
    assert (said["voucher"], said["points"], said["quantity"]) == (voucher.id, 30, 1)
    assert said["merchant"] == {"zh": "云溪老街理发店", "en": "Yunxi Barber"}
    assert link(app, told_now) == f"/me/vouchers/{voucher.id}"


def test_a_rolled_back_confirmation_tells_nobody(rich_member, make_benefit, barber_staff):
    member, benefit = rich_member(100), make_benefit(points=30)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    market.confirm(voucher.code, staff=barber_staff)
    db.session.rollback()
    assert count() == 0
    assert voucher.status == "held"


def test_an_unused_voucher_is_reminded_once_two_days_before_it_expires(
    app, rich_member, make_benefit, barber_staff
):
    member, benefit = rich_member(100), make_benefit(points=10)  # valid for 7 days
    now = utcnow()
    voucher = market.redeem(member, benefit_id=benefit.id, now=now)
    db.session.commit()
    assert housekeeping.sweep(now=now + timedelta(days=4))["vouchers_reminded"] == 0
    later = now + timedelta(days=5, minutes=1)
    assert housekeeping.sweep(now=later)["vouchers_reminded"] == 1
    db.session.commit()
    assert housekeeping.sweep(now=later + timedelta(minutes=1))["vouchers_reminded"] == 0
    db.session.commit()
    reminder = the_one(member, M.VOUCHER_EXPIRING)
    assert params(reminder)["expires"] == voucher.expires_at
    assert link(app, reminder) == f"/me/vouchers/{voucher.id}"
    assert reminder.deliveries[0].channel == "sms"  # a deadline: SMS by default
    # Home leads with it until the voucher is used.
    assert notifications.needs_answer(member, now=later) == [reminder]
    market.confirm(voucher.code, staff=barber_staff, now=later)
    db.session.commit()
    assert notifications.needs_answer(member, now=later) == []


def test_a_voucher_valid_for_two_days_or_less_is_not_reminded(rich_member, make_benefit):
    member, benefit = rich_member(100), make_benefit(points=10, valid_days=2)
    now = utcnow()
    market.redeem(member, benefit_id=benefit.id, now=now)
    db.session.commit()
    assert market.remind_expiring(now=now + timedelta(minutes=1)) == 0


def test_an_expired_voucher_tells_the_points_came_back_and_leads_to_the_benefit(
    app, rich_member, make_benefit
):
    member, benefit = rich_member(100), make_benefit(points=10)
    now = utcnow()
    voucher = market.redeem(member, benefit_id=benefit.id, now=now)
    db.session.commit()
    housekeeping.sweep(now=now + timedelta(days=6))  # the reminder
    done = housekeeping.sweep(now=now + timedelta(days=8))
    db.session.commit()
    assert done["vouchers_expired"] == 1
    expired = the_one(member, M.VOUCHER_EXPIRED)
    assert (params(expired)["points"], params(expired)["voucher"]) == (10, voucher.id)
    assert link(app, expired) == f"/benefits/{benefit.id}"
    assert [n.kind for n in told(member)] == [M.VOUCHER_EXPIRING.key, M.VOUCHER_EXPIRED.key]
    assert the_one(member, M.VOUCHER_EXPIRING).settled_at is not None


def test_a_rolled_back_expiry_tells_nobody(rich_member, make_benefit):
    member, benefit = rich_member(100), make_benefit(points=10, valid_days=1)
    now = utcnow()
    market.redeem(member, benefit_id=benefit.id, now=now)
    db.session.commit()
    assert market.expire_due(now=now + timedelta(days=2)) == 1
    db.session.rollback()
    assert count() == 0
