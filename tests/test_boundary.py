"""Where a request commits (points/boundary.py): once, when the view returns; nothing of a
view that raises is kept, whatever it wrote before; the API's answer is read back after
the commit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Blueprint, redirect, request
from marshmallow import Schema, fields

from points import boundary
from points.api.blueprint import Blueprint as ApiBlueprint
from points.errors import Conflict
from points.extensions import api, csrf, db
from points.members.models import Street
from points.messages import REQUIRED
from points.web.forms import refused

# Any Text will do: the probe's refusal is a rule no domain has.
REFUSED = REQUIRED

ROOT = Path(__file__).resolve().parent.parent


class StreetOut(Schema):
    id = fields.Integer()
    name = fields.String()


@pytest.fixture
def probe(fresh_app):
    """A page and an API call that add a street, then refuse when asked to (`?refuse=1`)."""
    app = fresh_app
    pages = Blueprint("boundary_probe", __name__)

    @pages.post("/probe/street")
    def page_write():
        db.session.add(Street(name=request.args["name"]))
        db.session.flush()
        if request.args.get("refuse"):
            raise Conflict(REFUSED)
        return "done"

    @pages.post("/probe/street/form")
    def page_form():
        with refused():
            db.session.add(Street(name=request.args["name"]))
            db.session.flush()
            raise Conflict(REFUSED)
        # The refusal is shown and the page goes on: what it writes now is kept, alone.
        db.session.add(Street(name=request.args["name"] + "-after"))
        return redirect("/")

    calls = ApiBlueprint("boundary_probe_api", __name__)

    @calls.post("/street")
    @calls.response(201, StreetOut)
    def api_write():
        street = Street(name=request.args["name"])
        db.session.add(street)  # not flushed: the commit gives it its id
        if request.args.get("refuse"):
            db.session.flush()
            raise Conflict(REFUSED)
        return street

    csrf.exempt(pages)
    csrf.exempt(calls)
    app.register_blueprint(pages)
    api.register_blueprint(calls, url_prefix="/api/v1/probe")
    boundary.init_app(app)
    return app


def _streets(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Street.name).order_by(Street.name)))


def test_a_page_that_returns_is_committed(probe):
    assert probe.test_client().post("/probe/street?name=甲").status_code == 200
    assert _streets(probe) == ["甲"]


def test_a_page_refused_after_writing_keeps_nothing_and_says_why(probe):
    answer = probe.test_client().post("/probe/street?name=甲&refuse=1")
    assert answer.status_code == 409 and answer.mimetype == "text/html"
    assert _streets(probe) == []


def test_a_refusal_shown_on_the_page_undoes_the_refused_writes_only(probe):
    client = probe.test_client()
    answer = client.post("/probe/street/form?name=乙")
    assert answer.status_code == 302
    assert _streets(probe) == ["乙-after"]
    assert 'class="flash error"' in client.get("/").get_data(as_text=True)


def test_an_api_answer_carries_what_the_commit_made(probe):
    answer = probe.test_client().post("/api/v1/probe/street?name=丙")
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["name"] == "丙" and isinstance(body["id"], int)
    with probe.app_context():
        assert db.session.get(Street, body["id"]).name == "丙"


def test_an_api_call_refused_after_writing_keeps_nothing(probe):
    answer = probe.test_client().post("/api/v1/probe/street?name=丙&refuse=1")
    assert answer.status_code == 409 and answer.get_json()["code"] == "conflict"
    assert _streets(probe) == []


def test_every_view_of_the_app_commits_through_the_boundary(app):
    unwrapped = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not getattr(view, boundary.COMMITS, False)
    ]
    assert unwrapped == []


def test_no_view_or_service_commits_or_rolls_back_by_itself():
    # Outside a request: the commands, the worker and its sweep end their own transactions.
    allowed = {
        "boundary.py",
        "cli.py",
        "housekeeping.py",
        "worker.py",
        "web/forms.py",
        "ledger/anchor.py",
    }
    # The delivery worker's core runs outside requests, in short transactions of its own.
    allowed.add("notifications/delivery.py")
    found = []
    for path in sorted((ROOT / "points").rglob("*.py")):
        name = path.relative_to(ROOT / "points").as_posix()
        if name.startswith("migrations/") or name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {m}" for m in re.findall(r"session\.(?:commit|rollback)\(\)", text)]
    assert found == []
