"""The public fund page's tables as files: CSV (one table) or an Excel workbook (all four).

Amounts are yuan with two decimals, as numbers (Excel shows them as ¥1,234.56). The caller
gives the headings and the names of sources, tiers and states in the reader's language, so
this module holds no translations. Text that a spreadsheet would read as a formula is kept as
text (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from points import clock
from points.fund.transparency import Transparency

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TABLES = ("income", "grants", "sponsors", "programmes")
MONEY_FORMAT = '"¥"#,##0.00'


def yuan_number(fen: int) -> Decimal:
    return Decimal(fen) / 100


def _day(moment) -> str:
    return "" if moment is None else f"{clock.local(moment):%Y-%m-%d}"


def rows(page: Transparency, table: str, name: Callable[[str, str | None], str]) -> list[list]:
    """The lines of one table; `name(kind, code)` gives a source, tier or status its name."""
    if table == "income":
        return [
            [
                line.month,
                name("source", line.source),
                name("tier", line.tier),
                line.entries,
                yuan_number(line.amount),
                yuan_number(line.share),
                name("line", "reversal" if line.reversal else "income"),
            ]
            for line in page.income
        ]
    if table == "grants":
        return [
            [
                g.id,
                g.purpose,
                g.project,
                yuan_number(g.amount),
                name("status", g.status),
                _day(g.requested_on),
                g.approvals,
                _day(g.payable_from),
                _day(g.paid_at),
                g.reason,
            ]
            for g in page.grants
        ]
    if table == "programmes":
        # An average shown only from enough ratings, as on the page (blank below).
        return [
            [
                p.name,
                name("tier", p.tier),
                yuan_number(p.fee_fen),
                p.ratings,
                "" if p.average is None else p.average,
            ]
            for p in page.programmes
        ]
    return [[s.month, s.name, yuan_number(s.amount)] for s in page.sponsors]


MONEY_COLUMNS = {"income": (4, 5), "grants": (3,), "sponsors": (2,), "programmes": (2,)}


def _safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(headings: Sequence[str], lines: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    for line in lines:
        writer.writerow([f"{v:.2f}" if isinstance(v, Decimal) else _safe(v) for v in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8


def to_xlsx(sheets: Mapping[str, tuple[str, Sequence[str], list[list]]]) -> bytes:
    """One sheet per table: {table: (sheet title, headings, lines)}."""
    # Imported here, not at the top: openpyxl costs ~80 ms of every worker's start.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table, (title, headings, lines) in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(list(headings))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in lines:
            sheet.append([_safe(v) for v in line])
        for column in MONEY_COLUMNS[table]:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = MONEY_FORMAT
        for i, _heading in enumerate(headings):
            sheet.column_dimensions[chr(ord("A") + i)].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
