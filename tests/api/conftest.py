"""A small world for contract tests: one community with a volunteer (with points), a social
worker, a host, a merchant with two benefits, a space, claims, a voucher, a booking and an
activity — built in the app's own context, so requests run as under a real server."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from points.activities import events
from points.activities import services as claims
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import services as members
from points.spaces import services as spaces
from tests.conftest import FAST_HASH, load_catalogue

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


def _member(phone, name, community, *, level="resident", role=None, password_hash):
    member = members.register_member(
        phone=phone,
        password=None,
        password_hash=password_hash,
        name=name,
        community_id=community.id,
    )
    if role:
        members.grant_role(member, role)
    if level != "resident":
        members.import_level(member, level, reason="test", actor_id=None)
    return member


def _earn(member, amount, asset="points"):
    ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance", asset),
        destination=ledger.member_wallet(member.id, asset),
        amount=amount,
    )


def bearer(app, phone: str) -> dict[str, str]:
    """A new bearer token of the member with `phone`, as request headers."""
    with app.app_context():
        raw, _ = members.issue_token(members.find_by_phone(phone))
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


VOLUNTEER, SOCIAL_WORKER = "13900000004", "13900000001"


@pytest.fixture
def world(app, backend, db_url, tmp_path_factory) -> dict[str, dict[str, str]]:
    """The small world; returns bearer headers by role: {"volunteer": {...}, "social_worker"}."""
    with app.app_context():
        yunxi = members.ensure_place("胜浦街道", "云溪社区", ["云溪一网格"])
        ledger.system_account("issuance")
        db.session.commit()
        load_catalogue(backend, db_url, tmp_path_factory)
        hashed = FAST_HASH
        worker = _member(SOCIAL_WORKER, "李社工", yunxi, role="social_worker", password_hash=hashed)
        volunteer = _member(VOLUNTEER, "王阿姨", yunxi, level="volunteer", password_hash=hashed)
        host = _member("13900000003", "陈主理", yunxi, level="host", password_hash=hashed)
        _earn(volunteer, 500)
        _earn(host, 500)
        _earn(host, 600, "space_minutes")

        shop = market.ensure_provider(
            code="yunxi-barber",
            kind="merchant",
            name_zh="云溪老街理发店",
            name_en="Yunxi Barber",
            community=yunxi.name,
        )
        for n, points in ((1, 10), (2, 30)):
            market.ensure_benefit(
                provider=shop.code,
                category="haircut",
                title_zh=f"理发券{n}",
                title_en="A haircut",
                points=points,
                stock=20,
            )
        room = spaces.ensure_space(
            code="yunxi-activity-room",
            community=yunxi.name,
            name_zh="活动室",
            name_en="Activity room",
            capacity=30,
            opening_hours=EVERY_DAY,
            price_low_fee=20,
            price_market=60,
        )
        db.session.flush()

        today = claims.local_today()
        submitted = claims.submit_claim(
            volunteer,
            activity_type="elder-companionship",
            occurred_on=today - timedelta(days=1),
            quantity=1,
        )
        paid = claims.submit_claim(
            volunteer,
            activity_type="patrol-home-visit",
            occurred_on=today - timedelta(days=2),
            quantity=2,
        )
        claims.approve_claim(paid, actor=worker)
        assert submitted.status == "submitted"
        benefit = market.benefits(provider_id=shop.id)[0]
        market.redeem(volunteer, benefit_id=benefit.id)

        start = datetime.combine(today + timedelta(days=2), time(10), tzinfo=SHANGHAI)
        booking = spaces.book(
            host,
            space_id=room.id,
            start=start,
            end=start + timedelta(hours=1),
            tier="free",
            title="亲子绘本共读",
        )
        events.create_activity(
            worker,
            activity_type="elder-companionship",
            title="陪老人下棋",
            place="云溪社区活动室",
            starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=2),
            capacity=10,
        )
        # A programme whose one session is held in the host's booking (activity 2).
        from points.programmes import services as programmes

        reading = programmes.create_programme(host, name="亲子绘本共读", tier="free", capacity=12)
        programmes.schedule_session(reading, booking_id=booking.id, actor=host)
        _ticket(volunteer)
        db.session.commit()
    return {"volunteer": bearer(app, VOLUNTEER), "social_worker": bearer(app, SOCIAL_WORKER)}


def _ticket(reporter) -> None:
    """A 随手拍 report of the volunteer's, with a photo, that the social worker may triage,
    and a unit to dispatch it to."""
    from points.tickets import services as tickets
    from tests.activities.photos import jpeg

    tickets.ensure_category(code="hazard-general", kind="report", name_zh="一般问题",
                            name_en="General problem")
    tickets.ensure_unit(code="city-management", kind="department", name_zh="城管中队",
                        name_en="City management")
    grid = members.communities()[0].grids[0]
    photo = claims.save_evidence(reporter, jpeg())
    tickets.report(reporter, category="hazard-general", description="楼道里堆满了纸箱",
                   photos=[photo.token], grid=grid.id)
