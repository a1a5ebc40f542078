"""Reversing recorded income: a reversing ledger entry (never a deletion) that takes the 反哺
share back with it — from the host's receivable, or from the fund once it was handed over —
once, and never below what the fund has; on the public page and its downloads as a line."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.fund import services as fund
from points.fund.models import IncomeEntry, IncomeReversal
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.members.models import Member
from points.notifications.models import Notification
from tests.concurrency import race, tally
from tests.conftest import api_token, csrf_token, sign_in
from tests.fund.conftest import NOW, fee, seed_fund

LATER = NOW + timedelta(hours=2)


def balance(account) -> int:
    return ledger.balance_of(account).balance


def transfers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))


def told(member, kind: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.member_id == member.id, Notification.kind == kind)
    )


def test_a_reversed_sponsorship_takes_its_share_back_out_of_the_fund(people, rates):
    entry = seed_fund(people, 100_000)  # 50 % of ¥1,000 into the fund
    fund_account = fund.fund_account(people.community.id)
    assert balance(fund_account) == 50_000
    reversal = fund.reverse_income(people.sw2, entry.id, reason="重复登记", now=LATER)
    db.session.commit()
    undone = ledger.get_transfer(reversal.transfer_id)
    assert undone.reverses_id == entry.transfer_id and undone.memo == "重复登记"
    assert balance(fund_account) == 0
    assert balance(fund.income_account("sponsorship")) == 0
    assert balance(fund.collected_account(people.sw1.id)) == 0
    assert db.session.get(IncomeEntry, entry.id) is not None  # kept, never deleted
    assert reversal.returned_fen == 0 and reversal.reversed_by == people.sw2.id
    assert told(people.sw1, "fund.income_reversed") == 1  # the collector is told
    assert verify_ledger().ok


def test_a_hosts_fee_not_yet_handed_over_comes_off_their_receivable(people, rates):
    entry = fee(people, key="door-1", amount_fen=5000)  # ¥5 of it owed to the fund
    db.session.commit()
    due = fund.due_account(people.community.id, people.host.id)
    fund.reverse_income(people.sw1, entry.id, reason="学员退费", now=LATER)
    db.session.commit()
    assert balance(due) == 0 and balance(fund.collected_account(people.host.id)) == 0
    month = fund.settlement(people.community.id, people.host.id, "2026-11")
    assert (month.collected, month.owed, month.outstanding) == (0, 0, 0)
    assert told(people.host, "fund.income_reversed") == 1
    assert verify_ledger().ok


def test_a_fee_whose_share_was_handed_over_is_given_back_by_the_fund(people, rates):
    entry = fee(people, key="door-2", amount_fen=5000)
    other = fee(people, key="door-3", amount_fen=3000)  # ¥3 more owed, not handed over
    payment = fund.declare_payment(
        people.host, month="2026-11", amount_fen=500, method="cash", now=NOW
    )
    fund.confirm_payment(people.sw1, payment.id, now=NOW)
    db.session.commit()
    fund_account = fund.fund_account(people.community.id)
    assert balance(fund_account) == 500
    reversal = fund.reverse_income(people.sw1, entry.id, reason="课程取消", now=LATER)
    db.session.commit()
    # The month now owes only the other fee's ¥3, and ¥5 was handed over: the fund gives
    # back the ¥2 too much and keeps ¥3; the ¥3 still owed comes off the receivable.
    assert other.share_fen == 300
    assert reversal.returned_fen == 200
    assert balance(fund_account) == 300
    assert balance(fund.due_account(people.community.id, people.host.id)) == 0
    month = fund.settlement(people.community.id, people.host.id, "2026-11")
    assert (month.owed, month.paid, month.returned, month.outstanding) == (300, 500, 200, 0)
    assert verify_ledger().ok


def test_reversing_twice_is_refused_and_changes_nothing(people, rates):
    entry = seed_fund(people, 100_000)
    fund.reverse_income(people.sw1, entry.id, reason="录错", now=LATER)
    db.session.commit()
    before = transfers()
    with pytest.raises(Conflict) as refused:
        fund.reverse_income(people.sw2, entry.id, reason="再次", now=LATER)
    assert refused.value.key == "fund.income_reversed_already"
    assert "entry" in refused.value.errors
    db.session.rollback()
    assert transfers() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IncomeReversal)) == 1


def test_a_reversal_the_fund_can_no_longer_cover_is_refused_naming_it(people, rates):
    entry = seed_fund(people, 100_000)  # ¥500 into the fund
    grant = fund.request_grant(
        people.host, purpose="楼道灯", project="楼道微更新", amount_fen=40_000, now=NOW
    )
    fund.approve_grant(people.sw1, grant.id, now=NOW)
    fund.approve_grant(people.sw2, grant.id, now=NOW)  # ¥400 set aside
    db.session.commit()
    before = transfers()
    with pytest.raises(Conflict) as refused:
        fund.reverse_income(people.sw3, entry.id, reason="退回赞助", now=LATER)
    assert refused.value.key == "fund.reversal_fund_short"
    assert "entry" in refused.value.errors
    assert "¥100.00" in str(refused.value.message) and "¥500.00" in str(refused.value.message)
    db.session.rollback()
    assert transfers() == before
    assert fund.get_income(entry.id).reversal is None
    assert balance(fund.fund_account(people.community.id)) == 50_000


def test_only_staff_reverse_and_a_reason_is_needed(people, rates):
    entry = fee(people, key="door-4")
    db.session.commit()
    with pytest.raises(Forbidden):
        fund.reverse_income(people.host, entry.id, reason="我自己撤销", now=LATER)
    with pytest.raises(InvalidInput) as refused:
        fund.reverse_income(people.sw1, entry.id, reason="  ", now=LATER)
    assert "reason" in refused.value.errors
    assert fund.get_income(entry.id).reversal is None


def test_the_public_page_api_and_csv_show_the_reversal_as_a_line_of_its_own(
    client, people, rates
):
    kept = fee(people, key="door-5", amount_fen=5000)
    gone = fee(people, key="door-6", amount_fen=2000)
    fund.reverse_income(people.sw1, gone.id, reason="录错", now=LATER)
    db.session.commit()
    cid = people.community.id
    html = client.get(f"/communities/{cid}/fund").get_data(as_text=True)
    assert 'data-income="2026-11:session_fee:low_fee:reversal"' in html
    assert "-¥20.00" in html or "¥-20.00" in html
    page = client.get(f"/api/v1/communities/{cid}/fund").get_json()
    lines = [
        (line["entries"], line["amount_fen"], line["share_fen"], line["reversal"])
        for line in page["income"]
    ]
    assert lines == [(2, 7000, 700, False), (1, -2000, -200, True)]
    assert page["total_income_fen"] == kept.amount_fen
    assert page["total_share_fen"] == kept.share_fen
    text = client.get(f"/communities/{cid}/fund.csv?table=income").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row[4:] for row in rows[1:]] == [["70.00", "7.00", "收入"], ["-20.00", "-2.00", "撤销"]]


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_two_reversals_of_one_entry_at_once_reverse_it_once(app, people, rates, mode):
    entry = seed_fund(people, 100_000)
    entry_id, staff = entry.id, [people.sw1.id, people.sw2.id]
    community_id = people.community.id
    db.session.remove()

    def attempt(i):
        actor = db.session.get(Member, staff[i % 2])
        return fund.reverse_income(actor, entry_id, reason=f"撤销 {i}", now=LATER).id

    outcomes = race(app, attempt, 2, mode)
    assert tally(outcomes) == {"ok": 1, "Conflict": 1}, outcomes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IncomeReversal)) == 1
        reversals = db.session.scalar(
            sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "reverse")
        )
        assert reversals == 1
        assert balance(fund.fund_account(community_id)) == 0
        assert verify_ledger().ok


def test_staff_reverse_on_the_entry_page_and_the_host_sees_it_reversed(client, people, rates):
    entry = fee(people, key="door-7")
    db.session.commit()
    sign_in(client, "13900000003")  # the host: sees the entry, not the form
    page = client.get(f"/fund/income/{entry.id}").get_data(as_text=True)
    assert f'action="/fund/income/{entry.id}/reverse"' not in page
    token = csrf_token(client, f"/fund/income/{entry.id}")
    client.post(f"/fund/income/{entry.id}/reverse", data={"csrf_token": token, "reason": "x"})
    db.session.expire_all()
    assert fund.get_income(entry.id).reversal is None
    client.post("/logout", data={"csrf_token": token})

    sign_in(client, "13900000001")
    assert f'href="/fund/income/{entry.id}"' in client.get("/fund/income").get_data(as_text=True)
    page = client.get(f"/fund/income/{entry.id}").get_data(as_text=True)
    assert f'action="/fund/income/{entry.id}/reverse"' in page
    token = csrf_token(client, f"/fund/income/{entry.id}")
    answer = client.post(
        f"/fund/income/{entry.id}/reverse", data={"csrf_token": token, "reason": "学员退费"}
    )
    assert answer.status_code == 302
    page = client.get(f"/fund/income/{entry.id}").get_data(as_text=True)
    assert "学员退费" in page and f'action="/fund/income/{entry.id}/reverse"' not in page
    again = client.post(
        f"/fund/income/{entry.id}/reverse",
        data={"csrf_token": token, "reason": "再来"},
        follow_redirects=True,
    )
    assert "这笔收入已撤销" in again.get_data(as_text=True)  # the keyed refusal, in Chinese
    db.session.expire_all()
    assert fund.get_income(entry.id).reversal.reason == "学员退费"


def test_the_api_reverses_once_and_says_why_the_second_is_refused(client, people, rates):
    entry = fee(people, key="door-8")
    db.session.commit()
    staff = api_token(client, "13900000001")
    url = f"/api/v1/fund/income/{entry.id}/reverse"
    first = client.post(url, json={"reason": "录错"}, headers=staff)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["entry_id"] == entry.id
    again = client.post(url, json={"reason": "录错"}, headers=staff)
    assert again.status_code == 409
    assert "already reversed" in again.get_json()["message"]
    assert "entry" in again.get_json()["errors"]
    shown = client.get(f"/api/v1/fund/income/{entry.id}", headers=staff).get_json()
    assert shown["reversal"]["reason"] == "录错"
    host = api_token(client, "13900000003")
    other = fee(people, key="door-9")
    db.session.commit()
    refused = client.post(
        f"/api/v1/fund/income/{other.id}/reverse", json={"reason": "x"}, headers=host
    )
    assert refused.status_code == 403
    empty = client.post(f"/api/v1/fund/income/{other.id}/reverse", json={}, headers=staff)
    assert empty.status_code == 422 and "reason" in empty.get_json()["errors"]
