"""`ledger verify` checks each domain's rows against the ledger: claims against their awards,
vouchers against their holds, bookings against their charges and refunds. A clean database
with activity from every domain passes; a row changed behind the app's back is named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from points import seeding
from points.activities import services as claims
from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Hold
from points.ledger.verify import verify_ledger
from points.marketplace import services as market
from points.marketplace.models import Redemption
from points.members import services as members
from points.members.models import Member
from points.spaces import services as spaces
from points.spaces.models import Booking

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


def _raw(sql: str, **params) -> None:
    db.session.execute(sa.text(sql), params)
    db.session.commit()


def _set_hold_expiry(hold_id: int, moment: datetime) -> None:
    # Core, not a service: the column type stores the time as each database does.
    db.session.execute(sa.update(Hold).where(Hold.id == hold_id).values(expires_at=moment))
    db.session.commit()


def _at(days: int, hhmm: str) -> datetime:
    day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=days)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=SHANGHAI)


@dataclass
class World:
    claims: dict
    vouchers: dict
    bookings: dict


@pytest.fixture
def world(ctx, places, make_member, social_worker) -> World:
    """Every state each domain's rows can be in, made through the services."""
    community = places[0].name
    ledger.system_account("issuance")
    seeding.load_activity_types()
    volunteer = make_member(level="volunteer", name="王阿姨")
    made = {}
    today = claims.local_today()
    for n, state in enumerate(("approved", "reversed", "rejected", "submitted"), start=1):
        claim = claims.submit_claim(
            volunteer,
            activity_type="elder-companionship",
            quantity=1,
            occurred_on=today - timedelta(days=n),
        )
        if state in ("approved", "reversed"):
            claims.approve_claim(claim, actor=social_worker)
        if state == "reversed":
            claims.reverse_claim(claim, actor=social_worker, reason="记错了日期")
        if state == "rejected":
            claims.reject_claim(claim, actor=social_worker, reason="没有回访记录")
        made[state] = claim.id
    db.session.commit()

    shop = market.ensure_provider(
        code="yunxi-barber",
        kind="merchant",
        name_zh="云溪老街理发店",
        name_en="Yunxi Barber",
        community=community,
    )
    haircut = market.ensure_benefit(
        provider=shop.code, category="haircut", title_zh="理发券", title_en="Haircut", points=10
    )
    market.ensure_provider(
        code="yunxi-community",
        kind="community",
        name_zh="云溪社区居委会",
        name_en="Yunxi community",
        community=community,
    )
    right = market.ensure_benefit(
        provider="yunxi-community",
        category="space_use",
        title_zh="活动室使用权 1 小时",
        title_en="1 hour in the activity room",
        points=30,
        min_level="host",
        space_minutes=60,
    )
    barber = make_member(name="张店长")
    members.grant_role(barber, "merchant_staff", merchant_id=shop.id)
    shopper = make_member(level="volunteer")
    host = make_member(level="host", name="主理人")
    for member in (shopper, host):
        ledger.transfer(
            kind="earn",
            source=ledger.system_account("issuance"),
            destination=ledger.member_wallet(member.id),
            amount=500,
        )
    db.session.commit()
    vouchers = {name: market.redeem(shopper, benefit_id=haircut.id) for name in ("held",)}
    vouchers["confirmed"] = market.redeem(shopper, benefit_id=haircut.id)
    market.confirm(vouchers["confirmed"].code, staff=barber)
    vouchers["cancelled"] = market.redeem(shopper, benefit_id=haircut.id)
    market.cancel(vouchers["cancelled"], member=shopper)
    vouchers["expired"] = market.redeem(
        shopper, benefit_id=haircut.id, now=utcnow() - timedelta(days=8)
    )
    vouchers["space_right"] = market.redeem(host, benefit_id=right.id)
    market.confirm(vouchers["space_right"].code, staff=social_worker)
    db.session.commit()
    market.expire_due()
    db.session.commit()

    room = spaces.ensure_space(
        code="yunxi-activity-room",
        community=community,
        name_zh="活动室",
        name_en="Activity room",
        capacity=30,
        opening_hours=EVERY_DAY,
        price_low_fee=20,
    )
    hall = spaces.ensure_space(
        code="yunxi-hall",
        community=community,
        name_zh="多功能厅",
        name_en="Hall",
        capacity=100,
        opening_hours=EVERY_DAY,
        needs_approval=True,
        price_low_fee=40,
    )
    db.session.commit()

    def book(space, days, start, end):
        return spaces.book(
            host,
            space_id=space.id,
            start=_at(days, start),
            end=_at(days, end),
            tier="low_fee",
            title="青年夜校",
        )

    bookings = {"minutes": book(room, 2, "09:00", "10:00")}  # paid by the space-use right
    bookings["confirmed"] = book(room, 2, "19:00", "20:00")
    bookings["cancelled"] = book(room, 3, "19:00", "20:00")
    spaces.cancel(bookings["cancelled"], host=host)
    bookings["changed"] = book(room, 4, "19:00", "20:00")
    spaces.change(bookings["changed"], host=host, start=_at(4, "18:00"), end=_at(4, "20:00"))
    bookings["pending"] = book(hall, 2, "14:00", "15:00")
    bookings["approved"] = book(hall, 3, "14:00", "15:00")
    spaces.approve(bookings["approved"], actor=social_worker)
    bookings["rejected"] = book(hall, 4, "14:00", "15:00")
    spaces.reject(bookings["rejected"], actor=social_worker, reason="当天有街道活动")
    db.session.commit()
    return World(
        claims=made,
        vouchers={name: v.id for name, v in vouchers.items()},
        bookings={name: b.id for name, b in bookings.items()},
    )


def _faults() -> list[str]:
    db.session.expire_all()
    return verify_ledger().faults


def _hold_of(table: str, row_id: int, column: str = "hold_id") -> int:
    return db.session.scalar(
        sa.text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}
    )


def test_a_clean_database_with_activity_from_every_domain_passes(world):
    report = verify_ledger()
    assert report.faults == []
    assert report.domains == {"claims": 4, "vouchers": 5, "bookings": 7, "fund entries": 0}
    booking = db.session.get(Booking, world.bookings["changed"])
    assert booking.revision == 1  # the refund of revision 0 was checked too
    minutes = db.session.get(Booking, world.bookings["minutes"])
    assert (minutes.cost_minutes, minutes.cost_points) == (60, 0)


def test_a_voucher_whose_hold_the_ledger_expired_before_the_voucher_sweep_passes(world):
    held = db.session.get(Redemption, world.vouchers["held"])
    shopper = db.session.get(Member, held.member_id)
    late = market.redeem(shopper, benefit_id=held.benefit_id, now=utcnow() - timedelta(days=8))
    db.session.commit()
    assert ledger.expire_holds() == [late.hold_id]  # the ledger first, the voucher still held
    db.session.commit()
    assert late.status == "held"
    assert verify_ledger().faults == []


# ---------------------------------------------------------------------------- claims


def test_an_approved_claim_made_rejected_still_has_its_award(world):
    claim = world.claims["approved"]
    _raw("UPDATE claims SET status = 'rejected', transfer_id = NULL WHERE id = :id", id=claim)
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"claim {claim}: rejected but transfer ")
    assert faults[0].endswith("awarded it")


def test_a_claim_made_approved_without_an_award_is_named(world):
    claim = world.claims["submitted"]
    _raw(
        "UPDATE claims SET status = 'approved', points = 8, transfer_id = (SELECT max(id) "
        "FROM transfers WHERE kind = 'earn' AND idempotency_key IS NULL) WHERE id = :id",
        id=claim,
    )
    assert _faults() == [f"claim {claim}: approved but has no earn transfer (key claim:{claim})"]


def test_a_claim_whose_points_were_raised_is_named(world):
    claim = world.claims["approved"]
    _raw("UPDATE claims SET points = points + 100 WHERE id = :id", id=claim)
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"claim {claim}: approved for 108 points to member ")
    assert "but its award is transfer" in faults[0]


def test_a_reversed_claim_made_approved_again_is_named(world):
    claim = world.claims["reversed"]
    _raw("UPDATE claims SET status = 'approved', reversal_id = NULL WHERE id = :id", id=claim)
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"claim {claim}: approved but its award was reversed by ")


def test_an_award_whose_claim_was_deleted_is_named(world):
    claim = world.claims["approved"]
    _raw("DELETE FROM claims WHERE id = :id", id=claim)
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].endswith(f"awards claim {claim}, which does not exist")


# ---------------------------------------------------------------------------- vouchers


def test_a_confirmed_voucher_made_usable_again_is_named(world):
    voucher = world.vouchers["confirmed"]
    _raw(
        "UPDATE redemptions SET status = 'held', confirmed_at = NULL, confirmed_by = NULL, "
        "transfer_id = NULL WHERE id = :id",
        id=voucher,
    )
    hold = _hold_of("redemptions", voucher)
    assert _faults() == [f"voucher {voucher}: held but its hold {hold} is posted"]


def test_a_held_voucher_marked_cancelled_without_its_hold_voided_is_named(world):
    voucher = world.vouchers["held"]
    _raw(
        "UPDATE redemptions SET status = 'cancelled', ended_at = created_at WHERE id = :id",
        id=voucher,
    )
    hold = _hold_of("redemptions", voucher)
    assert _faults() == [f"voucher {voucher}: cancelled but its hold {hold} is pending"]


def test_a_hold_whose_expiry_was_moved_is_named_by_its_voucher(world):
    voucher = world.vouchers["held"]
    hold = _hold_of("redemptions", voucher)
    _set_hold_expiry(hold, utcnow() + timedelta(days=365))
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"voucher {voucher}: expires at ")
    assert f"but its hold {hold} at " in faults[0]


def test_a_voucher_whose_price_was_changed_is_named(world):
    voucher = world.vouchers["held"]
    _raw("UPDATE redemptions SET points = 1 WHERE id = :id", id=voucher)
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"voucher {voucher}: 1 points from member:")
    assert "but its hold" in faults[0] and "is 10 points" in faults[0]


def test_a_space_use_right_unconfirmed_behind_the_app_still_has_its_grant(world):
    voucher = world.vouchers["space_right"]
    _raw(
        "UPDATE redemptions SET status = 'cancelled', confirmed_at = NULL, transfer_id = NULL "
        "WHERE id = :id",
        id=voucher,
    )
    faults = _faults()
    assert faults[0] == (
        f"voucher {voucher}: cancelled but its hold {_hold_of('redemptions', voucher)} is posted"
    )
    assert faults[1].startswith(f"voucher {voucher}: cancelled space_use voucher, but transfer ")


# ---------------------------------------------------------------------------- bookings


def test_a_booking_whose_cost_was_changed_is_named(world):
    booking = world.bookings["confirmed"]
    _raw("UPDATE bookings SET cost_points = 5 WHERE id = :id", id=booking)
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"booking {booking}: costs 5 points, but its charge is transfer ")


def test_a_refund_that_was_raised_is_named(world):
    booking = world.bookings["cancelled"]
    _raw("UPDATE bookings SET refunded_points = 19 WHERE id = :id", id=booking)
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"booking {booking}: cancelled, 19 points refunded, but transfer ")


def test_a_cancelled_booking_made_confirmed_again_still_has_its_refund(world):
    booking = world.bookings["cancelled"]
    _raw(
        "UPDATE bookings SET status = 'confirmed', ended_at = NULL, refunded_points = 0 "
        "WHERE id = :id",
        id=booking,
    )
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"booking {booking}: confirmed but records 0 points refunded (")


def test_a_pending_booking_marked_cancelled_with_its_hold_still_pending_is_named(world):
    booking = world.bookings["pending"]
    _raw(
        "UPDATE bookings SET status = 'cancelled', ended_at = created_at WHERE id = :id", id=booking
    )
    hold = _hold_of("bookings", booking, "points_hold_id")
    assert _faults() == [f"booking {booking}: cancelled but its hold {hold} is pending"]


def test_a_booking_hold_whose_expiry_was_moved_is_named(world):
    booking = world.bookings["pending"]
    hold = _hold_of("bookings", booking, "points_hold_id")
    _set_hold_expiry(hold, utcnow() + timedelta(days=365))
    faults = _faults()
    assert len(faults) == 1
    assert faults[0].startswith(f"booking {booking}: starts at ")
    assert f"but its points hold {hold} expires at " in faults[0]


def test_a_changed_booking_moved_to_another_revision_is_named(world):
    booking = world.bookings["changed"]
    _raw("UPDATE bookings SET revision = 2 WHERE id = :id", id=booking)
    faults = _faults()
    assert faults[0].startswith(f"booking {booking}: revision 1 was charged by transfer ")
    assert faults[0].endswith("but not refunded in full when it changed")
    assert all(fault.startswith(f"booking {booking}: ") for fault in faults)


def test_the_verify_command_names_the_row(app, world):
    claim = world.claims["approved"]
    _raw("UPDATE claims SET points = 1 WHERE id = :id", id=claim)
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert ", 4 claims, 5 vouchers, 7 bookings, 0 fund entries: 1 fault(s)" in result.output
    assert f"FAULT: claim {claim}: approved for 1 points" in result.output
