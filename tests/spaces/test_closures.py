"""Closed days and day-parts: a closed space cannot be booked and shows no slots."""

from __future__ import annotations

import pytest

from points.errors import InvalidInput
from points.extensions import db
from points.spaces import services as spaces
from points.spaces.models import Booking


def test_a_community_holiday_closes_every_space_and_one_space_can_close_alone(
    room, places, make_host, at
):
    holiday, repair = at(3, "10:00").date(), at(4, "10:00").date()
    spaces.ensure_closure(
        community=places[0].name, starts_on=holiday, ends_on=holiday, reason_zh="元旦休息"
    )
    spaces.ensure_closure(
        community=places[0].name,
        space=room.code,
        starts_on=repair.isoformat(),
        ends_on=repair.isoformat(),
        reason_zh="设备检修",
    )
    db.session.commit()
    host = make_host(points=100)
    for day in (3, 4):
        assert spaces.availability(room, at(day, "10:00").date()) == []
        with pytest.raises(InvalidInput, match="closed") as refused:
            spaces.book(
                host,
                space_id=room.id,
                start=at(day, "10:00"),
                end=at(day, "11:00"),
                tier="free",
                title="读书会",
            )
        assert "start" in refused.value.errors
        db.session.rollback()
    assert db.session.query(Booking).count() == 0
    assert any(slot.free for slot in spaces.availability(room, at(5, "10:00").date()))


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("ends_on", {"starts_on": "2027-01-02", "ends_on": "2027-01-01"}),
        ("starts_on", {"starts_on": "2027-13-01", "ends_on": "2027-01-01"}),
        ("reason_zh", {"starts_on": "2027-01-01", "ends_on": "2027-01-01", "reason_zh": " "}),
        ("space", {"starts_on": "2027-01-01", "ends_on": "2027-01-01", "space": "nowhere"}),
    ],
)
def test_a_bad_closure_names_its_field(ctx, places, field, kwargs):
    kwargs.setdefault("reason_zh", "休息")
    with pytest.raises(InvalidInput) as refused:
        spaces.ensure_closure(community=places[0].name, **kwargs)
    assert field in refused.value.errors


def test_day_parts_are_checked_and_default_to_morning_midday_evening(ctx, places):
    made = spaces.ensure_space(
        code="hall",
        community=places[0].name,
        name_zh="大厅",
        name_en="Hall",
        capacity=50,
        opening_hours={"mon": [["08:00", "21:00"]]},
    )
    assert [p["name_zh"] for p in made.day_parts] == ["上午", "午间", "晚间"]
    for bad in (
        [],
        [{"name_zh": "上午", "name_en": "AM", "start": "12:00", "end": "08:00"}],
        [
            {"name_zh": "上午", "name_en": "AM", "start": "08:00", "end": "13:00"},
            {"name_zh": "下午", "name_en": "PM", "start": "12:00", "end": "18:00"},
        ],
        [{"name_zh": "上午", "start": "08:00", "end": "12:00"}],
    ):
        with pytest.raises(InvalidInput) as refused:
            spaces.ensure_space(
                code="hall-2",
                community=places[0].name,
                name_zh="厅",
                name_en="H",
                capacity=5,
                opening_hours={},
                day_parts=bad,
            )
        assert "day_parts" in refused.value.errors
