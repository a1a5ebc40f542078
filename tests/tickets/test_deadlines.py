"""Deadlines in working days (weekends and the community's closed days do not count), and
what the sweep does with them: overdue, escalated to the street (督办), closed unconfirmed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from points import housekeeping
from points.extensions import db
from points.notifications.models import Notification
from points.spaces import services as spaces
from points.tickets import calendar
from points.tickets import services as tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
# December 2026: the 4th is a Friday, the 5th and 6th a weekend.
FRIDAY_3PM = datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


# ---------------------------------------------------------------------------- pure rule


def test_a_day_after_friday_afternoon_is_monday_afternoon():
    due = calendar.add_working_days(FRIDAY_3PM, 1, set(), SHANGHAI)
    assert due == datetime(2026, 12, 7, 15, 0, tzinfo=SHANGHAI)


def test_a_weekend_report_counts_from_monday_morning():
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
    assert calendar.add_working_days(saturday, 1, set(), SHANGHAI) == datetime(
        2026, 12, 8, 0, 0, tzinfo=SHANGHAI
    )


def test_closed_days_are_skipped_like_weekends():
    closed = {date(2026, 12, 7), date(2026, 12, 8)}  # Monday and Tuesday
    due = calendar.add_working_days(FRIDAY_3PM, 2, closed, SHANGHAI)
    assert due == datetime(2026, 12, 10, 15, 0, tzinfo=SHANGHAI)  # Thursday


def test_zero_days_is_now_on_a_working_day_and_negative_is_refused():
    assert calendar.add_working_days(FRIDAY_3PM, 0, set(), SHANGHAI) == FRIDAY_3PM
    with pytest.raises(ValueError):
        calendar.add_working_days(FRIDAY_3PM, -1, set(), SHANGHAI)


# ---------------------------------------------------------------------------- on tickets


def test_a_report_on_friday_is_due_for_triage_on_monday_and_a_closed_monday_moves_it(
    report, places
):
    ticket = report(now=FRIDAY_3PM)
    assert local(ticket.due_at) == datetime(2026, 12, 7, 15, 0, tzinfo=SHANGHAI)
    # hazard-general: 2 more working days before 督办.
    assert local(ticket.escalate_at) == datetime(2026, 12, 9, 15, 0, tzinfo=SHANGHAI)

    spaces.ensure_closure(community="云溪社区", starts_on="2026-12-07", ends_on="2026-12-07",
                          reason_zh="社区活动日闭馆")
    db.session.commit()
    later = report(now=FRIDAY_3PM)
    assert local(later.due_at) == datetime(2026, 12, 8, 15, 0, tzinfo=SHANGHAI)


def test_each_stage_starts_its_own_clock(report, grid_worker, city_staff):
    ticket = report("hazard-general", now=FRIDAY_3PM)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id],
                     now=monday)
    assert (ticket.stage, local(ticket.due_at)) == ("accept", monday + timedelta(days=1))
    tickets.accept(ticket, actor=city_staff, now=monday + timedelta(hours=2))
    # hazard-general: 5 working days to handle, from Monday 11:00 → next Monday 11:00.
    assert (ticket.stage, local(ticket.due_at)) == (
        "handle", datetime(2026, 12, 14, 11, 0, tzinfo=SHANGHAI))


def told(kind: str) -> list[int]:
    return list(db.session.scalars(sa.select(Notification.member_id).filter_by(kind=kind)))


def test_the_sweep_marks_overdue_then_escalates_naming_the_unit(
    report, grid_worker, city_staff, make_member
):
    admin = make_member("13900000006", role="admin", name="周站长")
    ticket = report(now=FRIDAY_3PM)
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id],
                     now=FRIDAY_3PM + timedelta(hours=1))
    db.session.commit()
    # Due to be accepted Monday 16:00; escalated two working days later, Wednesday 16:00.
    tuesday = datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    done = housekeeping.sweep(now=tuesday)
    db.session.commit()
    assert (done["tickets_overdue"], done["tickets_escalated"]) == (1, 0)
    assert ticket.overdue_at is not None and ticket.escalated_at is None
    assert city_staff.id in told("ticket.overdue")
    again = housekeeping.sweep(now=tuesday + timedelta(hours=1))
    assert again["tickets_overdue"] == 0  # marked once
    thursday = datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
    done = housekeeping.sweep(now=thursday)
    db.session.commit()
    assert done["tickets_escalated"] == 1
    assert told("ticket.escalated") == [admin.id]
    assert tickets.holder(ticket) == "城管中队"
    lateness = tickets.overdue_by_unit(admin)
    assert [(r.unit.code, r.overdue, r.escalated) for r in lateness] == [
        ("city-management", 1, 1)]
    assert tickets.overdue(admin) == [ticket]


def test_accepting_late_stops_the_overdue_mark_for_the_new_stage(
    report, grid_worker, city_staff
):
    ticket = report(now=FRIDAY_3PM)
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id],
                     now=FRIDAY_3PM)
    tuesday = datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    housekeeping.sweep(now=tuesday)
    assert ticket.overdue_at is not None
    tickets.accept(ticket, actor=city_staff, now=tuesday)
    assert ticket.overdue_at is None and ticket.stage == "handle"


def test_a_fix_nobody_answers_closes_unconfirmed_after_a_week_and_counts_as_fixed(
    report, reporter, grid_worker, city_staff, photo
):
    ticket = report(now=FRIDAY_3PM)
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id],
                     now=FRIDAY_3PM)
    tickets.accept(ticket, actor=city_staff, now=FRIDAY_3PM)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理",
                   photos=[photo(city_staff)], now=FRIDAY_3PM + timedelta(hours=2))
    db.session.commit()
    assert housekeeping.sweep(now=FRIDAY_3PM + timedelta(days=6))["tickets_unconfirmed"] == 0
    assert housekeeping.sweep(now=FRIDAY_3PM + timedelta(days=7, hours=3))[
        "tickets_unconfirmed"] == 1
    db.session.commit()
    assert (ticket.state, ticket.confirmation, ticket.fixed) == ("closed", "unconfirmed", True)
    # The reporter can still rate it afterwards (回访).
    tickets.rate(ticket, member=reporter, rating=4)
    assert ticket.rating == 4
