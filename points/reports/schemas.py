"""API shapes for the reports: any area as figures (value, previous, change) and tables."""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import RAISE, Schema, fields, pre_dump

from points.reports.figures import AreaReport


class ReportQuery(Schema):
    """One of month, quarter or from/to (none: this month); community for admins. Checked by
    `reports.period.parse_period`, so pages and the API refuse the same things."""

    class Meta:
        unknown = RAISE

    month = fields.String(load_default=None, metadata={"example": "2026-11"})
    quarter = fields.String(load_default=None, metadata={"example": "2026-Q4"})
    from_ = fields.String(data_key="from", load_default=None,
                          metadata={"example": "2026-11-01", "description": "first local day"})
    to = fields.String(load_default=None,
                       metadata={"example": "2026-11-30", "description": "last local day"})
    community = fields.String(
        load_default=None,
        metadata={"description": "a community id (admins; default: the whole street)"},
    )


class ReportPeriodOut(Schema):
    first = fields.Date()
    last = fields.Date()
    label = fields.String()
    kind = fields.String(metadata={"description": "month, quarter or range"})


class ReportCommunityOut(Schema):
    id = fields.Integer()
    name = fields.String()


class ReportFigureOut(Schema):
    key = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True)
    previous = fields.Float(allow_none=True)
    change = fields.Float(allow_none=True)
    trend = fields.String(allow_none=True, metadata={"description": "up, down or same"})
    unit = fields.String(metadata={
        "description": "count, points, hours, days, ratio, stars (1–5) or fen (money: "
                       "integer fen, ¥1 = 100)"})


class ReportColumnOut(Schema):
    key = fields.String()
    label = fields.String()
    unit = fields.String(metadata={"description": "text, or a figure's unit (fen: money)"})


class ReportTableOut(Schema):
    key = fields.String()
    title = fields.String()
    columns = fields.List(fields.Nested(ReportColumnOut))
    rows = fields.List(fields.List(fields.Raw(allow_none=True)),
                       metadata={"description": "names are {zh, en}"})


class ReportAreaOut(Schema):
    area = fields.String()
    title = fields.String()
    period = fields.Nested(ReportPeriodOut)
    previous = fields.Nested(ReportPeriodOut)
    community = fields.Nested(ReportCommunityOut, allow_none=True,
                              metadata={"description": "null: the whole street"})
    figures = fields.List(fields.Nested(ReportFigureOut))
    tables = fields.List(fields.Nested(ReportTableOut))
    warnings = fields.List(fields.String())

    @pre_dump
    def _shape(self, report: AreaReport, **kwargs) -> dict:
        ctx = report.context
        return {
            "area": report.area,
            "title": gettext(report.title),
            "period": ctx.period,
            "previous": ctx.previous,
            "community": ctx.scope.community,
            "figures": [
                {"key": f.key, "label": gettext(f.label), "value": f.value,
                 "previous": f.previous, "change": f.change, "trend": f.trend, "unit": f.unit}
                for f in report.figures
            ],
            "tables": [
                {"key": t.key, "title": gettext(t.title),
                 "columns": [{"key": c.key, "label": gettext(c.label), "unit": c.unit}
                             for c in t.columns],
                 "rows": t.rows}
                for t in report.tables
            ],
            "warnings": [gettext(w, **report.warning_args) for w in report.warnings],
        }


class ReportAreaListOut(Schema):
    code = fields.String()
    title = fields.String()
