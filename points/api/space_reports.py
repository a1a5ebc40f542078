"""Reports on shared space over the API: utilisation for staff."""

from __future__ import annotations

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.spaces import utilisation
from points.spaces.report_schemas import UtilisationOut, UtilisationQuery

blp = Blueprint("space_reports_api", __name__, description="Reports on shared space")


@blp.get("/spaces/utilisation")
@refuses(blp, 403)
@blp.arguments(UtilisationQuery, location="query")
@blp.response(200, UtilisationOut)
def space_utilisation(query):
    """Staff: booked ÷ bookable hours per space, day-part and week, against the period
    before. Default: this local week (Monday to Sunday); at most 366 days."""
    return utilisation.report(current_member(), query["from_"], query["to"])
