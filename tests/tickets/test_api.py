"""The ticket loop over /api/v1 with the bearer tokens of the demo roles: a courier reports,
the grid worker checks and dispatches, the city-management unit accepts and fixes, the
courier confirms; and what each of them is refused, and what nobody else sees."""

from __future__ import annotations

import io

import pytest

from points.extensions import db
from points.ledger import services as ledger
from points.tickets import services as tickets
from tests.activities.photos import jpeg, picture
from tests.api.conftest import bearer

API = "/api/v1/tickets"


def done(value):
    """`value`, read in the test's own session, whose transaction then ends (on SQLite an
    open one would hold the write lock the request needs)."""
    db.session.rollback()
    return value


def token(app, member) -> dict[str, str]:
    return bearer(app, done(member.phone))


@pytest.fixture
def people(app, reporter, grid_worker, other_grid_worker, city_staff, police_staff):
    """Bearer headers by role (the demo's phones)."""
    return {
        "reporter": token(app, reporter),
        "grid_worker": token(app, grid_worker),
        "other_grid_worker": token(app, other_grid_worker),
        "city": token(app, city_staff),
        "police": token(app, police_staff),
    }


@pytest.fixture
def upload(client):
    """upload(headers) → the token of a photo uploaded over the API."""
    shades = iter(range(1, 1000))

    def send(headers) -> str:
        data = jpeg(picture(colour=(30, (40 + 9 * next(shades)) % 255, 200)))
        answer = client.post("/api/v1/uploads", headers=headers,
                             data={"photo": (io.BytesIO(data), "p.jpg")})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["photo"]

    return send


@pytest.fixture
def reported(client, people, upload):
    """reported(**fields) → the id of a report the courier sent over the API."""

    def send(**fields) -> int:
        body = {
            "category": "hazard-elevator",
            "description": "3幢电梯困人后一直停运",
            "spot": "3幢1单元",
            "photos": [upload(people["reporter"])],
            **fields,
        }
        answer = client.post(f"{API}/reports", json=body, headers=people["reporter"])
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["id"]

    return send


def city_id() -> int:
    return done(tickets.get_unit("city-management").id)


def points_of(member) -> int:
    return ledger.balance_of(ledger.member_wallet(member.id)).balance


def post(client, path, headers, body=None):
    return client.post(f"{API}{path}", json=body if body is not None else {}, headers=headers)


def test_the_loop_from_report_to_confirmed_fix_over_the_api(
    client, people, upload, reporter, grid_worker
):
    answer = client.post(
        f"{API}/reports",
        json={"category": "hazard-elevator", "description": "3幢电梯困人后一直停运",
              "spot": "3幢1单元", "latitude": 31.3, "longitude": 120.8,
              "photos": [upload(people["reporter"])]},
        headers=people["reporter"],
    )
    assert answer.status_code == 201
    ticket = answer.get_json()
    assert (ticket["state"], ticket["outcome"], ticket["kind"]) == ("reported", None, "report")
    assert ticket["grid"]["name"] == "云溪二网格" and ticket["stage"] == "triage"
    assert len(ticket["photos"]) == 1
    tid = ticket["id"]

    queue = client.get(f"{API}/triage", headers=people["grid_worker"]).get_json()
    assert [t["id"] for t in queue["items"]] == [tid] and queue["waiting"] == 1

    verified = post(client, f"/{tid}/verify", people["grid_worker"])
    assert verified.status_code == 200 and verified.get_json()["state"] == "triaged"
    units = client.get(f"{API}/{tid}/units", headers=people["grid_worker"]).get_json()
    assert city_id() in [u["id"] for u in units]
    dispatched = post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": [city_id()]})
    assert dispatched.status_code == 200
    assert dispatched.get_json()["state"] == "dispatched"

    work = client.get(f"{API}/unit-queue", headers=people["city"]).get_json()
    assert [(w["ticket"]["id"], w["status"]) for w in work] == [(tid, "dispatched")]
    assert post(client, f"/{tid}/accept", people["city"]).get_json()["state"] == "accepted"
    assert post(client, f"/{tid}/start", people["city"]).get_json()["state"] == "in_progress"
    handled = post(client, f"/{tid}/handle", people["city"],
                   {"outcome": "fixed", "note": "已联系维保单位修复",
                    "photos": [upload(people["city"])]})
    assert handled.status_code == 200
    body = handled.get_json()
    assert (body["state"], body["outcome"]) == ("handled", "fixed")
    assert body["confirm_by"] is not None

    confirmed = post(client, f"/{tid}/confirm", people["reporter"],
                     {"rating": 5, "comment": "很快"})
    assert confirmed.status_code == 200
    body = confirmed.get_json()
    assert (body["state"], body["outcome"], body["confirmation"], body["rating"]) == (
        "closed", "fixed", "confirmed", 5)
    assert [e["action"] for e in body["timeline"]] == [
        "reported", "verified", "dispatched", "accepted", "started", "handled", "confirmed",
        "rated",
    ]
    assert [p["stage"] for p in body["photos"]] == ["before", "after"]
    mine = client.get(f"{API}/mine", headers=people["reporter"]).get_json()
    assert [(t["id"], t["state"]) for t in mine] == [(tid, "closed")]
    db.session.expire_all()
    assert points_of(reporter) == 5  # the 随手拍·电梯故障上报 rule, once
    assert points_of(grid_worker) == 20  # 网格派单跟进办结, once fixed


def test_a_retried_verify_accept_and_confirm_answer_the_same_and_pay_once(
    client, people, reported, upload, reporter
):
    tid = reported()
    first = post(client, f"/{tid}/verify", people["grid_worker"])
    again = post(client, f"/{tid}/verify", people["grid_worker"])
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["state"] == first.get_json()["state"] == "triaged"
    assert [e["action"] for e in again.get_json()["timeline"]] == ["reported", "verified"]
    db.session.expire_all()
    assert points_of(reporter) == 5

    post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": [city_id()]})
    first = post(client, f"/{tid}/accept", people["city"])
    again = post(client, f"/{tid}/accept", people["city"])
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["state"] == "accepted"

    post(client, f"/{tid}/handle", people["city"],
         {"outcome": "fixed", "note": "修好了", "photos": [upload(people["city"])]})
    first = post(client, f"/{tid}/confirm", people["reporter"], {})
    again = post(client, f"/{tid}/confirm", people["reporter"], {})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["state"] == "closed"
    assert again.get_json()["confirmation"] == "confirmed"
    actions = [e["action"] for e in again.get_json()["timeline"]]
    assert actions.count("confirmed") == 1 and actions.count("accepted") == 1


def test_a_unit_no_longer_holding_the_ticket_is_refused_with_403(client, people, reported):
    tid = reported()
    post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": [city_id()]})
    returned = post(client, f"/{tid}/return", people["city"], {"reason": "属于派出所职责"})
    assert returned.status_code == 200 and returned.get_json()["state"] == "triaged"
    police = done(tickets.get_unit("police").id)
    post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": [police]})

    refused = post(client, f"/{tid}/accept", people["city"])
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "forbidden"
    assert post(client, f"/{tid}/accept", people["police"]).get_json()["state"] == "accepted"


def test_a_stranger_is_told_the_ticket_does_not_exist(client, people, reported):
    tid = reported()
    for who in ("other_grid_worker", "police"):
        assert client.get(f"{API}/{tid}", headers=people[who]).status_code == 404
        assert post(client, f"/{tid}/verify", people[who]).status_code == 404
        assert post(client, f"/{tid}/accept", people[who]).status_code == 404
    assert client.get(f"{API}/{tid}").status_code == 401
    assert client.get(f"{API}/{tid}", headers=people["reporter"]).get_json()["state"] == (
        "reported")


def test_a_step_in_the_wrong_state_is_409_and_changes_nothing(client, people, reported):
    tid = reported()
    early = post(client, f"/{tid}/confirm", people["reporter"], {})
    assert early.status_code == 409 and early.get_json()["code"] == "conflict"
    assert post(client, f"/{tid}/start", people["city"]).status_code == 404  # not its unit
    closed = post(client, f"/{tid}/close", people["grid_worker"], {"reason": "已自行清理"})
    assert closed.get_json()["outcome"] == "not_a_problem"
    late = post(client, f"/{tid}/verify", people["grid_worker"])
    assert late.status_code == 409
    shown = client.get(f"{API}/{tid}", headers=people["reporter"]).get_json()
    assert (shown["state"], shown["outcome"], shown["outcome_note"]) == (
        "closed", "not_a_problem", "已自行清理")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"photos": []}, "photos"),
        ({"category": "no-such-thing"}, "category"),
        ({"grid_id": 999999}, "grid_id"),
        ({"latitude": 91.0, "longitude": 120.0}, "latitude"),
        ({"latitude": 31.0}, "longitude"),
        ({"description": " "}, "description"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_report_is_a_422_naming_the_field_and_makes_no_ticket(
    client, people, upload, change, field
):
    body = {"category": "hazard-general", "description": "井盖松动",
            "photos": [upload(people["reporter"])], **change}
    answer = client.post(f"{API}/reports", json=body, headers=people["reporter"])
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert client.get(f"{API}/mine", headers=people["reporter"]).get_json() == []


def test_bad_fields_of_the_loop_are_422_naming_them(client, people, reported, upload):
    tid = reported()
    bad_unit = post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": [987654]})
    assert bad_unit.status_code == 422 and "units" in bad_unit.get_json()["errors"]
    not_ints = post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": ["x"]})
    assert not_ints.status_code == 422 and "units[0]" in not_ints.get_json()["errors"]
    post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": [city_id()]})
    post(client, f"/{tid}/accept", people["city"])
    outcome = post(client, f"/{tid}/handle", people["city"], {"outcome": "done", "note": "x"})
    assert outcome.status_code == 422 and "outcome" in outcome.get_json()["errors"]
    no_photo = post(client, f"/{tid}/handle", people["city"], {"outcome": "fixed", "note": "x"})
    assert no_photo.status_code == 422 and "photos" in no_photo.get_json()["errors"]
    no_reason = post(client, f"/{tid}/return", people["city"], {})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    assert client.get(f"{API}/{tid}", headers=people["city"]).get_json()["state"] == "accepted"
    post(client, f"/{tid}/handle", people["city"], {"outcome": "not_fixed", "note": "业主不配合"})
    stars = post(client, f"/{tid}/rate", people["reporter"], {"rating": 9})
    assert stars.status_code == 422 and "rating" in stars.get_json()["errors"]
    assert post(client, f"/{tid}/rate", people["reporter"], {"rating": 2}).status_code == 200
    twice = post(client, f"/{tid}/rate", people["reporter"], {"rating": 3})
    assert twice.status_code == 409


def test_a_unit_reads_the_reporter_by_surname_and_never_a_phone(
    client, people, reported, reporter
):
    tid = reported()
    post(client, f"/{tid}/dispatch", people["grid_worker"], {"units": [city_id()]})
    phone = done(reporter.phone)
    seen_by_unit = client.get(f"{API}/{tid}", headers=people["city"])
    assert seen_by_unit.get_json()["reporter"] == "小*"
    assert phone not in seen_by_unit.get_data(as_text=True)
    seen_by_grid = client.get(f"{API}/{tid}", headers=people["grid_worker"]).get_json()
    assert seen_by_grid["reporter"] == "小刘"


def test_photos_are_for_those_working_on_it_until_published_then_the_board_shows_them(
    client, people, reported, places
):
    community = done(places[0].id)
    tid = reported()
    url = client.get(f"{API}/{tid}", headers=people["reporter"]).get_json()["photos"][0]["url"]
    assert client.get(url, headers=people["reporter"]).status_code == 200
    seen = client.get(url, headers=people["grid_worker"])
    assert seen.mimetype == "image/jpeg" and seen.data[:2] == b"\xff\xd8"
    assert "private" in seen.headers["Cache-Control"]
    assert client.get(url).status_code == 404  # not published: nobody else
    assert client.get(url, headers=people["other_grid_worker"]).status_code == 404
    board = client.get(f"{API}/board/{community}").get_json()
    assert board["tickets"] == []

    shown = post(client, f"/{tid}/publish", people["grid_worker"], {"published": True})
    assert shown.get_json()["published"] is True
    assert client.get(url).status_code == 200
    board = client.get(f"{API}/board/{community}")
    assert board.status_code == 200
    board = board.get_json()
    assert [t["id"] for t in board["tickets"]] == [tid]
    assert board["tickets"][0]["photos"][0]["url"] == url
    assert "reporter" not in board["tickets"][0]
    line = board["lines"][0]
    assert line["category"]["code"] == "hazard-elevator"
    assert line["reported"] is None and line["open"] is None  # one ticket: under five
    assert board["median_days_to_fix"] is None and board["satisfied_share"] is None


def test_the_board_needs_no_token_and_names_a_bad_period(client, places, world):
    community = done(places[0].id)
    today = client.get(f"{API}/board/{community}?start=2026-11-01&end=2026-12-01")
    assert today.status_code == 200
    assert (today.get_json()["start"], today.get_json()["end"]) == ("2026-11-01", "2026-12-01")
    backwards = client.get(f"{API}/board/{community}?start=2026-12-01&end=2026-11-01")
    assert backwards.status_code == 422 and "end" in backwards.get_json()["errors"]
    too_long = client.get(f"{API}/board/{community}?start=2024-01-01&end=2026-01-01")
    assert too_long.status_code == 422 and "start" in too_long.get_json()["errors"]
    not_a_date = client.get(f"{API}/board/{community}?start=soon")
    assert not_a_date.status_code == 422 and "start" in not_a_date.get_json()["errors"]
    assert client.get(f"{API}/board/987654").status_code == 404


def test_categories_the_menu_and_an_order(client, people):
    reports = client.get(f"{API}/categories", headers=people["reporter"]).get_json()
    assert "hazard-elevator" in [c["code"] for c in reports]
    assert {c["kind"] for c in reports} == {"report"}
    orders = client.get(f"{API}/categories?kind=order", headers=people["reporter"]).get_json()
    assert orders and {c["kind"] for c in orders} == {"order"}
    wrong = client.get(f"{API}/categories?kind=xyz", headers=people["reporter"])
    assert wrong.status_code == 422 and "kind" in wrong.get_json()["errors"]

    menu = client.get(f"{API}/menu", headers=people["reporter"]).get_json()
    assert menu and all(item["units"] for item in menu)
    answer = post(client, "/orders", people["reporter"],
                  {"item": menu[0]["code"], "description": "想请人上门看看"})
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["kind"], answer.get_json()["item"]) == ("order", menu[0]["code"])
    unknown = post(client, "/orders", people["reporter"],
                   {"item": "no-such-item", "description": "x"})
    assert unknown.status_code == 422 and "item" in unknown.get_json()["errors"]
    past = post(client, "/orders", people["reporter"],
                {"item": menu[0]["code"], "description": "x",
                 "wanted_at": "2020-01-01T09:00:00+08:00"})
    assert past.status_code == 422 and "wanted_at" in past.get_json()["errors"]


def test_merge_withdraw_and_dispute(client, people, reported, upload):
    first, second, third = reported(), reported(), reported()
    merged = post(client, f"/{second}/merge", people["grid_worker"], {"into": first})
    assert (merged.get_json()["outcome"], merged.get_json()["duplicate_of"]) == (
        "duplicate", first)
    later = post(client, f"/{first}/merge", people["grid_worker"], {"into": third})
    assert later.status_code == 422 and "into" in later.get_json()["errors"]
    withdrawn = post(client, f"/{third}/withdraw", people["reporter"], {})
    assert (withdrawn.get_json()["state"], withdrawn.get_json()["outcome"]) == (
        "closed", "withdrawn")
    not_theirs = post(client, f"/{first}/withdraw", people["grid_worker"], {})
    assert not_theirs.status_code == 403

    post(client, f"/{first}/dispatch", people["grid_worker"], {"units": [city_id()]})
    post(client, f"/{first}/accept", people["city"])
    post(client, f"/{first}/handle", people["city"],
         {"outcome": "fixed", "note": "修好了", "photos": [upload(people["city"])]})
    disputed = post(client, f"/{first}/dispute", people["reporter"], {"reason": "还是坏的"})
    assert disputed.status_code == 200
    assert (disputed.get_json()["state"], disputed.get_json()["outcome"]) == ("dispatched", None)
    assert disputed.get_json()["reopened"] == 1


def test_me_too_is_for_published_tickets_only(client, app, people, reported, make_member):
    neighbour = make_member("13900000020", name="邻居")
    headers = token(app, neighbour)
    tid = reported()
    assert post(client, f"/{tid}/me-too", headers).status_code == 404
    post(client, f"/{tid}/publish", people["grid_worker"], {"published": True})
    assert post(client, f"/{tid}/me-too", headers).status_code == 200
    assert post(client, f"/{tid}/me-too", headers).status_code == 409
    assert [t["id"] for t in client.get(f"{API}/mine", headers=headers).get_json()] == [tid]


def test_the_queues_page_on_and_refuse_who_has_none(client, people, reported, app,
                                                    make_member):
    ids = [reported() for _ in range(3)]
    page = client.get(f"{API}/triage?limit=2", headers=people["grid_worker"]).get_json()
    assert [t["id"] for t in page["items"]] == ids[:2] and page["next_after"] == ids[1]
    rest = client.get(f"{API}/triage?limit=2&after={page['next_after']}",
                      headers=people["grid_worker"]).get_json()
    assert [t["id"] for t in rest["items"]] == ids[2:] and rest["next_after"] is None
    assert client.get(f"{API}/triage", headers=people["reporter"]).status_code == 403
    assert client.get(f"{API}/unit-queue", headers=people["reporter"]).status_code == 403
    assert client.get(f"{API}/overdue", headers=people["grid_worker"]).status_code == 403

    social_worker = make_member("13900000001", role="social_worker", name="李社工")
    staff = token(app, social_worker)
    late = client.get(f"{API}/overdue", headers=staff)
    assert late.status_code == 200 and late.get_json() == {"tickets": [], "by_unit": []}
    paged = client.get(f"{API}/triage?after=0", headers=staff)
    assert paged.status_code == 422 and "after" in paged.get_json()["errors"]


def test_the_document_lists_what_each_step_refuses(client):
    doc = client.get("/api/v1/openapi.json").get_json()

    def responses(method, path):
        return set(doc["paths"][f"/api/v1/tickets{path}"][method]["responses"])

    for step in ("verify", "accept", "start"):
        assert {"401", "403", "404", "409"} <= responses("post", f"/{{ticket_id}}/{step}")
    for step in ("handle", "dispatch", "merge", "confirm", "rate", "return"):
        assert {"401", "403", "404", "409", "422"} <= responses("post", f"/{{ticket_id}}/{step}")
    assert {"401", "403", "422"} <= responses("post", "/reports")
    assert doc["paths"]["/api/v1/tickets/board/{community_id}"]["get"]["security"] == []
    photo = doc["paths"]["/api/v1/tickets/{ticket_id}/photos/{photo_id}"]["get"]
    assert {"image/jpeg", "image/png"} <= set(photo["responses"]["200"]["content"])
    for path, item in doc["paths"].items():
        if path.startswith("/api/v1/tickets"):
            for method, operation in item.items():
                if method != "parameters":
                    assert operation.get("summary"), (method, path)  # from the docstring
