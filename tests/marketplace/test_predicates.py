"""How many of a benefit a member may still redeem: what its page offers to choose."""

from __future__ import annotations

from points.extensions import db
from points.marketplace import services as market


def test_what_is_left_of_the_stock_and_the_per_member_limit_caps_the_choice(
    make_benefit, rich_member
):
    member = rich_member(500)
    benefit = make_benefit(points=10, stock=5, per_member_limit=3, limit_period="month")
    assert market.most_redeemable(member, benefit) == 3
    market.redeem(member, benefit_id=benefit.id, quantity=2)
    db.session.commit()
    assert market.most_redeemable(member, benefit) == 1
    other = rich_member(500)
    assert market.most_redeemable(other, benefit) == 3  # stock 3 left, their own limit 3
    market.redeem(other, benefit_id=benefit.id, quantity=3)
    db.session.commit()
    assert market.most_redeemable(rich_member(500), benefit) == 0  # sold out


def test_a_cancelled_voucher_gives_its_share_of_the_limit_back(make_benefit, rich_member):
    member = rich_member(500)
    benefit = make_benefit(points=10, per_member_limit=2, limit_period="ever")
    voucher = market.redeem(member, benefit_id=benefit.id, quantity=2)
    db.session.commit()
    assert market.most_redeemable(member, benefit) == 0
    market.cancel(voucher, member=member)
    db.session.commit()
    assert market.most_redeemable(member, benefit) == 2


def test_without_stock_or_limit_the_most_is_one_request_s_maximum(make_benefit, rich_member):
    assert market.most_redeemable(rich_member(), make_benefit()) == market.MAX_QUANTITY
