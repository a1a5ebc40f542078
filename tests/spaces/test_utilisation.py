"""Utilisation: booked ÷ bookable hours per space, day-part and week, against the period before.

The worked week (Mon 2026-12-07 … Sun 12-13) of the activity room, open 08:00–21:00 daily
(13 h), closed on Wednesday for repairs: 6 × 13 = 78 bookable hours, split 24 h morning
(08–12), 30 h midday (12–17) and 24 h evening (17–21). Confirmed bookings count 19.5 h:
  Mon 11:00–13:00  1 h morning + 1 h midday (crosses a day-part boundary)
  Tue 17:00–21:00  4 h evening
  Thu 13:00–16:30  3.5 h midday
  Thu 17:00–21:00  4 h evening
  Sat 07:00–10:00  2 h morning (the hour before opening does not count)
  Sun 17:00–21:00  4 h evening
→ 25 %: morning 3/24 = 12.5 %, midday 4.5/30 = 15 %, evening 12/24 = 50 %.
What does not count: a confirmed booking on the closed Wednesday, and bookings that are
pending, cancelled, rejected, no-show, offered or lapsed.
The week before (Mon 11-30 … Sun 12-06, no closure, 91 h): Mon 17–21 evening and Tue 08–12
morning, 8 h → 8.8 %; evening 4/28 → 50 % is ×3 the evening use, midday use is new.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from points.extensions import db
from points.spaces import services as spaces
from points.spaces import utilisation
from points.spaces.models import DEFAULT_DAY_PARTS, Booking
from tests.conftest import api_token, csrf_token, sign_in
from tests.spaces.conftest import EVERY_DAY, SHANGHAI

MONDAY, SUNDAY = date(2026, 12, 7), date(2026, 12, 13)
CLOSED = date(2026, 12, 9)
PERIOD = {"from": "2026-12-07", "to": "2026-12-13"}


def local(day: int, month: int, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2026, month, day, hours, minutes, tzinfo=SHANGHAI)


@pytest.fixture
def worked_week(room, places, make_host):
    host = make_host()
    spaces.ensure_closure(
        community=places[0].name,
        space=room.code,
        starts_on=CLOSED,
        ends_on=CLOSED,
        reason_zh="设备检修",
    )
    made = [
        (7, 12, "11:00", "13:00", "confirmed"),
        (8, 12, "17:00", "21:00", "confirmed"),
        (10, 12, "13:00", "16:30", "confirmed"),
        (10, 12, "17:00", "21:00", "confirmed"),
        (12, 12, "07:00", "10:00", "confirmed"),
        (13, 12, "17:00", "21:00", "confirmed"),
        # not counted
        (9, 12, "18:00", "20:00", "confirmed"),  # the closed day
        (11, 12, "19:00", "21:00", "no_show"),
        (11, 12, "10:00", "11:00", "offered"),
        (12, 12, "12:00", "14:00", "cancelled"),
        (12, 12, "12:00", "14:00", "rejected"),
        (12, 12, "16:00", "17:00", "lapsed"),
        (13, 12, "09:00", "11:00", "pending"),
        # the week before
        (30, 11, "17:00", "21:00", "confirmed"),
        (1, 12, "08:00", "12:00", "confirmed"),
    ]
    for day, month, start, end, status in made:
        db.session.add(
            Booking(
                space_id=room.id,
                host_id=host.id,
                start_at=local(day, month, start),
                end_at=local(day, month, end),
                tier="free",
                title=f"活动 {day}/{month} {start}",
                status=status,
            )
        )
    db.session.commit()
    return room


def _parts(report) -> dict[str, tuple[float, float, float, float]]:
    return {
        part.name_en: (
            change.now.booked_hours,
            change.now.bookable_hours,
            change.before.booked_hours,
            change.before.bookable_hours,
        )
        for part, change in report.parts
    }


# ---------------------------------------------------------------------------- figures


def test_the_worked_week_gives_exact_percentages(worked_week, social_worker):
    report = utilisation.report(social_worker, MONDAY, SUNDAY)
    total = report.total
    assert (total.now.booked_hours, total.now.bookable_hours, total.now.rate) == (19.5, 78, 0.25)
    assert (total.before.booked_hours, total.before.bookable_hours) == (8, 91)
    assert _parts(report) == {
        "Morning": (3, 24, 4, 28),
        "Midday": (4.5, 30, 0, 35),
        "Evening": (12, 24, 4, 28),
    }
    rates = {part.name_en: change.now.rate for part, change in report.parts}
    assert rates == {"Morning": 0.125, "Midday": 0.15, "Evening": 0.5}
    evening = dict((p.name_en, c) for p, c in report.parts)["Evening"]
    assert (evening.use_ratio, evening.trend) == (3, "up")
    midday = dict((p.name_en, c) for p, c in report.parts)["Midday"]
    assert (midday.use_ratio, midday.trend) == (None, "new")
    assert report.space(worked_week.id) == total
    [(week, usage)] = report.now.weeks.items()
    assert (week.label, week.first, week.last, usage.rate) == ("2026-W50", MONDAY, SUNDAY, 0.25)
    assert [w.label for w in report.before.weeks] == ["2026-W49"]


def test_weeks_are_cut_to_the_period(worked_week, social_worker):
    report = utilisation.report(social_worker, "2026-12-10", "2026-12-16")
    weeks = [(w.label, w.first, w.last) for w in report.now.weeks]
    assert weeks == [
        ("2026-W50", date(2026, 12, 10), date(2026, 12, 13)),
        ("2026-W51", date(2026, 12, 14), date(2026, 12, 16)),
    ]
    first_week = report.now.weeks[next(iter(report.now.weeks))]
    # Thu–Sun: 4 × 13 h; Thu 7.5 h + Sat 2 h + Sun 4 h booked.
    assert (first_week.booked_hours, first_week.bookable_hours) == (13.5, 52)
    assert (report.before.first, report.before.last) == (date(2026, 12, 3), date(2026, 12, 9))


def test_open_intervals_agree_with_the_booking_rules(worked_week):
    """utilisation computes opening hours for a whole period at once; day by day they are
    what services.opening gives (which the booking rules use)."""
    closed = spaces.closures(worked_week, MONDAY, SUNDAY)
    for offset in range(7):
        day = date(2026, 12, 7 + offset)
        mine = [] if day in closed else utilisation.open_intervals(worked_week, day, SHANGHAI)
        assert mine == spaces.opening(worked_week, day)
    assert spaces.opening(worked_week, CLOSED) == []


def test_a_booking_is_split_across_each_spaces_own_day_parts():
    """Pure: day-parts are summed across spaces by name; open time a space's day-parts leave
    out is reported as such, and a space closed all period has no rate."""
    garden = SimpleNamespace(
        id=1,
        opening_hours={day: [["07:00", "18:00"]] for day in spaces.WEEKDAYS},
        day_parts=[
            {"name_zh": "清晨", "name_en": "Early morning", "start": "07:00", "end": "10:00"},
            {"name_zh": "上午", "name_en": "Morning", "start": "10:00", "end": "12:00"},
        ],
    )
    room = SimpleNamespace(id=2, opening_hours=EVERY_DAY, day_parts=DEFAULT_DAY_PARTS)
    shut = SimpleNamespace(id=3, opening_hours=EVERY_DAY, day_parts=DEFAULT_DAY_PARTS)
    day = date(2026, 12, 7)
    bookings = [
        (1, local(7, 12, "09:00"), local(7, 12, "13:00")),  # 1 early, 2 morning, 1 outside
        (2, local(7, 12, "11:30"), local(7, 12, "12:30")),  # 0.5 morning, 0.5 midday
    ]
    figures = utilisation.measure(
        [garden, room, shut], bookings, day, day, SHANGHAI, closed={3: [day]}
    )
    by_name = {p.name_zh: (u.booked_hours, u.bookable_hours) for p, u in figures.parts.items()}
    assert by_name == {
        "清晨": (1, 3),
        "上午": (2.5, 6),  # garden 10–12 and room 08–12
        "午间": (0.5, 5),
        "晚间": (0, 4),
        utilisation.OTHER: (1, 6),  # garden 12–18
    }
    # In the order of the day, by each name's earliest start (the room's 上午 starts at 00:00).
    assert list(by_name) == ["上午", "清晨", "午间", "晚间", utilisation.OTHER]
    assert figures.total == utilisation.Usage(booked=5 * 3600, bookable=24 * 3600)
    assert figures.spaces[3] == utilisation.Usage(0, 0) and figures.spaces[3].rate is None


@pytest.mark.parametrize(
    ("before", "now", "ratio", "trend"),
    [(0, 0, None, "none"), (0, 5, None, "new"), (5, 0, 0, "gone"), (4, 12, 3, "up"),
     (4, 2, 0.5, "down"), (3, 3, 1, "same")],
)  # fmt: skip
def test_the_comparison_is_safe_with_zeros(before, now, ratio, trend):
    change = utilisation.Change(utilisation.Usage(now, 10), utilisation.Usage(before, 10))
    assert (change.use_ratio, change.trend) == (ratio, trend)
    assert utilisation.Change(utilisation.Usage(0, 0), utilisation.Usage(0, 0)).now.rate is None


# ---------------------------------------------------------------------------- periods


def test_the_default_period_is_this_week_against_last_week():
    today = date(2026, 12, 10)  # a Thursday
    assert utilisation.period(today=today) == (MONDAY, SUNDAY)
    assert utilisation.previous(MONDAY, SUNDAY) == (date(2026, 11, 30), date(2026, 12, 6))
    assert utilisation.period("2026-12-07", None, today=today) == (MONDAY, SUNDAY)
    assert utilisation.period(None, "2026-12-13", today=today) == (MONDAY, SUNDAY)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=soon", "from"),
        ("from=2026-13-01", "from"),
        ("from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-12-01", "from"),  # full-width digits
        ("from=0001-01-01&to=0001-01-02", "from"),
        ("to=9999-12-31", "to"),
        ("from=2026-12-07&to=2026-12-06", "to"),
        ("from=2026-01-01&to=2027-01-02", "to"),
    ],
)
def test_bad_periods_are_field_errors(client, room, social_worker, query, field):
    answer = client.get(
        f"/api/v1/spaces/utilisation?{query}", headers=api_token(client, social_worker.phone)
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    sign_in(client, social_worker.phone)
    page = client.get(f"/spaces/utilisation?{query}")
    assert page.status_code == 422
    assert f'aria-describedby="period-{field}-error"' in page.get_data(as_text=True)


def test_a_year_is_the_longest_period(room, social_worker):
    first, last = utilisation.period("2024-01-01", "2024-12-31", today=MONDAY)  # 366 days
    assert (last - first).days == 365


# ---------------------------------------------------------------------------- API


def test_the_api_gives_the_same_figures(client, worked_week, social_worker):
    answer = client.get(
        "/api/v1/spaces/utilisation?from=2026-12-07&to=2026-12-13",
        headers=api_token(client, social_worker.phone),
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["from"], body["to"]) == ("2026-12-07", "2026-12-13")
    assert body["previous"] == {"from": "2026-11-30", "to": "2026-12-06"}
    assert body["total"]["utilisation"] == 0.25
    assert body["total"]["previous"] == {
        "booked_hours": 8.0,
        "bookable_hours": 91.0,
        "utilisation": 0.0879,
    }
    evening = next(p for p in body["day_parts"] if p["name_en"] == "Evening")
    assert (evening["utilisation"], evening["use_ratio"], evening["trend"]) == (0.5, 3.0, "up")
    [space] = body["spaces"]
    assert space["code"] == "yunxi-activity-room" and len(space["day_parts"]) == 3
    assert [(w["week"], w["period"]) for w in body["weeks"]] == [
        ("2026-W49", "previous"),
        ("2026-W50", "current"),
    ]


def test_only_staff_read_utilisation_and_each_sees_their_own_spaces(
    client, room, make_member, places, social_worker
):
    hall = spaces.ensure_space(
        code="binjiang-hall",
        community=places[1].name,
        name_zh="多功能厅",
        name_en="Hall",
        capacity=100,
        opening_hours=EVERY_DAY,
    )
    db.session.commit()
    volunteer = make_member(level="volunteer")
    admin = make_member(role="admin", community=None)
    url = "/api/v1/spaces/utilisation"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=api_token(client, volunteer.phone)).status_code == 403
    mine = client.get(url, headers=api_token(client, social_worker.phone)).get_json()
    assert [s["code"] for s in mine["spaces"]] == [room.code]
    every = client.get(url, headers=api_token(client, admin.phone)).get_json()
    assert sorted(s["code"] for s in every["spaces"]) == sorted([room.code, hall.code])

    assert client.get("/spaces/utilisation").status_code == 302  # to sign in
    sign_in(client, volunteer.phone)
    for path in ("/spaces/utilisation", "/spaces/utilisation.csv", "/spaces/utilisation.xlsx"):
        assert client.get(path).status_code == 403


# ---------------------------------------------------------------------------- page, exports


def _english(client):
    client.post("/language/en", data={"csrf_token": csrf_token(client), "next": "/"})


def test_the_page_reads_from_before_to_now_with_a_chart(client, worked_week, social_worker):
    sign_in(client, social_worker.phone)
    _english(client)
    page = client.get("/spaces/utilisation?from=2026-12-07&to=2026-12-13")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Utilisation from 8.8% to 25%" in html
    assert "Evening: from 14.3% to 50%; use ×3" in html
    assert "Midday: from 0% to 15%; use is new: none in the previous period" in html
    assert html.count("<svg") == 2 and '<title id="parts-chart-title">' in html
    # a week as a person reads it (第49周 11/30–12/6 in Chinese)
    assert '<desc id="weeks-chart-desc">Week 49 11/30–12/6: 8.8%; ' in html
    assert "19.5 of 78 bookable hours booked" in html
    assert "<script" not in html


def test_the_page_defaults_to_this_week(client, room, social_worker):
    sign_in(client, social_worker.phone)
    page = client.get("/spaces/utilisation")
    assert page.status_code == 200
    monday = utilisation.period(today=utilisation.local_today())[0]
    assert f'value="{monday.isoformat()}"' in page.get_data(as_text=True)


def test_csv_and_excel_carry_the_same_figures(client, worked_week, social_worker):
    sign_in(client, social_worker.phone)
    _english(client)
    answer = client.get("/spaces/utilisation.csv", query_string=PERIOD)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].endswith("utilisation-2026-12-07-2026-12-13.csv")
    assert answer.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "Section",
        "Name",
        "From",
        "To",
        "Booked hours",
        "Bookable hours",
        "Utilisation",
    ]
    assert rows[1] == [
        "All spaces",
        "",
        "2026-12-07",
        "2026-12-13",
        "19.5",
        "78.0",
        "25.0%",
        "8.0",
        "91.0",
        "8.8%",
        "2.44",
    ]
    evening = ["Day-part", "Evening", "2026-12-07", "2026-12-13", "12.0", "24.0", "50.0%"]
    assert rows[4][:7] == evening
    assert rows[-1][:7] == ["Week", "2026-W50", "2026-12-07", "2026-12-13", "19.5", "78.0", "25.0%"]

    excel = client.get("/spaces/utilisation.xlsx", query_string=PERIOD)
    assert excel.status_code == 200
    sheet = load_workbook(io.BytesIO(excel.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == rows[0]
    assert values[1][:7] == ["All spaces", None, datetime(2026, 12, 7), datetime(2026, 12, 13),
                             19.5, 78, 0.25]  # fmt: skip
    assert sheet["G2"].number_format == "0.0%"
    assert len(values) == len(rows)
    bad = client.get("/spaces/utilisation.csv?from=soon")
    assert bad.status_code == 422 and "<strong>from</strong>" in bad.get_data(as_text=True)


def test_exports_keep_formula_like_names_as_text(client, worked_week, social_worker):
    worked_week.name_en = '=HYPERLINK("http://x")'
    db.session.commit()
    sign_in(client, social_worker.phone)
    _english(client)
    answer = client.get("/spaces/utilisation.csv", query_string=PERIOD)
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert ["Space", '\'=HYPERLINK("http://x")'] == rows[5][:2]
    sheet = load_workbook(
        io.BytesIO(client.get("/spaces/utilisation.xlsx", query_string=PERIOD).data)
    ).active
    assert sheet["B6"].data_type == "s" and sheet["B6"].value.startswith("=HYPERLINK")
