"""Members fixtures: platform data for the host assessment."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from points.members import services as members
from points.members.assessment import quarter_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def measured(monkeypatch, app):
    """Platform data per (measure, member, quarter): what is set is measured, else 0;
    ratings, complaints and bookings are not measured.

    After `app`: building an app registers every domain's measures, so an app built after
    the registry was emptied (the worker's first test of a backend, or after a test spoilt
    the kept one) would fill it again, and ratings would be measured after all."""
    monkeypatch.setattr(members, "_measures", {})
    data: dict[tuple[str, int, str], float] = {}
    for name in ("service_hours", "programmes_held"):
        members.register_measure(
            name,
            lambda m, start, end, name=name: data.get((name, m, quarter_of(start, SHANGHAI)), 0),
        )
    return data
