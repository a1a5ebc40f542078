"""Grants from the fund: two approvers who are not the requester, the public window for large
ones, paid once, never below zero, undone only by a reversal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.fund import services as fund
from points.fund.models import GrantApproval
from points.ledger import services as ledger
from points.ledger.verify import verify_ledger
from points.notifications.models import Notification
from tests.fund.conftest import NOW, seed_fund


def told(member, kind: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.member_id == member.id, Notification.kind == kind)
    )


def ask(people, amount_fen: int, requester=None):
    return fund.request_grant(
        requester or people.sw1,
        purpose="楼道照明维修",
        project="云溪楼道微更新",
        amount_fen=amount_fen,
        now=NOW,
    )


def test_two_approvers_are_needed_and_the_requester_is_refused(people):
    seed_fund(people, 500_000)
    grant = ask(people, 80_000)
    assert told(people.sw2, "fund.grant_to_approve") == 1
    assert told(people.sw1, "fund.grant_to_approve") == 0  # the requester is not asked
    with pytest.raises(Forbidden):
        fund.approve_grant(people.sw1, grant.id, now=NOW)
    fund.approve_grant(people.sw2, grant.id, now=NOW)
    assert grant.status == "requested"
    assert told(people.sw3, "fund.grant_to_approve") == 2  # asked again: one more is needed
    with pytest.raises(Conflict):
        fund.approve_grant(people.sw2, grant.id, now=NOW)
    fund.approve_grant(people.sw3, grant.id, now=NOW)
    db.session.commit()
    assert grant.status == "approved"
    assert grant.payable_from == NOW  # ¥800 is under the public threshold: payable at once
    assert ledger.balance_of(fund.fund_account(people.community.id)).available == 420_000
    assert told(people.sw1, "fund.grant_approved") == 1
    assert told(people.sw1, "fund.grant_payable") == 1
    fund.pay_grant(people.sw1, grant.id, now=NOW)
    db.session.commit()
    assert grant.status == "paid"
    assert ledger.balance_of(fund.fund_account(people.community.id)).balance == 420_000
    assert verify_ledger().ok


def test_the_database_refuses_the_requester_and_a_second_approval_by_one_person(people):
    grant = ask(people, 1000)
    db.session.commit()
    db.session.add(
        GrantApproval(grant_id=grant.id, requester_id=people.sw1.id, approver_id=people.sw1.id)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(  # a forged requester does not match the grant's
        GrantApproval(grant_id=grant.id, requester_id=people.sw3.id, approver_id=people.sw1.id)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(
        GrantApproval(grant_id=grant.id, requester_id=people.sw1.id, approver_id=people.sw2.id)
    )
    db.session.flush()
    db.session.add(
        GrantApproval(grant_id=grant.id, requester_id=people.sw1.id, approver_id=people.sw2.id)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_large_grant_waits_five_days_in_public_before_it_can_be_paid(people):
    seed_fund(people, 500_000)
    grant = ask(people, 300_000)
    fund.approve_grant(people.sw2, grant.id, now=NOW)
    fund.approve_grant(people.sw3, grant.id, now=NOW)
    assert grant.payable_from == NOW + timedelta(days=5)
    assert fund.in_public_window(grant, NOW + timedelta(days=4))
    with pytest.raises(Conflict) as refused:
        fund.pay_grant(people.sw1, grant.id, now=NOW + timedelta(days=4, hours=23))
    assert refused.value.key == "fund.in_public_window"
    fund.pay_grant(people.sw1, grant.id, now=NOW + timedelta(days=5))
    assert grant.status == "paid"


def test_the_fund_never_pays_what_it_does_not_have(people):
    seed_fund(people, 100_000)
    first, second = ask(people, 70_000), ask(people, 70_000)
    for grant in (first, second):
        fund.approve_grant(people.sw2, grant.id, now=NOW)
    fund.approve_grant(people.sw3, first.id, now=NOW)  # holds ¥700 of the ¥1,000
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        fund.approve_grant(people.sw3, second.id, now=NOW)
    assert refused.value.key == "fund.fund_short"
    db.session.rollback()
    assert fund.get_grant(second.id).status == "requested"
    assert ledger.balance_of(fund.fund_account(people.community.id)).available == 30_000


def test_a_rejected_request_stays_listed_and_a_paid_one_is_undone_by_a_reversal(people):
    seed_fund(people, 100_000)
    rejected, paid = ask(people, 5_000), ask(people, 20_000, requester=people.host)
    with pytest.raises(InvalidInput):
        fund.reject_grant(people.sw2, rejected.id, reason=" ", now=NOW)
    fund.reject_grant(people.sw2, rejected.id, reason="与治理项目无关", now=NOW)
    assert told(people.sw1, "fund.grant_rejected") == 1
    with pytest.raises(Conflict):
        fund.approve_grant(people.sw3, rejected.id, now=NOW)
    fund.approve_grant(people.sw2, paid.id, now=NOW)
    fund.approve_grant(people.sw3, paid.id, now=NOW)
    fund.pay_grant(people.sw1, paid.id, now=NOW)
    again = fund.pay_grant(people.sw2, paid.id, now=NOW)  # pressed twice: paid once
    assert again.transfer_id == paid.transfer_id
    fund.reverse_grant(people.sw1, paid.id, reason="发票作废", now=NOW)
    db.session.commit()
    assert [g.status for g in fund.grants_of(people.community.id)] == ["reversed", "rejected"]
    reversal = ledger.get_transfer(paid.reversal_id)
    assert reversal.reverses_id == paid.transfer_id
    assert ledger.balance_of(fund.fund_account(people.community.id)).balance == 100_000
    with pytest.raises(Conflict):
        fund.reverse_grant(people.sw1, paid.id, reason="again", now=NOW)
    assert verify_ledger().ok


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": 1.5}, "amount_fen"),
        ({"purpose": ""}, "purpose"),
        ({"project": "x" * 121}, "project"),
    ],
)
def test_a_bad_request_names_its_field(people, change, field):
    values = {"purpose": "修缮", "project": "楼道", "amount_fen": 100, **change}
    with pytest.raises(InvalidInput) as refused:
        fund.request_grant(people.sw1, now=NOW, **values)
    assert field in refused.value.errors


def test_a_resident_may_not_ask_the_fund(people):
    with pytest.raises(Forbidden):
        ask(people, 100, requester=people.resident)


def test_yuan_is_parsed_and_shown_the_one_way(people):
    assert fund.parse_yuan("1,234.5") == 123450
    assert fund.parse_yuan("¥20") == 2000
    for bad in ("", "12.345", "-1", "abc", "0"):
        with pytest.raises(InvalidInput):
            fund.parse_yuan(bad)
    assert fund.yuan(5) == "¥0.05"
    assert fund.percent_to_bp("12.5") == 1250
