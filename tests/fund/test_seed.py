"""The demo seed's fund reads like the pilot, scaled: fees, rent, a sponsorship, a month
settled and one outstanding, grants in every state; the ledger verifies."""

from __future__ import annotations

from points.fund import services as fund
from points.fund import transparency
from points.ledger.verify import verify_ledger
from points.members import services as members


def test_the_demo_fund_reads_like_the_pilot(demo, ctx):
    host = members.find_by_phone("13900000003")
    page = transparency.transparency(host.community_id)
    assert page.total_income == 1_200_000  # ¥12,000 in the two months before this one
    assert page.total_share == 270_000  # ¥2,700 back to the fund
    assert (page.balance, page.held) == (222_000, 210_000)
    assert {g.status for g in page.grants} == {"paid", "approved", "rejected", "requested"}
    assert any(g.in_public_window for g in page.grants)
    assert any(g.has_receipt for g in page.grants)
    assert {line.source for line in page.income} == {"session_fee", "market_rent", "sponsorship"}
    months = sorted({line.month for line in page.income})
    confirmed = fund.settlement(host.community_id, host.id, months[0])
    outstanding = fund.settlement(host.community_id, host.id, months[1])
    assert confirmed.outstanding == 0 and confirmed.paid == 12_000
    assert outstanding.outstanding == 12_000 and outstanding.declared == 12_000
    report = verify_ledger()
    assert report.ok, report.faults
