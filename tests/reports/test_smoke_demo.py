"""Every area reads the demo seed's history without fault, for a social worker and an admin;
the fund area agrees with the demo fund's public page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from points import clock
from points.extensions import db
from points.fund import transparency
from points.members.models import Member
from points.reports import services as reports


def _member(phone: str) -> Member:
    return db.session.scalar(sa.select(Member).where(Member.phone == phone))


def test_every_area_reads_the_demo_history(demo, ctx):
    for phone in ("13900000001", "13900000006"):
        context = reports.context(_member(phone))
        for report in reports.all_areas(context):
            assert report.figures, report.area
    ctx_, found, heads = reports.monthly(_member("13900000006"))
    assert heads


def test_the_demo_fund_reconciles_with_its_public_page(demo, ctx):
    worker = _member("13900000001")
    today = clock.today()
    context = reports.context(worker, first=(today - timedelta(days=365)).isoformat(),
                              last=today.isoformat())
    fund = reports.area_report(context, "fund")
    page = transparency.transparency(worker.community_id)
    assert fund.figure("balance").value == page.balance > 0
    assert fund.figure("held").value == page.held
    assert fund.figure("income").value == page.total_income  # the demo's year of income
    assert fund.figure("share").value == page.total_share
    programmes = reports.area_report(context, "programmes")
    assert programmes.figure("sessions").value > 0  # 宋老师's and 刘老师's past sessions
