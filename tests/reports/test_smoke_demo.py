"""Every area reads the demo seed's history without fault, for a social worker and an admin."""

from __future__ import annotations

import sqlalchemy as sa

from points.extensions import db
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
