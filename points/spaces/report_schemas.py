"""API shapes for the space reports: utilisation figures."""

from __future__ import annotations

from flask_babel import get_locale
from marshmallow import Schema, fields, pre_dump

from points.spaces.utilisation import Change, Report, Usage


def _locale() -> str:
    return str(get_locale() or "zh")


def usage_figures(usage: Usage) -> dict:
    """Hours to two decimals; utilisation as a fraction (0.85 = 85 %), null when closed."""
    return {
        "booked_hours": round(usage.booked_hours, 2),
        "bookable_hours": round(usage.bookable_hours, 2),
        "utilisation": None if usage.rate is None else round(usage.rate, 4),
    }


def change_figures(change: Change) -> dict:
    ratio = change.use_ratio
    return {
        **usage_figures(change.now),
        "previous": usage_figures(change.before),
        "use_ratio": None if ratio is None else round(ratio, 2),
        "trend": change.trend,
    }


class UtilisationQuery(Schema):
    """Both optional: see `utilisation.period`. Dates are checked there, so the page and the
    API refuse the same things with the same messages."""

    from_ = fields.String(
        data_key="from",
        load_default=None,
        metadata={"example": "2026-12-07", "description": "first local day; default Monday"},
    )
    to = fields.String(
        load_default=None,
        metadata={"example": "2026-12-13", "description": "last local day (at most a year on)"},
    )


class UsageOut(Schema):
    booked_hours = fields.Float()
    bookable_hours = fields.Float()
    utilisation = fields.Float(
        allow_none=True, metadata={"description": "booked ÷ bookable; null when never open"}
    )


class ChangeOut(UsageOut):
    previous = fields.Nested(UsageOut, metadata={"description": "the period before"})
    use_ratio = fields.Float(
        allow_none=True,
        metadata={"description": "booked hours now ÷ before (3 = tripled); null if none before"},
    )
    trend = fields.String(metadata={"enum": ["up", "down", "same", "new", "gone", "none"]})


class PartOut(ChangeOut):
    name = fields.String()
    name_zh = fields.String()
    name_en = fields.String()

    @pre_dump
    def _flatten(self, item, **kwargs):
        part, change = item
        return {
            "name": part.name(_locale()) or "other",
            "name_zh": part.name_zh,
            "name_en": part.name_en,
            **change_figures(change),
        }


class SpaceUsageOut(ChangeOut):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    day_parts = fields.List(fields.Nested(PartOut))

    @pre_dump
    def _flatten(self, item, **kwargs):
        space, change, parts = item
        return {
            "id": space.id,
            "code": space.code,
            "name": space.name(_locale()),
            "day_parts": parts,
            **change_figures(change),
        }


class WeekOut(UsageOut):
    week = fields.String(metadata={"example": "2026-W50"})
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    period = fields.String(metadata={"enum": ["current", "previous"]})

    @pre_dump
    def _flatten(self, item, **kwargs):
        week, usage, period = item
        return {
            "week": week.label,
            "from_": week.first,
            "to": week.last,
            "period": period,
            **usage_figures(usage),
        }


class PeriodOut(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class UtilisationOut(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    previous = fields.Nested(PeriodOut)
    total = fields.Nested(ChangeOut)
    spaces = fields.List(fields.Nested(SpaceUsageOut))
    day_parts = fields.List(fields.Nested(PartOut))
    weeks = fields.List(
        fields.Nested(WeekOut), metadata={"description": "the previous period's, then this one's"}
    )

    @pre_dump
    def _flatten(self, report: Report, **kwargs):
        return {
            "from_": report.now.first,
            "to": report.now.last,
            "previous": {"from_": report.before.first, "to": report.before.last},
            "total": change_figures(report.total),
            "spaces": [(s, report.space(s.id), report.space_parts(s.id)) for s in report.spaces],
            "day_parts": report.parts,
            "weeks": [(w, u, "previous") for w, u in report.before.weeks.items()]
            + [(w, u, "current") for w, u in report.now.weeks.items()],
        }
