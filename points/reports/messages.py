"""What the reports refuse: a period that cannot be read, a community outside the reader's
scope. Shared checks (a community, a date) are in `points.messages`."""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text

MONTH = Text(
    "reports.month",
    "must be a month like 2026-11",
    N_("Enter a month like 2026-11."),
)
QUARTER = Text(
    "reports.quarter",
    "must be a quarter like 2026-Q4",
    N_("Enter a quarter like 2026-Q4."),
)
DATE = Text(
    "reports.date",
    "must be a date like 2026-11-01",
    N_("Enter a date like 2026-11-01."),
)
OUT_OF_RANGE = Text(
    "reports.out_of_range",
    "must be between 2000 and 2100",
    N_("Choose a date between 2000 and 2100."),
)
ENDS_BEFORE_START = Text(
    "reports.ends_before_start",
    "must not be before the start",
    N_("The end must not be before the start."),
)
TOO_LONG = Text(
    "reports.too_long",
    "the period may be at most {n} days",
    N_("Choose a period of at most %(n)s days."),
)
ONE_PERIOD = Text(
    "reports.one_period",
    "give a month, a quarter or from–to, not more than one",
    N_("Choose a month, a quarter or a from–to range, only one of them."),
)
NO_SUCH_AREA = Text(
    "reports.no_such_area",
    "no such report area",
    N_("There is no such report."),
)
NO_COMMUNITY = Text(
    "reports.no_community",
    "you belong to no community, so there is nothing to report",
    N_("You are not assigned to a community, so there is no report to show."),
)
NOT_A_COMMUNITY = shared.NOT_A_COMMUNITY
