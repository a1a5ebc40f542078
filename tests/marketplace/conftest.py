"""Marketplace fixtures: a merchant with staff, benefits, and members with points."""

from __future__ import annotations

import pytest

from points.extensions import db
from points.ledger import services as ledger
from points.ledger.verify import verify_ledger
from points.marketplace import services as market
from points.members import services as members


@pytest.fixture(autouse=True)
def ledger_verifies_after_each_test(app):
    """Whatever a marketplace test did, `ledger verify` passes afterwards."""
    yield
    with app.app_context():
        report = verify_ledger()
        db.session.remove()
    assert report.ok, report.faults


@pytest.fixture
def shop(ctx, places):
    """A caring merchant in community A."""
    provider = market.ensure_provider(
        code="yunxi-barber",
        kind="merchant",
        name_zh="云溪老街理发店",
        name_en="Yunxi Barber",
        community=places[0].name,
    )
    db.session.commit()
    return provider


@pytest.fixture
def other_shop(ctx, places):
    provider = market.ensure_provider(
        code="binjiang-noodles",
        kind="merchant",
        name_zh="滨江面馆",
        name_en="Binjiang Noodles",
        community=places[1].name,
    )
    db.session.commit()
    return provider


@pytest.fixture
def make_benefit(shop):
    """make_benefit(points=10, stock=None, **kw) → a benefit of `shop`."""
    counter = iter(range(1, 1000))

    def make(points=10, stock=None, provider=None, **kw):
        kw.setdefault("title_zh", f"理发券{next(counter)}")
        benefit = market.ensure_benefit(
            provider=(provider or shop).code,
            category=kw.pop("category", "haircut"),
            title_en=kw.pop("title_en", "A haircut"),
            points=points,
            stock=stock,
            **kw,
        )
        db.session.commit()
        return benefit

    return make


@pytest.fixture
def rich_member(make_member):
    """rich_member(points=100, **kw) → a volunteer holding `points`."""

    def make(points=100, **kw):
        kw.setdefault("level", "volunteer")
        member = make_member(**kw)
        if points:
            ledger.transfer(
                kind="earn",
                source=ledger.system_account("issuance"),
                destination=ledger.member_wallet(member.id),
                amount=points,
            )
        db.session.commit()
        return member

    return make


@pytest.fixture
def barber_staff(make_member, shop):
    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=shop.id)
    db.session.commit()
    return staff


def available(member) -> int:
    return ledger.balance_of(ledger.member_wallet(member.id)).available
