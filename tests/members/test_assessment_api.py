"""The host assessment over the API: preview, drafts, summary, publish, reversal."""

from __future__ import annotations

from points.extensions import db
from points.members import quarterly
from points.members import services as members
from points.members.assessment import previous_quarter, quarter_bounds
from tests.conftest import api_token
from tests.members.conftest import SHANGHAI


def test_preview_draft_publish_and_reverse_over_the_api(client, measured, make_member, places):
    worker = make_member("13900000001", role="social_worker", name="李社工")
    admin = make_member("13900000006", role="admin", name="周站长")
    running, last = quarterly.current_quarter(), quarterly.last_ended_quarter()
    before = previous_quarter(last)
    host = make_member(name="宋老师")
    members.import_level(
        host, "host", reason="appointed", actor_id=None, now=quarter_bounds(before, SHANGHAI)[0]
    )
    db.session.commit()
    staff, mine = api_token(client, worker.phone), api_token(client, host.phone)

    preview = client.get(f"/api/v1/assessments/{running}", headers=staff)
    assert preview.status_code == 200
    (row,) = preview.get_json()
    assert (row["name"], row["scorecard"]["status"]) == ("宋老师", "preview")
    refused = client.post(f"/api/v1/assessments/{running}/draft", headers=staff)
    assert refused.status_code == 422 and "quarter" in refused.get_json()["errors"]
    assert client.get(f"/api/v1/assessments/{last}", headers=mine).status_code == 403

    for quarter in (before, last):
        made = client.post(f"/api/v1/assessments/{quarter}/draft", headers=staff)
        assert [d["colour"] for d in made.get_json()] == ["red"]
    assert client.get("/api/v1/me/assessment", headers=mine).status_code == 404, "drafts"
    shown = client.get(f"/api/v1/assessments/{before}/summary", headers=staff).get_json()
    assert (shown["hosts"], shown["colours"]["red"], shown["demotions"]) == (1, 1, [])
    stale = client.post(
        f"/api/v1/assessments/{before}/publish", json={"confirmed": "red=9"}, headers=staff
    )
    assert stale.status_code == 409
    done = client.post(
        f"/api/v1/assessments/{before}/publish",
        json={"confirmed": shown["confirmed"]},
        headers=staff,
    )
    assert done.status_code == 200 and done.get_json()["demoted"] == []
    shown = client.get(f"/api/v1/assessments/{last}/summary", headers=staff).get_json()
    assert [d["name"] for d in shown["demotions"]] == ["宋老师"]
    done = client.post(
        f"/api/v1/assessments/{last}/publish",
        json={"confirmed": shown["confirmed"]},
        headers=staff,
    ).get_json()
    (change,) = done["demoted"]
    assert (change["from_level"], change["to_level"]) == ("host", "talent")
    assert change["consequences"]["space_minutes"]["rule"] == "kept"
    card = client.get("/api/v1/me/assessment", headers=mine).get_json()
    assert (card["quarter"], card["colour"], card["status"]) == (last, "red", "published")
    assert {f["code"]: f["green"] for f in card["findings"]}["service_hours"] == 30
    # What would lift it, with its unit: nothing measured was done, so all of green is missing.
    assert {f["code"]: (f["gap"], f["unit"]) for f in card["findings"]} == {
        "service_hours": (30, "hours"),
        "programmes_held": (6, "sessions"),
        "no_show_rate": (None, "share"),
        "rating": (None, "rating"),
        "complaints": (None, "complaints"),
    }

    path = f"/api/v1/level-changes/{change['id']}/reverse"
    assert client.post(path, json={"reason": "数据有误"}, headers=staff).status_code == 403
    assert client.post(path, json={}, headers=api_token(client, admin.phone)).status_code == 422
    back = client.post(path, json={"reason": "数据有误"}, headers=api_token(client, admin.phone))
    assert back.status_code == 200 and back.get_json()["to_level"] == "host"
    db.session.refresh(host)
    assert host.level == "host"


def test_the_document_shows_each_findings_gap_and_unit(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    finding = doc["components"]["schemas"]["FindingOut"]["properties"]
    assert finding["unit"]["enum"] == ["complaints", "hours", "rating", "sessions", "share"]
    assert "gap" in finding and "in `unit`" in finding["gap"]["description"]


def test_a_preview_says_how_many_sessions_would_lift_it_on_the_scaled_threshold(
    client, measured, make_member
):
    worker = make_member("13900000001", role="social_worker", name="李社工")
    running = quarterly.current_quarter()
    host = make_member(name="宋老师")
    members.import_level(
        host, "host", reason="appointed", actor_id=None, now=quarter_bounds(running, SHANGHAI)[0]
    )
    db.session.commit()
    staff = api_token(client, worker.phone)
    (row,) = client.get(f"/api/v1/assessments/{running}", headers=staff).get_json()
    held = next(f for f in row["scorecard"]["findings"] if f["code"] == "programmes_held")
    # No session held yet: the whole (scaled) green threshold is missing, in sessions.
    assert (held["value"], held["unit"], held["colour"]) == (0, "sessions", "red")
    assert held["gap"] == held["green"] >= 1
