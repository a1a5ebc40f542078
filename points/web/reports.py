"""Reports for the community (/reports): one page per area with server-drawn bars and the
same numbers in tables, a period picker (and a community picker for admins), an Excel
workbook (one sheet per area) and a CSV per table, the printable monthly summary
(月度治理报告) and the public summary of a community (no sign-in, small counts masked)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TYPE_CHECKING

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from points import clock
from points.errors import InvalidInput
from points.fund.export import MONEY_FORMAT
from points.money import yuan
from points.reports import scope as report_scope
from points.reports import services as reports
from points.reports.areas import AREAS
from points.reports.figures import AreaReport, Figure, Table, public_count
from points.web.labels import locale
from points.web.messages import translate_error
from points.web.staff import staff_required

if TYPE_CHECKING:
    import openpyxl

bp = Blueprint("reports", __name__)

CURRENT = "#b3261e"
PERIOD_FIELDS = ("month", "quarter", "from", "to")
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------- words


def name(value) -> str:
    """A row's name: {"zh", "en"} in the reader's language, a transfer kind, or text."""
    if isinstance(value, dict):
        return value["en"] if locale().startswith("en") else value["zh"]
    return "" if value is None else str(value)


def number(value, unit: str = "count") -> str:
    """1,234 points · 85% · 12.5 h · 3.2 days · ×3 · ¥1,234.50 (fen) · 4.5 stars; a dash
    for no value."""
    if value is None:
        return "—"
    if isinstance(value, dict | str):
        return name(value)
    if unit == "ratio":
        return f"{value * 100:.1f}".removesuffix(".0") + "%"
    if unit == "ratio_x":
        return "×" + f"{value:.2f}".rstrip("0").rstrip(".")
    if unit in ("hours", "days"):
        return f"{value:,.1f}".removesuffix(".0")
    if unit == "fen":
        return yuan(value)
    if unit == "stars":
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def change(figure: Figure) -> str:
    """+12 / −3 / +5 percentage points; a dash when there is nothing to compare."""
    if figure.change is None:
        return "—"
    sign = "+" if figure.change > 0 else "−" if figure.change < 0 else "±"
    amount = abs(figure.change)
    if figure.unit == "ratio":
        return _("%(sign)s%(n)s points", sign=sign, n=f"{amount * 100:.1f}".removesuffix(".0"))
    return sign + number(amount, figure.unit)


ARROWS = {"up": "↑", "down": "↓", "same": "→", None: ""}


def chart(table: Table) -> dict | None:
    """The table's bar column as bars scaled to its largest value (not to 100 %)."""
    if table.bar is None or not table.rows:
        return None
    index = table.column(table.bar)
    unit = table.columns[index].unit
    values = [row[index] or 0 for row in table.rows]
    top = max(values) or 1
    scale = 1 if unit == "ratio" and top <= 1 else top
    rows = []
    for row, value in zip(table.rows, values, strict=True):
        label = name(row[0])
        if table.key == "issued_by_category":
            label = f"{row[1]} {label}"
        elif table.key == "income_by_source":  # a source comes in more than one tier
            label = f"{label} · {name(row[1])}"
        rows.append({"label": label, "bars": [
            {"value": value / scale, "text": number(row[index], unit), "colour": CURRENT}]})
    return {
        "title": _(table.title),
        "desc": "; ".join(f"{r['label']}: {r['bars'][0]['text']}" for r in rows) + ".",
        "rows": rows,
        "legend": False,
    }


# ---------------------------------------------------------------------------- reading


def _asked() -> dict:
    return {
        "community_id": request.args.get("community") or None,
        "month": request.args.get("month") or None,
        "quarter": request.args.get("quarter") or None,
        "first": request.args.get("from") or None,
        "last": request.args.get("to") or None,
    }


def _errors(error: InvalidInput) -> dict[str, list[str]]:
    return {f: [translate_error(m) for m in ms] for f, ms in error.errors.items()}


def _picker(ctx=None, errors=None) -> dict:
    """What the period and community picker shows."""
    today = clock.today()
    return {
        "values": {f: request.args.get(f, "") for f in PERIOD_FIELDS + ("community",)},
        "errors": errors or {},
        "communities": report_scope.choices(current_user),
        "month": f"{today:%Y-%m}",
        "ctx": ctx,
    }


def _query(ctx) -> dict:
    query = dict(ctx.period.query())
    if ctx.scope.community is not None and current_user.has_role("admin"):
        query["community"] = ctx.scope.community.id
    return query


def _words() -> dict:
    return {"name": name, "number": number, "change": change, "arrows": ARROWS, "chart": chart}


@bp.get("/reports")
@staff_required
def index():
    try:
        ctx = reports.context(current_user, **_asked())
    except InvalidInput as error:
        return render_template("reports/index.html", areas=AREAS, pick=_picker(
            errors=_errors(error)), ctx=None, query={}, **_words()), 422
    return render_template(
        "reports/index.html", areas=AREAS, ctx=ctx, pick=_picker(ctx), query=_query(ctx),
        **_words()
    )


@bp.get("/reports/<area>")
@staff_required
def area_page(area: str):
    if area not in AREAS:
        abort(404)
    try:
        ctx = reports.context(current_user, **_asked())
    except InvalidInput as error:
        return render_template("reports/area.html", report=None, areas=AREAS, area=area,
                               pick=_picker(errors=_errors(error)), query={},
                               **_words()), 422
    report = reports.area_report(ctx, area)
    return render_template(
        "reports/area.html", report=report, areas=AREAS, area=area, pick=_picker(ctx),
        query=_query(ctx), **_words()
    )


# ---------------------------------------------------------------------------- exports


def cell(value, unit: str = "count"):
    """A value as a spreadsheet cell: names in the reader's language, numbers as numbers
    (money in yuan); text that starts like a formula is kept as text (CSV injection)."""
    if unit == "fen" and isinstance(value, int):
        return (Decimal(value) / 100).quantize(CENT)
    if isinstance(value, dict):
        value = name(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def figure_rows(report: AreaReport) -> list[list]:
    return [[_(f.label), cell(f.value, f.unit), cell(f.previous, f.unit), cell(f.change, f.unit)]
            for f in report.figures]


def table_rows(table: Table) -> list[list]:
    return [[cell(v, c.unit) for v, c in zip(row, table.columns, strict=True)]
            for row in table.rows]


def figure_headers() -> list[str]:
    return [_("Figure"), _("This period"), _("Previous period"),
            _("Change on the previous period")]


def _download(data: bytes, mimetype: str, filename: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=filename)


@bp.get("/reports/<area>/<table>.csv")
@staff_required
def table_csv(area: str, table: str):
    """One table of an area ("figures": its headline figures) as CSV."""
    if area not in AREAS:
        abort(404)
    ctx = reports.context(current_user, **_asked())
    report = reports.area_report(ctx, area)
    if table == "figures":
        headers, rows = figure_headers(), figure_rows(report)
    else:
        found = next((t for t in report.tables if t.key == table), None)
        if found is None:
            abort(404)
        headers, rows = [_(c.label) for c in found.columns], table_rows(found)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel reads it as UTF-8
    return _download(data, "text/csv", f"{area}-{table}-{ctx.period.label}.csv")


def workbook(reports_: list[AreaReport]) -> openpyxl.Workbook:
    """One sheet per area: its figures, then each table under its title."""
    # Imported here, not at the top: openpyxl costs ~80 ms of every worker's start.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for report in reports_:
        sheet = book.create_sheet(_(report.title)[:31])
        sheet.append([_(report.title), report.context.period.label])
        sheet.append(figure_headers())
        for c in sheet[sheet.max_row]:
            c.font = Font(bold=True)
        for row, figure in zip(figure_rows(report), report.figures, strict=True):
            sheet.append(row)
            if figure.unit == "fen":
                for c in sheet[sheet.max_row][1:]:
                    c.number_format = MONEY_FORMAT
        for table in report.tables:
            sheet.append([])
            sheet.append([_(table.title)])
            sheet[sheet.max_row][0].font = Font(bold=True)
            sheet.append([_(c.label) for c in table.columns])
            for row in table_rows(table):
                sheet.append(row)
                for c, column in zip(sheet[sheet.max_row], table.columns, strict=False):
                    if c.data_type == "f":
                        c.data_type = "s"
                    if column.unit == "fen":
                        c.number_format = MONEY_FORMAT
        sheet.column_dimensions["A"].width = 36
    return book


@bp.get("/reports.xlsx")
@staff_required
def workbook_xlsx():
    ctx = reports.context(current_user, **_asked())
    out = io.BytesIO()
    workbook(reports.all_areas(ctx)).save(out)
    return _download(
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"reports-{ctx.period.label}.xlsx",
    )


# ---------------------------------------------------------------------------- summaries


@bp.get("/reports/monthly")
@staff_required
def monthly():
    """The printable monthly summary: one A4 page of headline figures with their trend."""
    try:
        ctx, found, headlines = reports.monthly(
            current_user, request.args.get("month"), community_id=request.args.get("community")
        )
    except InvalidInput as error:
        return render_template("reports/monthly.html", ctx=None, headlines=[], warnings=[],
                               pick=_picker(errors=_errors(error)), **_words()), 422
    warnings = [(r, w) for r in found for w in r.warnings]
    return render_template("reports/monthly.html", ctx=ctx, headlines=headlines,
                           warnings=warnings, pick=_picker(ctx), **_words())


@bp.get("/public/communities/<community_id>/summary")
def public_summary(community_id: str):
    """No sign-in: a community's aggregate figures for a month, every count under five
    shown as "< 5"."""
    try:
        ctx, areas = reports.public_summary(community_id, request.args.get("month"))
    except InvalidInput as error:
        return render_template("reports/public.html", ctx=None, areas=[],
                               errors=_errors(error), shown=shown, **_words()), 422
    return render_template("reports/public.html", ctx=ctx, areas=areas, errors={},
                           shown=shown, **_words())


def shown(figure: Figure, value) -> str:
    """A public figure: counts through `public_count` (figures that could reveal fewer than
    five people, such as a median or a share of ratings, are not marked public)."""
    if figure.unit == "count":
        return public_count(value)
    return number(value, figure.unit)

