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


# When SQLite's write lock is taken: at the start of a request that may write; a GET reads
# its snapshot while a writer holds the lock, and a GET that must write after all runs again.

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


class HeldWriteLock:
    """Another connection holding the embedded database's write lock (an uncommitted write)."""

    def __init__(self, app):
        import sqlite3

        with app.app_context():
            path = db.engine.url.database
        self.connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute("INSERT INTO streets (name) VALUES ('held')")

    def release(self):
        self.connection.execute("ROLLBACK")
        self.connection.close()


@pytest.fixture
def impatient(db_url, tmp_path):
    """The app with a busy timeout of 0.1 s: waiting for the write lock fails, never hangs."""
    from points import create_app
    from points.members import services as members
    from tests.conftest import FAST_HASH, app_config

    app = create_app(
        app_config(
            db_url,
            SQLITE_BUSY_TIMEOUT_MS=100,
            UPLOAD_FOLDER=str(tmp_path / "uploads"),
            LEDGER_ANCHOR_PATH=str(tmp_path / "anchor.json"),
        )
    )
    with app.app_context():
        place = members.ensure_place("胜浦街道", "云溪社区", ["云溪一网格"])
        member = members.register_member(
            phone="13900000004",
            password=None,
            password_hash=FAST_HASH,
            name="王阿姨",
            community_id=place.id,
        )
        raw, _ = members.issue_token(member)
        db.session.commit()
    app.config["bearer"] = {"Authorization": f"Bearer {raw}"}
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@sqlite_only
def test_a_call_that_only_reads_answers_while_a_writer_holds_the_lock(impatient):
    client = impatient.test_client()
    held = HeldWriteLock(impatient)
    try:
        read = client.get("/api/v1/me/balance", headers=impatient.config["bearer"])
        assert read.status_code == 200
        assert read.get_json()["points"]["available"] == 0
        assert client.get("/api/v1/me", headers=impatient.config["bearer"]).status_code == 200
        # A write still takes the lock at its start, so it waits for the writer (and, with
        # so short a timeout, gives up) — it does not read first and fail half-way.
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            client.post("/api/v1/auth/token", json={"phone": "13900000004", "password": "x"})
    finally:
        held.release()


@sqlite_only
def test_who_is_asking_is_read_without_waiting_for_the_write_lock(impatient):
    client = impatient.test_client()
    held = HeldWriteLock(impatient)
    try:
        # A write with a token that signs nobody in is refused by the read before its view:
        # it does not queue behind the writer to be told so.
        wrong = client.post(
            "/api/v1/redemptions",
            json={"benefit_id": 1, "quantity": 1},
            headers={"Authorization": "Bearer not-a-live-token-at-all-0123456789"},
        )
        assert wrong.status_code == 401
        # A signed-in write's view takes the lock at its first statement, so it waits.
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            client.post(
                "/api/v1/redemptions",
                json={"benefit_id": 1, "quantity": 1},
                headers=impatient.config["bearer"],
            )
    finally:
        held.release()


@sqlite_only
def test_a_write_sees_its_member_as_they_are_under_the_lock(impatient):
    import sqlite3

    app = impatient
    pages = ApiBlueprint("member_probe_api", __name__)

    class LevelOut(Schema):
        level = fields.String()

    @pages.post("/level")
    @pages.response(200, LevelOut)
    def level():
        from points.api.access import current_member

        return {"level": current_member().level}

    @app.before_request
    def _promoted_meanwhile():
        # After the token and its member were read, another connection changes the member.
        if request.path.endswith("/probe/level"):
            other = sqlite3.connect(db.engine.url.database, isolation_level=None)
            other.execute("UPDATE members SET level = 'talent' WHERE phone = '13900000004'")
            other.close()

    csrf.exempt(pages)
    api.register_blueprint(pages, url_prefix="/api/v1/probe")
    boundary.init_app(app)
    answer = app.test_client().post("/api/v1/probe/level", headers=app.config["bearer"])
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"level": "talent"}


@sqlite_only
def test_a_get_that_writes_after_another_write_runs_again_and_writes_once(fresh_app):
    import sqlite3

    app = fresh_app
    runs = []
    pages = Blueprint("stale_probe", __name__)

    @pages.get("/probe/stale")
    def stale():
        runs.append(db.session.scalar(sa.select(sa.func.count(Street.id))))  # the snapshot
        if len(runs) == 1:  # meanwhile another connection writes and commits
            other = sqlite3.connect(db.engine.url.database, isolation_level=None)
            other.execute("INSERT INTO streets (name) VALUES ('meanwhile')")
            other.close()
        db.session.add(Street(name="from-get"))
        db.session.flush()
        return "done"

    app.register_blueprint(pages)
    boundary.init_app(app)
    answer = app.test_client().get("/probe/stale")
    assert answer.status_code == 200
    # The first run read a snapshot from before 'meanwhile' and could not write on top of it;
    # the second run began writing and saw it.
    assert runs == [0, 1]
    assert _streets(app) == ["from-get", "meanwhile"]
