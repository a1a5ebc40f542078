"""The tickets area against a hand-counted set of tickets (rows written as years of use
leave them, as the tickets bench does: the workflow's own tests are in tests/tickets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from points.extensions import db
from points.members.models import Grid
from points.reports import services as reports
from points.tickets.models import Ticket, TicketCategory


def _ticket(category, grid, reporter, created, state, outcome=None, days=None, rating=None):
    return {
        "kind": "report", "category_id": category.id, "community_id": grid.community_id,
        "grid_id": grid.id, "reporter_id": reporter.id, "description": "楼道堆物",
        "spot": "", "state": state, "outcome": outcome, "created_at": created,
        "handled_at": created + timedelta(days=days) if days is not None else None,
        "closed_at": created + timedelta(days=days) if days is not None else None,
        "rating": rating, "published": False, "reopened": 0, "outcome_note": "",
        "rating_comment": "",
    }


def test_tickets_reported_fixed_and_days_to_fix(history):
    category = TicketCategory(code="hazard-corridor", kind="report", name_zh="楼道堆物",
                              name_en="Things left in a stairwell")
    db.session.add(category)
    db.session.flush()
    grid = db.session.scalars(sa.select(Grid).filter_by(community_id=history.a.id)).first()
    other = db.session.scalars(sa.select(Grid).filter_by(community_id=history.b.id)).first()
    nov, octo = datetime(2026, 11, 5, 4, tzinfo=UTC), datetime(2026, 10, 5, 4, tzinfo=UTC)
    rows = [
        _ticket(category, grid, history.v1, nov, "closed", "fixed", days=1, rating=5),
        _ticket(category, grid, history.v1, nov, "closed", "fixed", days=2, rating=4),
        _ticket(category, grid, history.v1, nov, "closed", "fixed", days=6, rating=2),
        _ticket(category, grid, history.v1, nov, "closed", "not_ours", days=1),
        _ticket(category, grid, history.v1, nov, "dispatched"),
        _ticket(category, grid, history.v1, octo, "closed", "fixed", days=3),
        _ticket(category, other, history.b1, nov, "closed", "fixed", days=9),  # B: not A's
    ]
    db.session.execute(sa.insert(Ticket), rows)
    db.session.commit()
    report = reports.area_report(reports.context(history.sw, month="2026-11"), "tickets")
    figure = {f.key: (f.value, f.previous) for f in report.figures}
    assert figure["reported"] == (5, 1)  # five in November in A; one in October
    assert figure["fixed"] == (3, 1)
    assert figure["closed_not_fixed"] == (1, 0)  # closed is not fixed
    assert figure["open"] == (1, 0)
    assert figure["median_days"] == (2.0, 3.0)  # of 1, 2 and 6 days; October's one took 3
    assert figure["satisfied"] == (0.6667, None)  # 5 and 4 of three ratings; none in October
    [line] = report.table("by_category").rows
    assert line[1:] == [5, 3, 1, 1]
    street = reports.area_report(reports.context(history.admin, month="2026-11"), "tickets")
    assert street.figure("fixed").value == 4  # B's fix counts for the street
