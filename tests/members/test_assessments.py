"""Quarterly host assessment: scorecards from platform data, notes, and demotion after two
consecutive red quarters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from points.errors import Conflict, InvalidInput
from points.extensions import db
from points.members import quarterly
from points.members import services as members
from tests.conftest import csrf_token, sign_in

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def measured(monkeypatch):
    """Platform data per (member, quarter start month): set values, they are measured."""
    monkeypatch.setattr(members, "_measures", {})
    data: dict[tuple[str, int, int], float] = {}
    for name in ("service_hours", "programmes_held"):
        members.register_measure(
            name, lambda m, start, end, name=name: data.get((name, m, start.month), 0)
        )
    return data


def test_scorecards_are_recorded_with_their_findings(measured, make_member, social_worker):
    host = make_member(level="host")
    measured[("service_hours", host.id, 10)] = 35
    measured[("programmes_held", host.id, 10)] = 4
    made = quarterly.assess_quarter(social_worker, "2026Q4", now=NOW)
    db.session.commit()
    assert [(a.member_id, a.colour) for a in made] == [(host.id, "yellow")]
    findings = {f["code"]: (f["value"], f["colour"]) for f in made[0].findings}
    assert findings["service_hours"] == (35, "green")
    assert findings["programmes_held"] == (4, "yellow")
    assert findings["rating"] == (None, "unrated")
    assert quarterly.assess_quarter(social_worker, "2026Q4", now=NOW) == [], "once a quarter"


def test_two_red_quarters_in_a_row_return_a_host_to_talent(measured, make_member, social_worker):
    host = make_member(level="host")
    quarterly.assess_quarter(social_worker, "2026Q3", now=NOW)
    assert host.level == "host", "one red quarter is a warning"
    quarterly.assess_quarter(social_worker, "2026Q4", now=NOW)
    db.session.commit()
    assert host.level == "talent"
    change = members.level_history(host)[0]
    assert (change.from_level, change.to_level, change.decided_by) == (
        "host",
        "talent",
        social_worker.id,
    )
    assert "2026Q3" in change.reason and "2026Q4" in change.reason


def test_a_red_then_green_quarter_keeps_the_host(measured, make_member, social_worker):
    host = make_member(level="host")
    quarterly.assess_quarter(social_worker, "2026Q3", now=NOW)
    measured[("service_hours", host.id, 10)] = 40
    measured[("programmes_held", host.id, 10)] = 9
    quarterly.assess_quarter(social_worker, "2026Q4", now=NOW)
    assert host.level == "host"


def test_without_platform_data_nobody_is_rated_or_demoted(monkeypatch, make_member, social_worker):
    monkeypatch.setattr(members, "_measures", {})
    host = make_member(level="host")
    quarterly.assess_quarter(social_worker, "2026Q3", now=NOW)
    made = quarterly.assess_quarter(social_worker, "2026Q4", now=NOW)
    assert made[0].colour == "unrated" and host.level == "host"


def test_notes_go_on_yellow_and_red_only_and_quarters_are_checked(
    measured, make_member, social_worker
):
    host = make_member(level="host")
    red = quarterly.assess_quarter(social_worker, "2026Q4", now=NOW)[0]
    with pytest.raises(InvalidInput):
        quarterly.add_note(red, note=" ", actor=social_worker)
    quarterly.add_note(red, note="每月至少开展两次活动", actor=social_worker)
    measured[("service_hours", host.id, 7)] = 40
    measured[("programmes_held", host.id, 7)] = 8
    green = quarterly.assess_quarter(social_worker, "2026Q3", now=NOW)[0]
    with pytest.raises(Conflict):
        quarterly.add_note(green, note="x", actor=social_worker)
    for bad in ("2027Q1", "2026-4", ""):
        with pytest.raises(InvalidInput):
            quarterly.assess_quarter(social_worker, bad, now=NOW)


def test_the_board_shows_colours_reds_first_and_only_the_workers_hosts(
    client, measured, make_member, social_worker, places
):
    strong = make_member(level="host", name="好主理人")
    make_member(level="host", name="弱主理人")
    make_member(level="host", name="外社区主理人", community=places[1])
    measured[("service_hours", strong.id, 10)] = 40
    measured[("programmes_held", strong.id, 10)] = 9
    sign_in(client, social_worker.phone)
    token = csrf_token(client, "/staff/assessments")
    answer = client.post(
        "/staff/assessments/run",
        data={"quarter": "2026Q4", "csrf_token": token},
        follow_redirects=True,
    )
    html = answer.get_data(as_text=True)
    assert "已完成 2026Q4 的 2 名主理人考核" in html
    assert html.index("弱主理人") < html.index("好主理人")
    assert "外社区主理人" not in html
    assert "平台暂未统计" in html and "红色" in html and "绿色" in html
