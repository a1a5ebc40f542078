"""The fund area against a hand-counted month of money, made with the fund's own services at
fixed moments, and reconciled with the fund's public page for the same community and month.

Rates in 云溪 (A) from 2026-10-01: 低偿 10 %, 市场 20 %, sponsorship 50 %. 宋老师 is a host (her
shares wait in fund_due until handed over); 李社工 collects for the office (shares go
straight to the fund).

  Oct 10  宋老师 低偿 fee ¥50                  share ¥5 owed
  Oct 20  李社工 sponsorship ¥1,000            share ¥500 into the fund
  Nov 5   宋老师 市场 fee ¥40                  share ¥8 owed
  Nov 6   宋老师 低偿 fee ¥20                  share ¥2 owed
  Nov 8   李社工 市场 rent ¥300                share ¥60 into the fund
  Nov 10  宋老师 hands over October's ¥5; 李社工 confirms
  Nov 12  grant ¥100 approved (王社工, admin); paid Nov 13
  Nov 14  grant ¥50 approved, not yet paid (held at the end of November)
  Nov 15  grant ¥30 approved and paid; reversed Nov 20
  Nov 16  grant ¥20 rejected
  Nov 18  滨江 (B): a sponsorship of ¥200 (no rate there: no share)
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from points.extensions import db
from points.fund import services as fund
from points.fund import transparency
from points.reports import services as reports
from tests.conftest import api_token, sign_in
from tests.reports.conftest import at


def _income(actor, community, source, fen, day, key, tier=None, collector=None):
    kind = "unit" if source == "sponsorship" else "resident"
    fund.record_income(actor, community_id=community.id, source=source, tier=tier,
                       amount_fen=fen, collector_id=(collector or actor).id, payer_kind=kind,
                       payer_name="苏州银行胜浦支行" if kind == "unit" else "居民甲",
                       method="cash", paid_on=day.isoformat(), idempotency_key=key,
                       now=at(day.month, day.day))
    db.session.commit()


def _grant(history, second, fen, day, *, pay=None, reverse=None, reject=False):
    grant = fund.request_grant(history.sw, purpose="楼道照明维修", project="云溪楼道微更新",
                               amount_fen=fen, now=at(11, day))
    if reject:
        fund.reject_grant(second, grant.id, reason="预算不符", now=at(11, day, 5))
    else:
        fund.approve_grant(second, grant.id, now=at(11, day, 5))
        fund.approve_grant(history.admin, grant.id, now=at(11, day, 6))
    if pay:
        fund.pay_grant(history.sw, grant.id, now=at(11, pay, 8))
    if reverse:
        fund.reverse_grant(history.sw, grant.id, reason="发票作废", now=at(11, reverse, 8))
    db.session.commit()
    return grant


def _seed(history, make_member):
    a, b = history.a, history.b
    host = make_member("13900000003", level="host", name="宋老师")
    second = make_member("13900000012", role="social_worker", name="王社工")
    for basis, bp in (("low_fee", 1000), ("market", 2000), ("sponsorship", 5000)):
        fund.set_rate(history.admin, a.id, basis=basis, rate_bp=bp, starts_on="2026-10-01",
                      now=at(10, 1, 0))
    db.session.commit()
    _income(host, a, "session_fee", 5000, date(2026, 10, 10), "f1", tier="low_fee")
    _income(history.sw, a, "sponsorship", 100_000, date(2026, 10, 20), "s1")
    _income(host, a, "session_fee", 4000, date(2026, 11, 5), "f2", tier="market")
    _income(host, a, "session_fee", 2000, date(2026, 11, 6), "f3", tier="low_fee")
    _income(history.sw, a, "market_rent", 30_000, date(2026, 11, 8), "r1", tier="market")
    payment = fund.declare_payment(host, month="2026-10", amount_fen=500, method="cash",
                                   now=at(11, 10))
    fund.confirm_payment(history.sw, payment.id, now=at(11, 10, 5))
    db.session.commit()
    _grant(history, second, 10_000, 12, pay=13)
    _grant(history, second, 5_000, 14)
    _grant(history, second, 3_000, 15, pay=15, reverse=20)
    _grant(history, second, 2_000, 16, reject=True)
    _income(history.admin, b, "sponsorship", 20_000, date(2026, 11, 18), "s2")


def test_fund_income_shares_grants_and_balance(history, make_member):
    _seed(history, make_member)
    report = reports.area_report(reports.context(history.sw, month="2026-11"), "fund")
    figure = {f.key: (f.value, f.previous) for f in report.figures}
    assert figure["income"] == (36_000, 105_000)  # ¥40 + ¥20 + ¥300; October ¥50 + ¥1,000
    assert figure["share"] == (7_000, 50_500)  # ¥8 + ¥2 + ¥60; October ¥5 + ¥500
    assert figure["received"] == (6_500, 50_000)  # ¥60 rent share + ¥5 handed over
    assert figure["owed"] == (1_000, 500)  # ¥5 − ¥5 + ¥8 + ¥2
    assert figure["approved"] == (3, 0)
    assert figure["approved_amount"] == (18_000, 0)
    assert figure["paid"] == (2, 0)
    assert figure["paid_amount"] == (13_000, 0)  # ¥100 and ¥30 (reversed later)
    assert figure["reversed_amount"] == (3_000, 0)
    assert figure["held"] == (5_000, 0)  # the ¥50 grant, approved and unpaid
    assert figure["balance"] == (46_500, 50_000)  # ¥500 + ¥65 − ¥100 − ¥30 + ¥30
    assert figure["available"] == (41_500, 50_000)

    lines = [(r[0]["zh"], r[1]["zh"], r[2:]) for r in report.table("income_by_source").rows]
    assert lines == [("活动收费", "低偿", [1, 2000, 200]), ("活动收费", "市场", [1, 4000, 800]),
                     ("市场租金", "市场", [1, 30_000, 6000])]
    steps = {r[0]["en"]: r[1:] for r in report.table("grants").rows}
    assert steps == {"Approved": [3, 18_000], "Paid": [2, 13_000], "Reversed": [1, 3_000],
                     "Not approved": [1, 2_000], "Held at the end": [1, 5_000]}
    [community] = report.table("by_community").rows
    assert community[1:] == [36_000, 7_000, 6_500, 13_000, 46_500]


def test_the_fund_area_reconciles_with_the_public_fund_page(history, make_member):
    _seed(history, make_member)
    report = reports.area_report(reports.context(history.sw, month="2026-11"), "fund")
    page = transparency.transparency(history.a.id, now=at(11, 30))
    november = [line for line in page.income if line.month == "2026-11"]
    assert report.figure("income").value == sum(line.amount for line in november)
    assert report.figure("share").value == sum(line.share for line in november)
    assert report.figure("balance").value == page.balance  # nothing moved after November
    assert report.figure("held").value == page.held
    assert report.figure("available").value == page.available
    paid = report.figure("paid_amount").value - report.figure("reversed_amount").value
    assert paid == page.total_paid
    october = reports.area_report(reports.context(history.sw, month="2026-10"), "fund")
    assert october.figure("income").value == sum(
        line.amount for line in page.income if line.month == "2026-10")


def test_the_street_sees_every_fund_and_a_social_worker_only_hers(history, make_member):
    _seed(history, make_member)
    street = reports.area_report(reports.context(history.admin, month="2026-11"), "fund")
    assert street.figure("income").value == 56_000  # B's ¥200 sponsorship too
    assert street.figure("share").value == 7_000  # B has no rate: no share
    assert street.figure("balance").value == 46_500
    assert [r[0]["zh"] for r in street.table("by_community").rows] == [history.a.name,
                                                                       history.b.name]
    only_b = reports.area_report(
        reports.context(history.admin, month="2026-11", community_id=history.b.id), "fund")
    assert only_b.figure("income").value == 20_000 and only_b.figure("balance").value == 0
    mine = reports.area_report(reports.context(history.sw, month="2026-11"), "fund")
    assert [r[0]["zh"] for r in mine.table("by_community").rows] == [history.a.name]


def test_fund_pages_show_yuan_and_exports_carry_yuan(history, make_member, client):
    _seed(history, make_member)
    headers = api_token(client, "13900000001")  # before the session: a bearer only
    sign_in(client, "13900000001")
    html = client.get("/reports/fund?month=2026-11").get_data(as_text=True)
    assert "¥360.00" in html and "¥465.00" in html and "<svg" in html
    assert "−¥690.00" in html  # income against October's ¥1,050
    assert "活动收费 · 低偿: ¥20.00" in html  # the chart names a source's tier
    text = client.get("/reports/fund/income_by_source.csv?month=2026-11").get_data(as_text=True)
    assert "市场租金,市场,1,300.00,60.00" in text
    book = load_workbook(BytesIO(client.get("/reports.xlsx?month=2026-11").data))
    values = {row[0]: row[1] for row in book["社区基金"].iter_rows(values_only=True)
              if row and row[0]}
    assert float(values["期末基金余额"]) == 465.0
    answer = client.get("/api/v1/reports/fund?month=2026-11",
                        headers=headers).get_json()
    figures = {f["key"]: (f["value"], f["unit"]) for f in answer["figures"]}
    assert figures["balance"] == (46_500, "fen")
    assert client.get(f"/reports/fund?month=2026-11&community={history.b.id}").status_code \
        == 404
    public = client.get(f"/public/communities/{history.a.id}/summary?month=2026-11")
    assert "¥465.00" in public.get_data(as_text=True)
