"""Reports over the API: every area's figures for staff, the numbers the pages show."""

from __future__ import annotations

from flask_babel import gettext

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.members import services as members
from points.reports import services as reports
from points.reports.areas import AREAS
from points.reports.schemas import ReportAreaListOut, ReportAreaOut, ReportQuery

blp = Blueprint("reports_api", __name__, description="Reports for the community")


@blp.get("/reports")
@refuses(blp, 403)
@blp.response(200, ReportAreaListOut(many=True))
def report_areas():
    """Staff: the report areas there are."""
    members.require_staff(current_member())
    return [{"code": a.code, "title": gettext(a.title)} for a in AREAS.values()]


@blp.get("/reports/<area>")
@refuses(blp, 403, 422)
@blp.arguments(ReportQuery, location="query")
@blp.response(200, ReportAreaOut)
def report_area(query, area: str):
    """Staff: one area's figures (this period, the previous one, the change) and tables for
    a month, a quarter or a from–to range (default: this month). A social worker reads
    their own community (another is 404); an admin any community or, without one, the
    whole street."""
    ctx = reports.context(
        current_member(),
        community_id=query["community"],
        month=query["month"],
        quarter=query["quarter"],
        first=query["from_"],
        last=query["to"],
    )
    return reports.area_report(ctx, area)
