"""The merchant's monthly statement as a file to download: CSV or an Excel workbook.

One line per voucher. Times are the community's wall-clock times without an offset (what a
spreadsheet shows best). The caller gives the column headings and the status names in the
reader's language, so this module holds no translations. Text that a spreadsheet would read as
a formula is kept as text in both formats (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from points import clock
from points.marketplace.models import Redemption
from points.marketplace.services import masked_name, month_statement, providers

COLUMNS = 9  # code, benefit, member, quantity, points, status, issued, confirmed, ended
WIDTHS = (14, 30, 10, 8, 8, 10, 17, 17, 17)
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    mimetype: str
    filename: str


def statement_file(
    provider_ids: list[int],
    month: str,
    fmt: str,
    *,
    locale: str,
    headings: Sequence[str],
    status_names: Mapping[str, str],
) -> ExportFile:
    """The vouchers of `month` (YYYY-MM) at these providers as a `fmt` ("csv"/"xlsx") file."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if len(headings) != COLUMNS:
        raise ValueError(f"give {COLUMNS} headings")
    _lines, vouchers = month_statement(provider_ids, month)
    rows = statement_rows(vouchers, locale=locale, status_names=status_names)
    data = to_csv(headings, rows) if fmt == "csv" else to_xlsx(headings, rows, sheet=month)
    return ExportFile(data, FORMATS[fmt], file_name(provider_ids, month, fmt))


def statement_rows(
    vouchers: Sequence[Redemption], *, locale: str, status_names: Mapping[str, str]
) -> list[list]:
    """One line per voucher; times are naive wall-clock times of the community."""
    local = clock.wall_clock
    return [
        [
            r.counter_code,
            r.benefit.title(locale),
            masked_name(r.member.name),
            r.quantity,
            r.points,
            str(status_names.get(r.shown_status, r.shown_status)),
            local(r.created_at),
            local(r.confirmed_at),
            local(r.ended_at),
        ]
        for r in vouchers
    ]


def file_name(provider_ids: list[int], month: str, extension: str) -> str:
    """`<merchant code>-<month>.<ext>` for one merchant, `vouchers-<month>.<ext>` for several."""
    codes = [p.code for p in providers() if p.id in provider_ids]
    prefix = codes[0] if len(codes) == 1 else "vouchers"
    return f"{prefix}-{month}.{extension}"


def inert(value):
    """A text cell starting like a formula is kept as text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(headings: Sequence[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, which tells Excel the file is UTF-8 (Chinese opens right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    for row in rows:
        writer.writerow(
            [
                "" if v is None else v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v
                for v in map(inert, row)
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(headings: Sequence[str], rows: list[list], *, sheet: str) -> bytes:
    """One sheet: bold headings frozen at the top, real date cells, formula-like text as text."""
    # Imported here, not at the top: openpyxl costs ~80 ms of every worker's start.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    page = book.active
    page.title = sheet
    page.append(list(headings))
    for cell in page[1]:
        cell.font = Font(bold=True)
    page.freeze_panes = "A2"
    for row in rows:
        page.append(row)
        for cell in page[page.max_row]:
            if cell.data_type == "f":  # text that looks like a formula stays text
                cell.data_type = "s"
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    for letter, width in zip("ABCDEFGHI", WIDTHS, strict=True):
        page.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
