"""Open311 GeoReport v2 at /open311/v2: a city's 12345 system reads the reports it may see
and submits its own with the API key of its integration account; errors in the spec's
shape; no reporter's name or phone, and no photo that is not published, ever leaves."""

from __future__ import annotations

import pytest

from points.extensions import db
from points.members import services as members
from points.tickets import services as tickets
from points.tickets.models import Ticket

V2 = "/open311/v2"


def done(value):
    """`value`, read in the test's session, whose transaction then ends (SQLite's lock)."""
    db.session.rollback()
    return value


def key_of(member) -> str:
    raw, _ = members.issue_token(member)
    db.session.commit()
    return raw


@pytest.fixture
def hotline(make_member, world, grids):
    """The 12345 integration account (in 云溪二网格) and its API key."""
    member = make_member("13900000030", name="12345热线", grid_id=grids["云溪二网格"].id)
    return member, key_of(member)


@pytest.fixture
def keys(grid_worker, other_grid_worker, hotline):
    return done({"grid_worker": key_of(grid_worker), "hotline": hotline[1],
                 "other_grid_worker": key_of(other_grid_worker)})


def submit(client, key, **fields):
    form = {"api_key": key, "service_code": "hazard-manhole", "lat": "31.3102",
            "long": "120.8231", "description": "人行道井盖缺失，晚上很危险", **fields}
    return client.post(f"{V2}/requests.json", data={k: v for k, v in form.items()
                                                    if v is not None})


def test_services_are_the_report_categories(client, world):
    answer = client.get(f"{V2}/services.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    services = {s["service_code"]: s for s in answer.get_json()}
    assert "hazard-elevator" in services and "hazard-manhole" in services
    lift = services["hazard-elevator"]
    assert lift["service_name"] == "电梯故障"
    assert (lift["metadata"], lift["type"], lift["group"]) == (False, "realtime", "随手拍")
    assert "电梯故障" in lift["keywords"] and lift["description"]
    assert len(services) == done(len(tickets.categories("report")))
    # No service takes attributes, so none has a definition.
    missing = client.get(f"{V2}/services/hazard-elevator.json")
    assert missing.status_code == 404
    assert missing.get_json()[0]["code"] == 404


def test_only_json_is_offered(client, world):
    for path in ("/services.xml", "/requests.xml", "/requests/1.xml"):
        answer = client.get(V2 + path)
        assert answer.status_code == 400
        [error] = answer.get_json()
        assert error["code"] == 400 and "json" in error["description"]


def test_a_submitted_request_is_a_report_of_the_integration_account_without_a_photo(
    client, keys, hotline, grid_worker, grids
):
    answer = submit(client, keys["hotline"], address_string="星海街8号门口",
                    email="someone@example.com", first_name="张", phone="13700000000",
                    media_url="https://example.com/p.jpg")
    assert answer.status_code == 201
    [made] = answer.get_json()
    assert made["service_request_id"].isdigit() and "service_notice" in made
    ticket = db.session.get(Ticket, int(made["service_request_id"]))
    assert ticket.reporter_id == hotline[0].id
    assert (ticket.kind, ticket.state, ticket.category.code) == (
        "report", "reported", "hazard-manhole")
    assert ticket.grid_id == grids["云溪二网格"].id  # the account's own grid
    assert (ticket.latitude, ticket.longitude, ticket.spot) == (31.3102, 120.8231, "星海街8号门口")
    assert ticket.photos == []
    assert [t.id for t in tickets.triage_queue(grid_worker)] == [ticket.id]
    db.session.rollback()

    elsewhere = submit(client, keys["hotline"], grid_id=str(grids["云溪一网格"].id))
    assert elsewhere.status_code == 201
    tid = int(elsewhere.get_json()[0]["service_request_id"])
    assert db.session.get(Ticket, tid).grid_id == done(grids["云溪一网格"].id)
    by_jurisdiction = submit(client, keys["hotline"],
                             jurisdiction_id=str(done(grids["云溪一网格"].id)))
    assert by_jurisdiction.status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "named"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "not-a-key"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "graffiti"}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"lat": "91", "long": "120"}, 400, "lat"),
        ({"long": None}, 400, "long"),
        ({"description": None}, 400, "description"),
        ({"description": "x" * 501}, 400, "description"),
        ({"grid_id": "987654"}, 400, "grid_id"),
        ({"grid_id": "abc"}, 400, "grid_id"),
        ({"colour": "red"}, 400, "colour"),
        ({"attribute[size]": "big"}, 400, "attribute[size]"),
    ],
)
def test_a_bad_request_is_refused_in_the_spec_format_and_makes_nothing(
    client, keys, change, status, named
):
    answer = submit(client, keys["hotline"], **change)
    assert answer.status_code == status
    errors = answer.get_json()
    assert isinstance(errors, list) and errors
    assert all(e["code"] == status for e in errors)
    assert any(e["description"].startswith(named + ":") for e in errors), errors
    assert done(db.session.scalar(db.select(db.func.count()).select_from(Ticket))) == 0


def test_a_submission_must_be_form_encoded(client, keys):
    answer = client.post(f"{V2}/requests.json", json={"api_key": keys["hotline"],
                                                      "service_code": "hazard-manhole"})
    assert answer.status_code == 400
    assert "form-encoded" in answer.get_json()[0]["description"]


def test_two_grids_named_differently_are_refused(client, keys, grids):
    one, two = done((grids["云溪一网格"].id, grids["云溪二网格"].id))
    answer = submit(client, keys["hotline"], jurisdiction_id=str(one), grid_id=str(two))
    assert answer.status_code == 400


@pytest.fixture
def requests(client, keys, report, grid_worker, photo, reporter):
    """Three reports of the courier's: an elevator one published, a general one not, and a
    manhole one closed as not a problem."""
    lift = report("hazard-elevator", description="3幢电梯困人")
    hidden = report("hazard-general", description="楼道堆物")
    done_one = report("hazard-manhole", description="井盖松动")
    tickets.publish(lift, actor=grid_worker)
    tickets.close_as_not_a_problem(done_one, actor=grid_worker, reason="已有人修好")
    db.session.commit()
    return done({"lift": lift.id, "hidden": hidden.id, "closed": done_one.id,
                 "reporter": (reporter.name, reporter.phone)})


def listed(answer) -> list[int]:
    assert answer.status_code == 200, answer.get_json()
    return [int(r["service_request_id"]) for r in answer.get_json()]


def test_without_a_key_only_published_reports_are_read(client, requests):
    answer = client.get(f"{V2}/requests.json")
    assert listed(answer) == [requests["lift"]]
    [one] = answer.get_json()
    assert one["status"] == "open" and one["service_code"] == "hazard-elevator"
    assert one["media_url"].startswith("http://") and "/photos/" in one["media_url"]
    assert client.get(one["media_url"]).status_code == 200  # anyone may see a published one
    assert one["requested_datetime"].endswith("+08:00")
    assert one["agency_responsible"] == "云溪二网格"
    name, phone = requests["reporter"]
    assert name not in answer.get_data(as_text=True) and phone not in answer.get_data(as_text=True)
    hidden = client.get(f"{V2}/requests/{requests['hidden']}.json")
    assert hidden.status_code == 404 and hidden.get_json()[0]["code"] == 404


def test_a_grid_worker_key_reads_its_grid_without_unpublished_photos(client, keys, requests):
    answer = client.get(f"{V2}/requests.json?api_key={keys['grid_worker']}")
    assert listed(answer) == [requests["closed"], requests["hidden"], requests["lift"]]
    by_id = {int(r["service_request_id"]): r for r in answer.get_json()}
    assert "media_url" not in by_id[requests["hidden"]]  # seen by staff, not published
    assert "media_url" in by_id[requests["lift"]]
    closed = by_id[requests["closed"]]
    assert closed["status"] == "closed" and "已有人修好" in closed["status_notes"]
    name, phone = requests["reporter"]
    assert name not in answer.get_data(as_text=True) and phone not in answer.get_data(as_text=True)
    other = client.get(f"{V2}/requests.json?api_key={keys['other_grid_worker']}")
    assert listed(other) == [requests["lift"]]  # another grid: the public ones only
    one = client.get(f"{V2}/requests/{requests['hidden']}.json?api_key={keys['grid_worker']}")
    assert listed(one) == [requests["hidden"]]
    wrong = client.get(f"{V2}/requests.json?api_key=nonsense")
    assert wrong.status_code == 403


def test_the_filters(client, keys, requests):
    key = f"api_key={keys['grid_worker']}"

    def ids(query: str) -> list[int]:
        return listed(client.get(f"{V2}/requests.json?{key}&{query}"))

    both = f"{requests['lift']},{requests['closed']}"
    assert ids(f"service_request_id={both}") == [requests["closed"], requests["lift"]]
    # service_request_id overrides the other filters.
    assert ids(f"service_request_id={requests['lift']}&status=closed") == [requests["lift"]]
    assert ids("service_code=hazard-elevator,hazard-general") == [
        requests["hidden"], requests["lift"]]
    assert ids("status=closed") == [requests["closed"]]
    assert ids("status=open") == [requests["hidden"], requests["lift"]]
    assert ids("status=open,closed") == ids("")
    assert ids("start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z") == []
    assert len(ids("start_date=" + _days_ago(1))) == 3


def _days_ago(days: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "end_date"),
        ("end_date=2026-01-01T00:00:00Z&start_date=2026-02-01T00:00:00Z", "end_date"),
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-01-01T00:00:00", "start_date"),  # no offset
        ("status=pending", "status"),
        ("service_code=graffiti", "service_code"),
        ("service_request_id=1,x", "service_request_id"),
        ("page=2", "page"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, world, query, named):
    answer = client.get(f"{V2}/requests.json?{query}")
    assert answer.status_code == 400
    assert answer.get_json()[0]["description"].startswith(named + ":")


def test_an_unknown_path_and_method_answer_in_the_spec_format(client, world):
    missing = client.get(f"{V2}/nothing.json")
    assert missing.status_code == 404 and missing.get_json()[0]["code"] == 404
    wrong = client.delete(f"{V2}/requests.json")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    assert wrong.get_json()[0]["code"] == 405


def test_security_headers_and_the_rate_limit_apply(app, client, world):
    answer = client.get(f"{V2}/services.json")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src" in answer.headers["Content-Security-Policy"]
    app.config["OPEN311_LIMIT"] = "2 per minute"
    answers = [client.get(f"{V2}/services.json").status_code for _ in range(3)]
    assert answers[-1] == 429
    limited = client.get(f"{V2}/services.json")
    assert limited.get_json()[0]["code"] == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 61


def test_wrong_api_keys_are_slowed_down(app, client, keys):
    app.config["OPEN311_WRONG_KEY_LIMIT"] = "2 per minute"
    statuses = [submit(client, "wrong-key").status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    assert submit(client, keys["hotline"]).status_code == 429  # even the right key waits


def test_a_browser_signed_in_by_cookie_is_nobody_here(client, requests, grid_worker):
    from tests.conftest import sign_in

    assert sign_in(client, done(grid_worker.phone)).status_code == 302
    assert listed(client.get(f"{V2}/requests.json")) == [requests["lift"]]  # public only
    answer = client.post(f"{V2}/requests.json", data={
        "service_code": "hazard-manhole", "lat": "31.3", "long": "120.8",
        "description": "井盖缺失"})
    assert answer.status_code == 403  # the cookie signs nothing: only an api_key does
    assert answer.get_json()[0]["description"].startswith("api_key:")
