"""The monthly statement as a CSV or Excel file: local times, masked names, the merchant's
code in the file name, and text that looks like a formula kept as text."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from points.extensions import db
from points.marketplace import export
from points.marketplace import services as market

HEADINGS = [f"h{n}" for n in range(export.COLUMNS)]
STATUS = {"held": "未使用", "confirmed": "已使用", "cancelled": "已取消", "expired": "已过期"}


def test_formula_like_text_stays_text_in_both_formats():
    rows = [["ABC-DEF-GHJ", "=HYPERLINK(1)", "-**", 1, 30, "已使用", None, None, None]]
    csv = export.to_csv(HEADINGS, rows).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv and "'-**" in csv

    sheet = load_workbook(io.BytesIO(export.to_xlsx(HEADINGS, rows, sheet="2026-11"))).active
    assert sheet.title == "2026-11" and sheet["B2"].value == "=HYPERLINK(1)"
    assert sheet["B2"].data_type == "s"


def test_the_file_shows_community_times_and_masked_names(rich_member, make_benefit, barber_staff):
    member = rich_member(100, name="王阿姨")
    issued = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    voucher = market.redeem(member, benefit_id=make_benefit(points=30).id, now=issued)
    market.confirm(voucher.code, staff=barber_staff, now=issued.replace(hour=2))
    db.session.commit()

    made = export.statement_file(
        [voucher.provider_id],
        "2026-11",
        "csv",
        locale="zh_Hans_CN",
        headings=HEADINGS,
        status_names=STATUS,
    )
    assert made.filename == "yunxi-barber-2026-11.csv" and made.mimetype == "text/csv"
    assert made.data.startswith(b"\xef\xbb\xbf")
    lines = made.data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(HEADINGS)
    times = "2026-11-03 09:30,2026-11-03 10:30,"
    assert lines[1] == f"{voucher.display_code},理发券1,王**,1,30,已使用,{times}"

    book = export.statement_file(
        [voucher.provider_id],
        "2026-11",
        "xlsx",
        locale="en",
        headings=HEADINGS,
        status_names=STATUS,
    )
    assert book.filename == "yunxi-barber-2026-11.xlsx"
    rows = list(load_workbook(io.BytesIO(book.data)).active.iter_rows(values_only=True))
    assert rows[1][:7] == (
        voucher.display_code,
        "A haircut",
        "王**",
        1,
        30,
        "已使用",
        datetime(2026, 11, 3, 9, 30),
    )
