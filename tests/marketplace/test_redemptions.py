"""Redeem → hold; confirm → post; cancel and expiry → points and stock back."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.errors import (
    Conflict,
    Forbidden,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
)
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.marketplace import services as market
from points.marketplace.models import Redemption
from points.members import services as members
from tests.marketplace.conftest import available


def _stock(benefit) -> int | None:
    db.session.expire_all()
    return market.get_benefit(benefit.id).stock_left


def test_redeeming_holds_the_points_and_takes_stock(rich_member, make_benefit, shop):
    member, benefit = rich_member(100), make_benefit(points=30, stock=5)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    b = ledger.balance_of(ledger.member_wallet(member.id))
    assert (b.balance, b.held, b.available) == (100, 30, 70)
    assert voucher.status == "held" and voucher.points == 30
    assert len(voucher.code) == 9 and set(voucher.code) <= set(market.CODE_ALPHABET)
    assert voucher.display_code.count("-") == 2
    assert _stock(benefit) == 4
    assert voucher.expires_at - voucher.created_at == timedelta(days=7)


def test_a_code_already_taken_is_drawn_again(rich_member, make_benefit, monkeypatch):
    member, benefit = rich_member(100), make_benefit(points=10)
    first = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    draws = iter([first.code, first.code, "ZZZ222ZZZ"])
    monkeypatch.setattr(market, "_new_code", lambda: next(draws))
    second = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    db.session.expire_all()
    assert second.code == "ZZZ222ZZZ"
    rows = db.session.execute(
        sa.select(Redemption.code, Redemption.status).order_by(Redemption.id)
    ).all()
    assert rows == [(first.code, "held"), ("ZZZ222ZZZ", "held")]
    assert ledger.balance_of(ledger.member_wallet(member.id)).held == 20


def test_confirming_posts_the_hold_to_the_merchant(rich_member, make_benefit, barber_staff, shop):
    member, benefit = rich_member(100), make_benefit(points=30, stock=5)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    done = market.confirm(voucher.code.lower()[:4] + " " + voucher.code[4:], staff=barber_staff)
    db.session.commit()
    assert done.status == "confirmed" and done.confirmed_by == barber_staff.id
    posted = db.session.get(Transfer, done.transfer_id)
    shop_account = ledger.system_account(f"redeemed:{shop.code}")
    assert sorted((p.account_id, p.amount) for p in posted.postings) == sorted(
        [(ledger.member_wallet(member.id).id, -30), (shop_account.id, 30)]
    )
    b = ledger.balance_of(ledger.member_wallet(member.id))
    assert (b.balance, b.held, b.available) == (70, 0, 70)
    assert verify_ledger().ok


def test_a_second_confirm_says_when_and_by_whom(rich_member, make_benefit, barber_staff):
    voucher = market.redeem(rich_member(100), benefit_id=make_benefit().id)
    market.confirm(voucher.code, staff=barber_staff)
    db.session.commit()
    with pytest.raises(Conflict, match="already confirmed at .* by 张店长"):
        market.confirm(voucher.code, staff=barber_staff)


def test_another_merchants_code_is_not_found(rich_member, make_benefit, make_member, other_shop):
    voucher = market.redeem(rich_member(100), benefit_id=make_benefit().id)
    db.session.commit()
    noodle_staff = make_member()
    members.grant_role(noodle_staff, "merchant_staff", merchant_id=other_shop.id)
    with pytest.raises(NotFound):
        market.confirm(voucher.code, staff=noodle_staff)
    with pytest.raises(Forbidden):
        market.confirm(voucher.code, staff=rich_member(0))
    with pytest.raises(InvalidInput) as error:
        market.confirm("ABC", staff=noodle_staff)
    assert "code" in error.value.errors


def test_cancelling_returns_points_and_stock(rich_member, make_benefit):
    member, benefit = rich_member(100), make_benefit(points=40, stock=2)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    market.cancel(voucher, member=member)
    db.session.commit()
    assert voucher.status == "cancelled"
    assert available(member) == 100 and _stock(benefit) == 2
    with pytest.raises(NotFound):
        market.cancel(voucher, member=rich_member(0))
    assert verify_ledger().ok


def test_a_cancelled_or_used_voucher_cannot_change_again(rich_member, make_benefit, barber_staff):
    member, benefit = rich_member(100), make_benefit()
    used, dropped = (market.redeem(member, benefit_id=benefit.id) for _ in range(2))
    market.confirm(used.code, staff=barber_staff)
    market.cancel(dropped, member=member)
    db.session.commit()
    with pytest.raises(Conflict, match="already used"):
        market.cancel(used, member=member)
    with pytest.raises(Conflict, match="cancelled at"):
        market.confirm(dropped.code, staff=barber_staff)


def test_an_unconfirmed_voucher_expires_by_itself(rich_member, make_benefit, barber_staff):
    member, benefit = rich_member(100), make_benefit(points=25, stock=3, valid_days=2)
    voucher = market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    later = utcnow() + timedelta(days=2, minutes=1)
    with pytest.raises(Conflict, match="expired at"):
        market.confirm(voucher.code, staff=barber_staff, now=later)
    with pytest.raises(Conflict, match="expired at"):
        market.cancel(voucher, member=member, now=later)
    db.session.rollback()
    assert market.expire_due(now=later) == 1
    db.session.commit()
    assert market.get_redemption(voucher.id).status == "expired"
    assert available(member) == 100 and _stock(benefit) == 3
    assert ledger.get_hold(voucher.hold_id).status == "expired"
    assert verify_ledger().ok


def test_not_enough_points_takes_no_stock(rich_member, make_benefit):
    member, benefit = rich_member(20), make_benefit(points=30, stock=1)
    with pytest.raises(InsufficientPoints):
        market.redeem(member, benefit_id=benefit.id)
    db.session.rollback()
    assert _stock(benefit) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 0


def test_stock_runs_out(rich_member, make_benefit):
    benefit = make_benefit(points=1, stock=1)
    market.redeem(rich_member(10), benefit_id=benefit.id)
    with pytest.raises(Conflict, match="sold out"):
        market.redeem(rich_member(10), benefit_id=benefit.id)


def test_the_per_member_limit_counts_the_period(rich_member, make_benefit):
    member = rich_member(100)
    benefit = make_benefit(per_member_limit=2, limit_period="month")
    market.redeem(member, benefit_id=benefit.id)
    market.redeem(member, benefit_id=benefit.id)
    with pytest.raises(Conflict, match="limit reached: 2 per month"):
        market.redeem(member, benefit_id=benefit.id)
    next_month = utcnow() + timedelta(days=32)
    assert market.redeem(member, benefit_id=benefit.id, now=next_month).status == "held"


def test_affordable_leaves_out_benefits_at_my_limit_for_the_period(rich_member, make_benefit):
    member, neighbour = rich_member(100), rich_member(100)
    monthly = make_benefit(per_member_limit=2, limit_period="month")
    once = make_benefit(per_member_limit=1, limit_period="ever")
    daily = make_benefit(per_member_limit=1, limit_period="day")
    unlimited = make_benefit()

    def affordable(who=member) -> set[int]:
        return {b.id for b in market.benefits(who, affordable=True)}

    everything = {monthly.id, once.id, daily.id, unlimited.id}
    assert affordable() == everything
    market.redeem(member, benefit_id=monthly.id)
    market.redeem(member, benefit_id=daily.id, now=utcnow() - timedelta(days=1))
    kept = market.redeem(member, benefit_id=once.id)
    market.redeem(member, benefit_id=unlimited.id, quantity=3)
    assert affordable() == {monthly.id, daily.id, unlimited.id}  # yesterday's is another day
    market.redeem(member, benefit_id=monthly.id)
    market.redeem(member, benefit_id=daily.id)
    assert affordable() == {unlimited.id}
    assert affordable(neighbour) == everything
    market.cancel(kept, member=member)  # a cancelled voucher no longer counts
    assert affordable() == {once.id, unlimited.id}
    assert [b.id for b in market.benefits(member)] == [monthly.id, once.id, daily.id, unlimited.id]


@pytest.mark.parametrize(
    "typed",
    [
        "ABCDEFGHJ",  # what the voucher's QR code holds
        "ABC-DEF-GHJ",  # as printed under it
        " abc def-ghj ",  # typed in any case
        "ABCDEFGHJ\r\n",  # a barcode scanner's Enter
        "\x02ABCDEFGHJ\x03\t",  # a scanner's start and end marks and its Tab
        "ＡＢＣ－ＤＥＦ－ＧＨＪ",  # full width, from a Chinese input method
        "abc\u3000def\u3000ghj",  # ideographic spaces
        "ABC–DEF—GHJ",  # other dashes, from a copied message
        "ABC\u200bDEF\ufeffGHJ",  # invisible characters from a copy
    ],
)
def test_a_code_is_read_however_it_was_typed_or_scanned(typed):
    assert market.normalise_code(typed) == "ABCDEFGHJ"


@pytest.mark.parametrize(
    "typed",
    [
        None,
        123,
        "",
        "ABCDEFGH",  # too short
        "ABCDEFGHJK",  # too long
        "ABCDEFGH0",  # 0, 1, I, L and O are never in a code
        "ABCDEFGHI",
        "ABC.DEF.GHJ",
        "https://example.org/ABCDEFGHJ",  # another QR code
        "A" * 10_000,
    ],
)
def test_anything_else_is_not_a_code(typed):
    with pytest.raises(InvalidInput) as refused:
        market.normalise_code(typed)
    assert "code" in refused.value.errors


def test_level_and_window_are_checked(rich_member, make_benefit):
    resident = rich_member(100, level="resident")
    with pytest.raises(Forbidden, match="level volunteer"):
        market.redeem(resident, benefit_id=make_benefit().id)
    today = market.local_today()
    later = make_benefit(available_from=today + timedelta(days=3))
    with pytest.raises(Conflict, match="opens on"):
        market.redeem(rich_member(100), benefit_id=later.id)
    gone = make_benefit(available_until=today - timedelta(days=1))
    with pytest.raises(Conflict, match="closed on"):
        market.redeem(rich_member(100), benefit_id=gone.id)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"benefit_id": 9999}, "benefit_id"),
        ({"benefit_id": "1"}, "benefit_id"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 11}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"idempotency_key": "x" * 201}, "Idempotency-Key"),
    ],
)
def test_bad_redemptions_name_the_field_and_write_nothing(rich_member, make_benefit, values, field):
    member, benefit = rich_member(100), make_benefit(stock=3)
    request = {"benefit_id": benefit.id, **values}
    with pytest.raises((InvalidInput, NotFound)) as error:
        market.redeem(member, **request)
    db.session.rollback()
    assert field in error.value.errors
    assert available(member) == 100 and _stock(benefit) == 3


def test_the_same_key_twice_is_one_voucher_and_a_different_body_a_conflict(
    rich_member, make_benefit
):
    member, benefit, other = rich_member(100), make_benefit(), make_benefit()
    first = market.redeem(member, benefit_id=benefit.id, idempotency_key="k1")
    again = market.redeem(member, benefit_id=benefit.id, idempotency_key="k1")
    assert again.id == first.id and again.code == first.code
    with pytest.raises(IdempotencyConflict) as error:
        market.redeem(member, benefit_id=other.id, quantity=2, idempotency_key="k1")
    assert "benefit_id" in error.value.message and "quantity" in error.value.message
    assert available(member) == 90


def test_a_space_use_right_credits_the_hosts_minutes_when_confirmed(
    make_member, rich_member, places, social_worker
):
    community = market.ensure_provider(
        code="yunxi-community",
        kind="community",
        name_zh="云溪社区居委会",
        name_en="Yunxi community",
        community=places[0].name,
    )
    right = market.ensure_benefit(
        provider="yunxi-community",
        category="space_use",
        title_zh="活动室使用权 2 小时",
        title_en="2 hours in the activity room",
        points=60,
        min_level="host",
        space_minutes=120,
    )
    host = rich_member(100, level="host")
    with pytest.raises(Forbidden):
        market.redeem(rich_member(100), benefit_id=right.id)
    voucher = market.redeem(host, benefit_id=right.id)
    db.session.commit()
    assert community.id == voucher.provider_id
    market.confirm(voucher.code, staff=social_worker)  # the community's own staff
    db.session.commit()
    minutes = ledger.balance_of(ledger.member_wallet(host.id, "space_minutes"))
    assert minutes.balance == 120 and available(host) == 40
    assert verify_ledger().ok


def test_a_space_use_right_can_be_credited_at_once(app, rich_member, places):
    app.config["SPACE_RIGHTS_CONFIRM"] = "instant"
    market.ensure_provider(
        code="yunxi-community",
        kind="community",
        name_zh="云溪社区居委会",
        name_en="Yunxi community",
        community=places[0].name,
    )
    right = market.ensure_benefit(
        provider="yunxi-community",
        category="space_use",
        title_zh="教室 1 小时",
        title_en="1 hour classroom",
        points=30,
        min_level="host",
        space_minutes=60,
    )
    host = rich_member(100, level="host")
    voucher = market.redeem(host, benefit_id=right.id)
    assert voucher.status == "confirmed"
    assert ledger.balance_of(ledger.member_wallet(host.id, "space_minutes")).balance == 60


def test_the_monthly_statement_counts_each_outcome(rich_member, make_benefit, barber_staff, shop):
    member, benefit = rich_member(200), make_benefit(points=10)
    vouchers = [market.redeem(member, benefit_id=benefit.id) for _ in range(3)]
    market.confirm(vouchers[0].code, staff=barber_staff)
    market.cancel(vouchers[1], member=member)
    db.session.commit()
    lines, rows = market.month_statement([shop.id], market.local_today().strftime("%Y-%m"))
    got = {line.status: (line.vouchers, line.points) for line in lines}
    assert got == {"issued": (3, 30), "confirmed": (1, 10), "cancelled": (1, 10), "expired": (0, 0)}
    assert len(rows) == 3
    with pytest.raises(InvalidInput):
        market.month_statement([shop.id], "2026-13")


def test_the_seed_has_346_benefits(ctx, places):
    from points import seeding

    seeding.load_places()  # all three communities
    assert seeding.load_benefits() == 346
    db.session.commit()
    assert len(market.benefits(limit=1000)) == 346
    host_only = market.benefits(host_only=True, limit=1000)
    assert host_only and all(b.provider.kind == "community" for b in host_only)
    assert market.providers()[0].code == "yunxi-barber"


def test_the_housekeeping_sweep_expires_vouchers(rich_member, make_benefit):
    from points import housekeeping

    member, benefit = rich_member(100), make_benefit(points=10, stock=1)
    market.redeem(member, benefit_id=benefit.id)
    db.session.commit()
    done = housekeeping.sweep(now=utcnow() + timedelta(days=8))
    db.session.commit()
    assert done["vouchers_expired"] == 1
    assert available(member) == 100 and _stock(benefit) == 1
    assert verify_ledger().ok


def test_search_matches_text_literally_and_ignores_case(rich_member, make_benefit):
    cut = make_benefit(title_zh="理发", title_en="Haircut for seniors")
    make_benefit(title_zh="面条", title_en="Noodles 100%")
    assert [b.id for b in market.benefits(search="haircut")] == [cut.id]
    assert [b.title_en for b in market.benefits(search="%")] == ["Noodles 100%"]
    assert market.benefits(search="_") == []


def test_a_benefit_is_read_with_its_provider_in_one_statement(make_benefit, shop):
    opens = utcnow().date()
    benefit = make_benefit(points=30, available_from=opens)
    benefit_id = benefit.id
    db.session.expunge_all()
    seen = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        found = market.get_benefit(benefit_id)
        assert (found.id, found.points, found.available_from) == (benefit_id, 30, opens)
        assert found.active is True and found.created_at.tzinfo is not None
        assert found.provider.code == shop.code
        assert market.get_benefit(benefit_id) is found
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert len(seen) == 1
    found.active = False
    db.session.commit()
    for missing in (benefit_id, 10**9, "1", None):
        with pytest.raises(NotFound):
            market.get_benefit(missing)
