"""The three-colour rating, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from points.members.assessment import (
    Finding,
    Inputs,
    Thresholds,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    rate,
)

T = Thresholds()
GOOD = Inputs(
    service_hours=40, programmes_held=8, bookings_used=10, no_shows=0, rating=4.8, complaints=0
)


def test_a_strong_quarter_is_green_with_no_reasons():
    rating = rate(GOOD, T)
    assert (rating.colour, rating.reasons) == ("green", ())


def test_one_weak_input_is_yellow_and_named():
    rating = rate(Inputs(**{**GOOD.__dict__, "programmes_held": 4}), T)
    assert rating.colour == "yellow"
    assert [(f.code, f.value, f.colour) for f in rating.reasons] == [
        ("programmes_held", 4, "yellow")
    ]


def test_two_yellows_or_one_red_make_red():
    two_yellows = Inputs(**{**GOOD.__dict__, "programmes_held": 4, "rating": 4.2})
    assert rate(two_yellows, T).colour == "red"
    no_shows = Inputs(**{**GOOD.__dict__, "bookings_used": 6, "no_shows": 4})
    rating = rate(no_shows, T)
    assert rating.colour == "red"
    assert [(f.code, f.value) for f in rating.reasons] == [("no_show_rate", 0.4)]
    assert rate(Inputs(**{**GOOD.__dict__, "complaints": 2}), T).colour == "red"


def test_unmeasured_inputs_are_shown_but_do_not_count():
    rating = rate(Inputs(service_hours=35), T)
    assert rating.colour == "green"
    assert [f.colour for f in rating.findings] == ["green"] + ["unrated"] * 4
    assert rate(Inputs(), T).colour == "unrated"
    assert rate(Inputs(service_hours=0), T).colour == "red"


def test_thresholds_come_from_configuration():
    t = Thresholds.from_config({"ASSESSMENT_HOURS_GREEN": "10", "ASSESSMENT_HOURS_YELLOW": 5})
    assert (t.hours_green, t.hours_yellow) == (10.0, 5.0)
    assert rate(Inputs(service_hours=12), t).colour == "green"


def test_quarters():
    assert quarter_of(datetime(2026, 11, 23, tzinfo=UTC)) == "2026Q4"
    assert quarter_bounds("2026Q4") == (
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert previous_quarter("2026Q1") == "2025Q4"
    assert previous_quarter("2026Q3") == "2026Q2"
    for bad in ("2026Q5", "2026-4", "Q4", ""):
        with pytest.raises(ValueError):
            quarter_bounds(bad)


def test_each_finding_carries_its_thresholds_and_how_far_green_is():
    rating = rate(Inputs(service_hours=20, no_shows=3, bookings_used=7), T)
    hours, _, no_shows, _, _ = rating.findings
    assert (hours.green, hours.yellow, hours.better, hours.to_green) == (30, 12, "higher", 10)
    assert (no_shows.value, no_shows.green, no_shows.better) == (0.3, 0.10, "lower")
    assert no_shows.colour == "red" and no_shows.to_green == 0.2


def test_part_of_a_quarter_scales_the_counting_thresholds_only():
    half = T.scaled(46 / 92)
    assert (half.hours_green, half.hours_yellow) == (15, 6)
    assert (half.programmes_green, half.programmes_yellow) == (3, 2)
    assert (half.no_show_rate_green, half.rating_green, half.complaints_red) == (0.10, 4.5, 2)
    assert T.scaled(1) is T


def test_what_would_lift_each_finding_is_a_gap_in_its_own_unit_rounded_up():
    weak = Inputs(service_hours=29.96, programmes_held=3, bookings_used=7, no_shows=3, rating=4.2)
    found = {f.code: f for f in rate(weak, T).findings}
    assert {code: (f.unit, f.gap) for code, f in found.items()} == {
        "service_hours": ("hours", 0.1),  # 0.04 short: never promise "0 more"
        "programmes_held": ("sessions", 3),
        "no_show_rate": ("share", 0.2),  # 30 % down to 10 %
        "rating": ("rating", 0.3),
        "complaints": ("complaints", None),  # not measured
    }
    assert rate(GOOD, T).findings[0].gap is None, "green: nothing to lift"


def test_a_stored_finding_reads_back_with_its_unit_and_gap():
    stored = {"code": "programmes_held", "value": 2, "colour": "red", "green": 6, "yellow": 3}
    finding = Finding.from_record(stored)
    assert (finding.unit, finding.gap, finding.better) == ("sessions", 4, "higher")
