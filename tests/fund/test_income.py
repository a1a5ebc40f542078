"""Income with its 反哺 share: once per key, the rate version in force, never mixed with points."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from points.errors import Conflict, Forbidden, IdempotencyConflict, InvalidInput
from points.extensions import db
from points.fund import services as fund
from points.fund.models import IncomeEntry
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from tests.fund.conftest import NOW, fee, local


def balance(account) -> int:
    return ledger.balance_of(account).balance


def test_a_fee_moves_the_money_and_the_share_in_one_money_transfer(people, rates):
    entry = fee(people, key="door-1", amount_fen=5000)
    db.session.commit()
    assert (entry.amount_fen, entry.share_fen, entry.rate_id) == (5000, 500, rates["low_fee"].id)
    moved = ledger.get_transfer(entry.transfer_id)
    legs = sorted(
        (ledger.get_account(p.account_id).name, p.asset, p.amount) for p in moved.postings
    )
    assert legs == [
        (f"collected:{people.host.id}", "cny", 4500),
        (f"fund_due:{people.community.id}.{people.host.id}", "cny", 500),
        ("income:session_fee", "cny", -5000),
    ]
    assert balance(fund.fund_account(people.community.id)) == 0  # not received yet
    assert verify_ledger().ok


def test_a_fee_recorded_twice_with_one_key_is_one_entry(people, rates):
    first = fee(people, key="door-2")
    again = fee(people, key="door-2")
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IncomeEntry)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
    assert balance(fund.due_account(people.community.id, people.host.id)) == 500


def test_one_key_with_another_amount_is_a_conflict_naming_the_fields(people, rates):
    fee(people, key="door-3")
    with pytest.raises(IdempotencyConflict) as refused:
        fee(people, key="door-3", amount_fen=6000, method="transfer")
    assert set(refused.value.fields) == {"amount_fen", "method"}


def test_the_share_uses_the_rate_version_in_force_on_the_day_paid(people, rates):
    # On 11-20 the admin raises 低偿 to 15 % from 11-25: entries before keep 10 %.
    raised = fund.set_rate(
        people.admin,
        people.community.id,
        basis="low_fee",
        rate_bp=1500,
        starts_on="2026-11-25",
        now=NOW,
    )
    assert raised.version == 2
    before = fee(people, key="before", amount_fen=3333, paid_on="2026-11-20")
    after = fee(
        people,
        key="after",
        amount_fen=3333,
        paid_on="2026-11-26",
        now=local(date(2026, 11, 26), 10),
    )
    assert (before.share_fen, before.rate.version) == (333, 1)  # 333.3 → 333
    assert (after.share_fen, after.rate.version) == (500, 2)  # 499.95 → 500 (half up)


def test_a_rate_cannot_change_what_is_already_recorded(people, rates):
    fee(people, key="today")
    with pytest.raises(Conflict) as refused:
        fund.set_rate(
            people.admin,
            people.community.id,
            basis="low_fee",
            rate_bp=3000,
            starts_on="2026-11-20",
            now=NOW,
        )
    assert "starts_on" in refused.value.errors
    with pytest.raises(InvalidInput):
        fund.set_rate(
            people.admin,
            people.community.id,
            basis="low_fee",
            rate_bp=3000,
            starts_on="2026-11-19",
            now=NOW,
        )
    with pytest.raises(Forbidden):
        fund.set_rate(
            people.sw1,
            people.community.id,
            basis="low_fee",
            rate_bp=3000,
            starts_on="2026-11-30",
            now=NOW,
        )


def test_the_office_collecting_gives_the_share_to_the_fund_at_once(people, rates):
    entry = fund.record_income(
        people.sw1,
        community_id=people.community.id,
        source="sponsorship",
        amount_fen=100000,
        collector_id=people.sw1.id,
        payer_kind="unit",
        payer_name="共建单位",
        method="transfer",
        paid_on="2026-11-19",
        idempotency_key="sponsor-1",
        now=NOW,
    )
    assert entry.share_fen == 50000
    assert balance(fund.fund_account(people.community.id)) == 50000


def test_market_rent_links_only_a_market_booking(people, rates):
    with pytest.raises(InvalidInput) as refused:
        fee(people, key="rent", source="market_rent", tier="market", booking_id=999999)
    assert "booking_id" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        fee(people, key="fee-booking", booking_id=1)
    assert "booking_id" in refused.value.errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -5}, "amount_fen"),
        ({"amount_fen": "50"}, "amount_fen"),
        ({"tier": "free"}, "tier"),
        ({"source": "donation"}, "source"),
        ({"method": "card"}, "method"),
        ({"paid_on": "2026-11-21"}, "paid_on"),
        ({"paid_on": "yesterday"}, "paid_on"),
        ({"payer_name": " "}, "payer_name"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"collector_id": 999999}, "collector_id"),
    ],
)
def test_bad_income_is_refused_naming_the_field_and_writes_nothing(people, rates, change, field):
    with pytest.raises(InvalidInput) as refused:
        fee(people, key="bad", **change)
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IncomeEntry)) == 0


def test_a_resident_may_not_record_income(people, rates):
    with pytest.raises(Forbidden):
        fee(people, key="x", collector=people.resident)


def test_settlement_figures_on_a_worked_month(people, rates):
    # 张主理 in November: ¥50 低偿 (share ¥5), ¥200 市场 (¥40), ¥120 市场 rent (¥24);
    # 陈主理's ¥80 低偿 is his own. December's fee is December's.
    fee(people, key="a", amount_fen=5000)
    fee(people, key="b", amount_fen=20000, tier="market")
    fee(people, key="c", amount_fen=12000, tier="market", source="market_rent")
    fee(people, key="d", amount_fen=8000, collector=people.host2)
    december = local(date(2026, 12, 3), 9)
    fee(people, key="e", amount_fen=5000, paid_on="2026-12-02", now=december)
    paid = fund.declare_payment(
        people.host, month="2026-11", amount_fen=4000, method="transfer", reference="WX-1", now=NOW
    )
    fund.confirm_payment(people.sw1, paid.id, now=NOW)
    fund.confirm_payment(people.sw2, paid.id, now=NOW)  # twice: moved once
    fund.declare_payment(people.host, month="2026-11", amount_fen=1000, method="cash", now=NOW)
    db.session.commit()
    month = fund.settlement(people.community.id, people.host.id, "2026-11")
    assert (month.collected, month.owed, month.paid, month.declared, month.outstanding) == (
        37000,
        6900,
        4000,
        1000,
        2900,
    )
    assert [s.collector_id for s in fund.settlements(people.community.id, "2026-11")] == [
        people.host.id,
        people.host2.id,
    ]
    assert balance(fund.fund_account(people.community.id)) == 4000
    assert balance(fund.due_account(people.community.id, people.host.id)) == 6900 + 500 - 4000
    with pytest.raises(InvalidInput) as refused:  # 2,900 left, 1,000 declared: 1,900 more
        fund.declare_payment(people.host, month="2026-11", amount_fen=2000, method="cash", now=NOW)
    assert "amount" in refused.value.errors
    assert verify_ledger().ok
