"""The public fund page (no sign-in, no personal data), its downloads, and the staff and host
pages over HTTP."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from points.extensions import db
from points.fund import services as fund
from tests.conftest import csrf_token, sign_in
from tests.fund.conftest import NOW, fee, seed_fund


@pytest.fixture
def pilot(people, rates):
    """A fee, market rent, a sponsorship, a paid grant and a pending one."""
    fee(people, key="p1", amount_fen=5000, payer_name="王阿姨", payer_phone="13911112222")
    fee(
        people,
        key="p2",
        amount_fen=30000,
        tier="market",
        source="market_rent",
        payer_name="刘先生",
        payer_phone="13933334444",
    )
    seed_fund(people, 200_000)
    paid = fund.request_grant(
        people.sw1, purpose="楼道灯", project="楼道微更新", amount_fen=50_000, now=NOW
    )
    fund.approve_grant(people.sw2, paid.id, now=NOW)
    fund.approve_grant(people.sw3, paid.id, now=NOW)
    fund.pay_grant(people.sw1, paid.id, now=NOW)
    fund.request_grant(
        people.host, purpose="花园工具", project="童享花园", amount_fen=8_000, now=NOW
    )
    db.session.commit()
    return people


def test_the_public_page_needs_no_sign_in_and_names_no_resident(client, pilot):
    page = client.get(f"/communities/{pilot.community.id}/fund")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "¥500.00" in html  # half the ¥2,000 sponsorship, less the ¥500 grant paid
    assert "苏州银行胜浦支行" in html  # a partner unit is named
    for personal in ("王阿姨", "刘先生", "13911112222", "13933334444", "张主理", "李社工"):
        assert personal not in html
    assert "花园工具" in html and "楼道灯" in html  # pending requests too
    assert client.get("/communities/99999/fund").status_code == 404


def test_the_downloads_hold_the_page_numbers(client, pilot):
    cid = pilot.community.id
    html = client.get(f"/communities/{cid}/fund").get_data(as_text=True)
    answer = client.get(f"/communities/{cid}/fund.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    income = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(income) == 3
    for _month, _source, _tier, _entries, amount, share, _line in income:
        assert f"¥{amount:,.2f}" in html and f"¥{share:,.2f}" in html
    assert sum(row[4] for row in income) == pytest.approx(2350.00)
    grants = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in grants] == [80.0, 500.0]
    csv = client.get(f"/communities/{cid}/fund.csv?table=income").get_data(as_text=True)
    assert "300.00" in csv and "13933334444" not in csv
    assert client.get(f"/communities/{cid}/fund.pdf").status_code == 404


def test_a_host_records_a_fee_and_a_bad_amount_is_named(client, pilot):
    sign_in(client, "13900000003")
    token = csrf_token(client, "/fund/income")
    form = {
        "csrf_token": token,
        "source": "session_fee",
        "tier": "low_fee",
        "amount": "12.345",
        "collector_id": str(pilot.host.id),
        "payer_kind": "resident",
        "payer_name": "居民乙",
        "method": "cash",
        "paid_on": "2026-11-20",
        "idempotency_key": "web-1",
    }
    refused = client.post("/fund/income", data=form)
    assert refused.status_code == 422
    assert re.search(r'class="error" id="amount-error"', refused.get_data(as_text=True))
    form["amount"] = "20"
    assert client.post("/fund/income", data=form).status_code == 302
    assert client.post("/fund/income", data=form).status_code == 302  # sent twice: one entry
    db.session.expire_all()
    entries = fund.income_of(pilot.community.id, collector_id=pilot.host.id)
    assert [(e.amount_fen, e.share_fen) for e in entries if e.idempotency_key == "web-1"] == [
        (2000, 200)
    ]


def test_staff_see_the_settlements_and_the_requester_cannot_approve(client, pilot):
    sign_in(client, "13900000001")
    assert client.get("/fund/settlements?month=2026-11").status_code == 200
    grants = fund.grants_of(pilot.community.id)
    pending = grants[0]
    page = client.get(f"/fund/grants/{pending.id}").get_data(as_text=True)
    assert f'action="/fund/grants/{pending.id}/approve"' in page
    token = csrf_token(client, f"/fund/grants/{pending.id}")
    client.post(f"/fund/grants/{pending.id}/approve", data={"csrf_token": token})
    db.session.expire_all()
    assert len(fund.get_grant(pending.id).approvals) == 1
    own = fund.request_grant(pilot.sw1, purpose="桌椅", project="议事厅", amount_fen=100, now=NOW)
    db.session.commit()
    page = client.get(f"/fund/grants/{own.id}").get_data(as_text=True)
    assert f'action="/fund/grants/{own.id}/approve"' not in page
    client.post(f"/fund/grants/{own.id}/approve", data={"csrf_token": token})
    db.session.expire_all()
    assert fund.get_grant(own.id).approvals == []  # the requester's own: refused
