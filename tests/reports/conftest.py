"""Reports fixtures: a small history in November 2026 (and October before it), built with
the domains' own services at fixed moments, so each figure can be worked out by hand.

Community A (云溪): social worker 李社工, volunteers v1 and v2, resident r1; community B
(滨江): volunteer b1 and the street admin. The catalogue's elder-companionship pays 8 points
an hour, patrol-home-visit 3 points a visit. One benefit of 10 points, stock 5, at a barber
in A.

  Oct 20  v1 approved 1 h elder care                       +8   (October)
  Nov 3   v2 becomes a volunteer (registered Oct 1, like everyone but r1)
  Nov 10  v1 approved 2 h elder care                       +16
          v1 approved 2 patrol visits                      +6
          v2 approved 1 h elder care                       +8
          b1 approved 2 h elder care (community B)         +16
  Nov 12  v1 redeems the haircut; the barber confirms      −10
  Nov 13  v1 redeems another and cancels it (points back)
  Nov 15  r1 registers
  Nov 20  v2's claim reversed                              −8
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from points.activities import services as claims
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import services as members
from points.members.models import LevelChange
from tests.conftest import load_catalogue


def at(month: int, day: int, hour: int = 4) -> datetime:
    """An instant in 2026 (04:00 UTC is noon in Shanghai)."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def history(ctx, make_member, places, backend, db_url, tmp_path_factory):
    a, b = places
    ledger.system_account("issuance")
    db.session.commit()
    load_catalogue(backend, db_url, tmp_path_factory)
    sw = make_member("13900000001", role="social_worker", name="李社工")
    admin = make_member("13900000006", community=b, role="admin", name="街道管理员")
    v1 = make_member("13900000004", level="volunteer", name="王阿姨")
    v2 = make_member(level="volunteer", name="赵师傅")
    r1 = make_member(name="钱大爷")
    b1 = make_member(community=b, level="volunteer", name="孙阿姨")
    everyone = (sw, admin, v1, v2, r1, b1)
    for member in everyone:
        member.created_at = at(10, 1)
    r1.created_at = at(11, 15)
    for change in db.session.scalars(sa.select(LevelChange)):
        change.created_at = at(11, 3) if change.member_id == v2.id else at(10, 1)
    db.session.commit()

    def award(member, type_code, quantity, occurred, decided, actor):
        claim = claims.submit_claim(member, activity_type=type_code, quantity=quantity,
                                    occurred_on=occurred, now=decided)
        claims.approve_claim(claim, actor=actor, now=decided)
        db.session.commit()
        return claim

    award(v1, "elder-companionship", 1, date(2026, 10, 15), at(10, 20), sw)
    award(v1, "elder-companionship", 2, date(2026, 11, 5), at(11, 10), sw)
    award(v1, "patrol-home-visit", 2, date(2026, 11, 8), at(11, 10), sw)
    second = award(v2, "elder-companionship", 1, date(2026, 11, 6), at(11, 10), sw)
    award(b1, "elder-companionship", 2, date(2026, 11, 7), at(11, 10), admin)

    shop = market.ensure_provider(code="yunxi-barber", kind="merchant", name_zh="云溪老街理发店",
                                  name_en="Yunxi Barber", community=a.name)
    db.session.flush()
    benefit = market.ensure_benefit(provider=shop.code, category="haircut", title_zh="理发券",
                                    title_en="A haircut", points=10, stock=5)
    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=shop.id)
    staff.created_at = at(10, 1)
    db.session.commit()
    voucher = market.redeem(v1, benefit_id=benefit.id, now=at(11, 12))
    db.session.commit()
    market.confirm(voucher.code, staff=staff, now=at(11, 12, 5))
    db.session.commit()
    other = market.redeem(v1, benefit_id=benefit.id, now=at(11, 13))
    db.session.commit()
    market.cancel(other, member=v1, now=at(11, 13, 5))
    db.session.commit()
    claims.reverse_claim(second, actor=sw, reason="重复申报", now=at(11, 20))
    db.session.commit()
    return SimpleNamespace(a=a, b=b, sw=sw, admin=admin, v1=v1, v2=v2, r1=r1, b1=b1,
                           staff=staff, shop=shop, benefit=benefit)
