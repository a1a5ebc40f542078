"""Each area's figures against the hand-worked history in conftest.py (November 2026 against
October): the expected numbers are written out, with why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from points.errors import Forbidden, InvalidInput, NotFound
from points.reports import services as reports

NOV = {"month": "2026-11"}
LATER = datetime(2026, 12, 2, 4, tzinfo=UTC)
ELDER, PATROL = "Elder care", "Grid patrol and hazard handling"


def area(actor, code, now=LATER, **asked):
    return reports.area_report(reports.context(actor, now=now, **(asked or NOV)), code)


def values(report, key):
    f = report.figure(key)
    return f.value, f.previous, f.change


def test_points_economy_of_one_community(history):
    report = area(history.sw, "economy")
    # 16 + 6 (v1) + 8 (v2, reversed later but issued) in November; 8 in October.
    assert values(report, "issued") == (30, 8, 22)
    assert values(report, "redeemed") == (10, 0, 10)  # one haircut confirmed
    assert values(report, "voided") == (10, 0, 10)  # the cancelled voucher's points came back
    assert values(report, "lapsed") == (0, 0, 0)
    assert values(report, "reversed") == (8, 0, 8)  # v2's claim
    # v1: 8 + 16 + 6 − 10 = 20; v2: 8 − 8 = 0. End of October: v1's 8.
    assert values(report, "outstanding") == (20, 8, 12)
    assert report.figure("supply").value == 40  # 4 haircuts left × 10
    assert report.figure("coverage").value == 2.0  # 40 ÷ 20
    assert report.figure("top_share").value == 1.0  # one holder holds it all
    assert report.figure("holders").value == 1
    assert report.figure("dormant").value == 0  # v1 moved on Nov 12
    assert not report.warnings
    by_category = {(row[0]["en"], row[1]): row[2]
                   for row in report.table("issued_by_category").rows}
    # elder care: v1's 16 and v2's 8; grid patrol: v1's two visits
    assert by_category == {(ELDER, "2026-11"): 24, (PATROL, "2026-11"): 6}
    assert report.table("redeemed_by_provider").rows == [
        [{"zh": "云溪老街理发店", "en": "Yunxi Barber"}, 1, 10]
    ]
    reconciliation = {row[0]["en"]: row[1:] for row in report.table("reconciliation").rows}
    # every cached balance sums to zero; nothing is held (the cancelled voucher let go)
    assert reconciliation["Sum of every cached balance (points)"] == [0, 0]
    assert reconciliation["Held on accounts = pending holds"] == [0, 0]


def test_balances_untouched_for_ninety_days_are_dormant(history):
    report = area(history.sw, "economy", now=datetime(2027, 3, 1, tzinfo=UTC))
    # v1's last posting is Nov 12: 109 days before March 1.
    assert report.figure("dormant").value == 1
    assert report.figure("dormant_points").value == 20


def test_coverage_below_the_set_level_warns(history, app):
    app.config["REPORTS_COVERAGE_WARNING"] = 3.0  # 2.0 is below it
    report = area(history.sw, "economy")
    assert any("covers less" in w for w in report.warnings)


def test_the_street_counts_every_community(history):
    report = area(history.admin, "economy")
    assert report.figure("issued").value == 46  # 30 in A + b1's 16 in B
    only_b = area(history.admin, "economy", month="2026-11", community_id=str(history.b.id))
    assert only_b.figure("issued").value == 16


def test_people(history):
    report = area(history.sw, "people")
    # End of November: 李社工, 张店长, v1, v2, r1 (r1 registered Nov 15); October: four.
    assert values(report, "members") == (5, 4, 1)
    # v1 and v2 (v2 from Nov 3); in October only v1.
    assert values(report, "certified") == (2, 1, 1)
    # November: v1's approved claims (v2's was reversed); October: v1 again.
    assert values(report, "active") == (1, 1, 0)
    assert values(report, "hours") == (2.0, 1.0, 1.0)  # visits count no hours
    levels = report.table("levels_by_month").rows
    assert levels == [["2026-11", 3, 2, 0, 0]]  # residents 李社工, 张店长, r1; v1, v2
    funnel = {row[0]: row[1] for row in report.table("funnel").rows}
    assert funnel["Registered"] == 5 and funnel["Became volunteers"] == 2
    assert funnel["Applied to host"] == 0


def test_merchants(history):
    report = area(history.sw, "merchants")
    assert values(report, "issued") == (2, 0, 2)  # two vouchers held in November
    assert values(report, "confirmed") == (1, 0, 1)
    assert values(report, "points") == (10, 0, 10)
    assert report.table("by_provider").rows == [
        [{"zh": "云溪老街理发店", "en": "Yunxi Barber"}, 2, 1, 0, 10]
    ]


def test_spaces_area_is_the_utilisation_reports_figure(history):
    from points.spaces import utilisation

    report = area(history.admin, "spaces")
    same = utilisation.report(history.admin, "2026-11-01", "2026-11-30").total.now
    assert report.figure("utilisation").value == (None if same.rate is None
                                                  else round(same.rate, 4))


def test_a_quarter_compares_with_the_quarter_before(history):
    report = area(history.sw, "economy", quarter="2026-Q4")
    assert report.context.previous.label == "2026-Q3"
    assert values(report, "issued") == (38, 0, 38)  # October's 8 and November's 30


def test_a_range_compares_with_as_many_days_before(history):
    report = area(history.sw, "economy", first="2026-11-01", last="2026-11-10")
    assert (report.context.previous.first.isoformat(),
            report.context.previous.last.isoformat()) == ("2026-10-22", "2026-10-31")
    assert values(report, "issued") == (30, 0, 30)


def test_a_social_worker_reads_only_their_community(history):
    with pytest.raises(NotFound):
        reports.context(history.sw, community_id=str(history.b.id))
    with pytest.raises(Forbidden):
        reports.context(history.v1)


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "November"}, "month"),
        ({"quarter": "2026-Q5"}, "quarter"),
        ({"first": "2026-11-31"}, "from"),
        ({"first": "2026-11-10", "last": "2026-11-01"}, "to"),
        ({"first": "2025-01-01", "last": "2026-11-01"}, "to"),
    ],
)
def test_a_wrong_period_names_its_field(history, asked, field):
    with pytest.raises(InvalidInput) as refused:
        reports.context(history.sw, **asked)
    assert field in refused.value.errors
