"""Fixtures: every test that touches the database runs on SQLite and, when
TEST_DATABASE_URL is set, again on PostgreSQL.

The schema comes from the migrations (never create_all): once per session per backend.
SQLite tests each get a copy of the migrated template file; PostgreSQL tests truncate
(PostgresqlReset).

`make test` runs the suite in two pytest-xdist workers (`--dist loadgroup`). Each worker has
databases of its own: SQLite files in a folder of its own (in RAM, on /dev/shm, where
there is one: `sqlite_home`), and on PostgreSQL a database beside
TEST_DATABASE_URL's named after the worker (`test_gw0`, `test_gw1`), made when missing.
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import os
import re
import shutil
import tempfile
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from points import create_app, ratelimits
from points.app import tune_engine
from points.config import normalise_database_url
from points.extensions import api, db, limiter
from points.ledger.models import GENESIS_HASH
from tests import snapshots

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def database_beside(url: sa.URL, name: str) -> sa.URL:
    """`url` with database `name` on the same server, made there (empty) when missing."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return url.set(database=name)


def postgresql_test_url() -> str:
    """This process's PostgreSQL test database: TEST_DATABASE_URL's, or under an xdist worker
    one of the worker's own beside it, so workers never empty each other's tables."""
    url = sa.make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = database_beside(url, f"{url.database}_{worker}")
    return url.render_as_string(hide_password=False)


# ---------------------------------------------------------------------------- workers
# `make test` shares the suite between two xdist workers (`-n 2 --dist loadgroup`). Some
# tests must stay together on one worker, one at a time: the PostgreSQL races (two
# 64-connection races at once would pass the server's max_connections, 100) and the browser
# journeys (each backend's gunicorn is started once per worker). xdist 3.8 cannot group by its
# `xdist_group` mark under pytest 9.2 (pytest-xdist#1386), so the scheduler below groups by
# node id instead. Work goes out longest first, so that nothing long is left for the end:
# the slow tests (PostgreSQL's first: the state machine there takes longest), then the
# groups, then the rest (`--no-loadscope-reorder` keeps this order).
_POSTGRESQL_PARAM = re.compile(r"\[postgresql[-\]]")


def _work_unit(nodeid: str) -> str | None:
    """The group a test must run in, whole, on one worker; None if it may go anywhere."""
    path, _, name = nodeid.partition("::")
    if path.startswith("tests/browser/"):
        # One gunicorn per backend and worker: a backend's journeys stay together, so the
        # two backends' servers may run on different workers at once.
        return "browser-postgresql" if _POSTGRESQL_PARAM.search(name) else "browser-sqlite"
    if path.endswith("/test_races.py") and _POSTGRESQL_PARAM.search(name):
        return "postgresql-races"
    return None


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SuiteScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _work_unit(nodeid) or super()._split_scope(nodeid)

    return SuiteScheduling(config, log)


def _send_order(item) -> tuple[bool, bool, bool]:
    on_postgresql = _POSTGRESQL_PARAM.search(item.name) is not None
    slow = item.get_closest_marker("slow") is not None
    return (not slow, _work_unit(item.nodeid) is None, not on_postgresql)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    yield  # after the fixtures' own ordering (by backend)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_send_order)


# ---------------------------------------------------------------------------- redis
# With REDIS_URL the background work is a Huey queue (points/tasks.py). Its tests need a Redis
# server: TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/5). Without one they are skipped — but
# under CI (CI set), where .ci/run provides Redis, a missing or unreachable one fails them.


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    problem = "TEST_REDIS_URL is not set" if not url else None
    if url:
        import redis

        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=5)
            client.ping()
            client.close()
        except redis.RedisError as error:
            problem = f"Redis at {url} cannot be reached: {error}"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; CI runs the Redis-backed tests", pytrace=False)
        pytest.skip(f"{problem}: the Redis-backed tests (the Huey queue) are skipped")
    return url


@dataclass(frozen=True)
class Backend:
    name: str
    url: str  # the template file's URL on SQLite; the database's on PostgreSQL
    reset: PostgresqlReset | None = None  # PostgreSQL: empties the database for a test


# The ledger chain's key in tests (the app refuses to start under TESTING without one): one
# per test run, the same in each xdist worker of it (their shared run id), so that the
# browser journeys' server, which runs without TESTING, can serve the demo snapshot the run
# took (a key published in the repository, as the suite's was, it rightly refuses).
TEST_CHAIN_KEY = "test-chain-" + hashlib.sha256(
    os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex).encode()
).hexdigest()


def app_config(url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "LEDGER_CHAIN_KEY": TEST_CHAIN_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        # Races open up to 64 connections at once.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 70, "max_overflow": 0, "pool_timeout": 60},
        "HOUSEKEEPING_INTERVAL_S": 0,
        # Like synchronous_commit = off on PostgreSQL (see `backend`): a commit need not wait
        # for the disk (WAL with synchronous=NORMAL syncs at checkpoints only). What a
        # transaction sees and locks is the same; only a power cut could lose the last
        # commits of a test database (~2 ms less per commit on this machine). The app's
        # default stays FULL (tests/test_database.py checks it).
        "SQLITE_SYNCHRONOUS": "NORMAL",
        # Never the instance folder's: each app its own anchor file, made only if written
        # (the `app` fixture puts it in the test's tmp_path).
        "LEDGER_ANCHOR_PATH": os.path.join(
            tempfile.gettempdir(), f"points-test-anchor-{uuid.uuid4().hex}.json"
        ),
        **extra,
    }


def _migrate(url: str) -> None:
    app = create_app(app_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_home(tmp_path_factory) -> Iterator[Path]:
    """Where the SQLite test databases live: in RAM (a folder of this session's on the tmpfs
    /dev/shm) when the machine has one, else the session's temp dir. SQLite behaves the same
    on either; on disk, closing a test's database checkpoints its WAL with an fsync (~10-80 ms
    a test here, more while others use the disk), for a file deleted straight after."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("sqlite")
        return
    home = Path(tempfile.mkdtemp(prefix="points-tests-", dir=shm))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, sqlite_home) -> Iterator[Backend]:
    if request.param == "sqlite":
        # pytest may set a session fixture of several params up again later in the session
        # (when tests of the two backends alternate): each set-up migrates its own template.
        template = Path(tempfile.mkdtemp(prefix="template-", dir=sqlite_home)) / "points.sqlite3"
        url = f"sqlite:///{template}"
        _migrate(url)
        yield Backend("sqlite", str(template))
        return
    url = postgresql_test_url()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
        # A commit need not wait for the disk here: what a transaction sees and locks is the
        # same, only a crash of the server could lose the last commits of a test database
        # (~2.5 ms less per commit on this machine; for every connection made from now on).
        name = engine.dialect.identifier_preparer.quote(engine.url.database)
        conn.exec_driver_sql(f"ALTER DATABASE {name} SET synchronous_commit = off")
    engine.dispose()
    _migrate(url)
    reset = PostgresqlReset(url)
    yield Backend("postgresql", url, reset)
    reset.close()


class PostgresqlReset:
    """Brings the test database back to freshly migrated: every table empty, every sequence
    restarted, the chain head at genesis, the rate-limit counters gone (their storage makes
    its table). One engine for the session, so a reset is one transaction on an open
    connection.

    Two ways, the same rows and sequences after either:
    - TRUNCATE of every table (~0.3–0.6 s on this machine: each table and index gets new
      files), before the tests that run requests at once (`concurrent`). After a DELETE
      reset the 32-way booking races deadlocked in the bookings no-overlap exclusion check
      instead of answering Conflict (3 runs in 8; why was not pinned down), never after
      TRUNCATE, so they start from truncated tables as always.
    - DELETE from the tables that have rows and a restart of the sequences that were used
      (a few ms: one query for which tables, then one round trip for the rest), before
      every other test. The ledger's triggers refuse DELETE, and the foreign keys would
      want an order: both are set aside for the reset's own transaction
      (session_replication_role = replica, which needs a superuser; without one, every
      reset truncates)."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
        self.tables = [t.name for t in db.metadata.sorted_tables if t.name != "ledger_head"]
        self.with_rows = " UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT FROM {t})" for t in self.tables
        )
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            self.may_delete = True
        except sa.exc.DBAPIError:
            self.may_delete = False

    def __call__(self, *, truncate: bool = True) -> None:
        if truncate or not self.may_delete:
            statements = [f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"]
        else:
            with self.engine.connect() as conn:
                with_rows = conn.exec_driver_sql(self.with_rows).scalars().all()
                conn.rollback()
            statements = ["SET LOCAL session_replication_role = replica"]
            statements += [f"DELETE FROM {table}" for table in with_rows]
            statements.append(RESTART_USED_SEQUENCES)
        statements += [
            f"UPDATE ledger_head SET seq = 0, hash = '{GENESIS_HASH}'",
            # Rate-limit counters (points/ratelimits.py) live beside the app's tables.
            "DROP TABLE IF EXISTS rate_limit_counters",
        ]
        # One round trip: the statements as one simple query (psycopg 3 sends a query
        # without parameters, unprepared, that way), in one transaction.
        with self.engine.begin() as conn:
            conn.connection.driver_connection.execute("; ".join(statements), prepare=False)

    def close(self) -> None:
        self.engine.dispose()


# The sequences that have handed out a number since they were made or restarted, set back
# to hand out their first next: what ALTER SEQUENCE … RESTART does, without its DDL locks
# (~1.5 ms a sequence here, against one statement for all).
RESTART_USED_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)"
    " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


# What a test that runs requests at once calls (tests/concurrency.py, threads, processes).
RACING = frozenset({"race", "threading", "multiprocessing"})
UNWRAP = "_get_wrapped_function"  # pytest's fixture definitions: the function they wrap


def _names_used(function) -> set[str]:
    """The global names a function's code (its inner functions and lambdas too) refers to."""
    names: set[str] = set()
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return names


def concurrent(request) -> bool:
    """Does the test run requests at once (races, writer threads, forked processes)? Every
    test of a test_races.py does; elsewhere, a test that calls one of RACING — itself, or
    through the functions, classes and fixtures of its module that it uses. Decided per
    test, not per module: a module with one race among twenty plain tests truncates for
    that one only. Unsure (a fixture whose code cannot be read) counts as yes."""
    if request.node.path.name == "test_races.py":
        return True
    module = vars(request.module)
    seen: set[str] = set()
    # The module's own fixtures the test uses (by type: a name like `request` may also be
    # one of flask's proxies there, which raise outside a request).
    fixtures = [module.get(n) for n in request.fixturenames]
    todo = [request.function]
    todo += [f._get_wrapped_function() for f in fixtures if hasattr(type(f), UNWRAP)]
    while todo:
        function = todo.pop()
        if type(function) is not types.FunctionType:
            return True
        names = _names_used(function)
        if names & RACING:
            return True
        for name in names - seen:
            seen.add(name)
            # By type(), never by asking the object: the module may hold proxies (flask's
            # `request`) that raise outside a request.
            found = module.get(name)
            kind = type(found)
            if kind is not types.FunctionType and not issubclass(kind, type):
                continue
            if found.__module__ != request.module.__name__:
                continue
            if kind is types.FunctionType:
                todo.append(found)
            else:  # a helper class of the module: its methods
                todo.extend(f for f in vars(found).values() if type(f) is types.FunctionType)
    return False


@pytest.fixture
def db_url(backend, sqlite_home, request) -> Iterator[str]:
    """A fresh, migrated, empty database for this test (SQLite: a file of its own, removed
    after the test)."""
    if backend.name == "sqlite":
        folder = Path(tempfile.mkdtemp(dir=sqlite_home))
        path = folder / "points.sqlite3"
        shutil.copyfile(backend.url, path)
        yield f"sqlite:///{path}"
        shutil.rmtree(folder, ignore_errors=True)
        return
    backend.reset(truncate=concurrent(request))
    yield backend.url


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, session and `g`, as under a real server, even
    when the test itself holds an app context. The test's own transaction is ended first
    (on SQLite it would hold the write lock the request needs)."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def _per_test_config(tmp_path) -> dict:
    return {
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "LEDGER_ANCHOR_PATH": str(tmp_path / "ledger-anchor.json"),
    }


def _new_app(db_url: str, tmp_path) -> Flask:
    app = create_app(app_config(db_url, **_per_test_config(tmp_path)))
    app.test_client_class = IsolatedClient
    return app


def _close(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _shape(app: Flask) -> tuple:
    """What a test could add to or change in an app's set-up (routes, views, hooks)."""
    return (
        len(list(app.url_map.iter_rules())),
        tuple(app.view_functions.items()),
        tuple(app.blueprints),
        *(
            tuple((key, tuple(funcs)) for key, funcs in registry.items())
            for registry in (
                app.before_request_funcs,
                app.after_request_funcs,
                app.teardown_request_funcs,
                app.url_value_preprocessors,
                app.url_default_functions,
                app.template_context_processors,
            )
        ),
        tuple(app.teardown_appcontext_funcs),
        # Flask adds empty entries here as it looks handlers up: only handlers count.
        tuple(
            (key, code, tuple(handlers.items()))
            for key, codes in app.error_handler_spec.items()
            for code, handlers in codes.items()
            if handlers
        ),
    )


class SharedApp:
    """One built app per worker and backend, handed to test after test (building one costs
    ~0.25 s of CPU, mostly URL rules and the OpenAPI document; there are ~1,400 tests).

    Each test still gets what a new app would give it: the configuration create_app made
    (whatever the last test changed in it is put back), its own database — on SQLite the
    engine is re-made on the test's own copy of the template, with its own rate-limit file
    beside it — and its own upload folder and anchor file. The extensions are single
    objects that every create_app re-binds (Flask-Limiter's storage, flask-smorest's spec,
    Talisman's options), so once any other app has been built in this process the shared
    one is built anew; so is it when a test changed its routes or hooks."""

    def __init__(self, db_url: str, tmp_path) -> None:
        self.app = _new_app(db_url, tmp_path)
        self.config = copy.deepcopy(dict(self.app.config))
        self.storage = limiter.storage
        self.spec = api.spec
        self.shape = _shape(self.app)

    def usable(self) -> bool:
        """Still the app the extensions are bound to, as it was built."""
        return limiter.storage is self.storage and api.spec is self.spec

    def intact(self) -> bool:
        return self.usable() and _shape(self.app) == self.shape

    def rebind(self, db_url: str, tmp_path) -> None:
        """Make the app what create_app(app_config(db_url, …)) would have made it."""
        app = self.app
        url = normalise_database_url(db_url)
        app.config.clear()
        app.config.update(copy.deepcopy(self.config))
        app.config.update(_per_test_config(tmp_path))
        if url != self.config["SQLALCHEMY_DATABASE_URI"]:
            app.config["SQLALCHEMY_DATABASE_URI"] = url
            for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_OPTIONS"):
                app.config.pop(key, None)
            ratelimits.configure(app)
            self.storage.url = app.config["RATELIMIT_STORAGE_OPTIONS"]["url"]
            self._rebind_engine(url)
        # The storage makes its table with its engine: anew for the test's (empty) database.
        self.storage._engine = None

    def _rebind_engine(self, url: str) -> None:
        # As Flask-SQLAlchemy's init_app makes the default engine (flask_sqlalchemy 3.1).
        app = self.app
        engines = db._app_engines[app]
        engines[None].dispose()
        options = {**db._engine_options, **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "url": url}
        options.setdefault("echo", app.config["SQLALCHEMY_ECHO"])
        options.setdefault("echo_pool", app.config["SQLALCHEMY_ECHO"])
        db._apply_driver_defaults(options, app)
        engines[None] = db._make_engine(None, options, app)
        tune_engine(app, engines[None])


_shared_apps: dict[str, SharedApp] = {}


@pytest.fixture
def app(backend, db_url, tmp_path):
    """The app on this test's database. Built once per worker and backend (SharedApp)."""
    shared = _shared_apps.get(backend.name)
    if shared is not None and shared.usable():
        shared.rebind(db_url, tmp_path)
    else:
        shared = _shared_apps[backend.name] = SharedApp(db_url, tmp_path)
    yield shared.app
    _close(shared.app)
    if not shared.intact():
        del _shared_apps[backend.name]


@pytest.fixture
def fresh_app(db_url, tmp_path):
    """An app of the test's own, for a test that adds routes or hooks to it."""
    app = _new_app(db_url, tmp_path)
    yield app
    _close(app)


@pytest.fixture
def ctx(app):
    """An application context: services and db.session work inside the test."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def dialect(backend) -> str:
    return backend.name


# What seeding.load_activity_types and seeding.load_benefits write (tests/snapshots.py).
CATALOGUE_TABLES = ["activity_categories", "activity_types"]
BENEFITS_TABLES = ["providers", "benefits"]


def load_catalogue(backend: Backend, db_url: str, tmp_path_factory) -> None:
    """seeding.load_activity_types() in the current app context, committed: loaded once per
    session and backend, copied into the (empty) catalogue tables after that."""
    from points import seeding

    where = snapshots.folder(tmp_path_factory)
    snapshots.load(
        "catalogue",
        backend.name,
        db_url,
        where,
        seeding.load_activity_types,
        tables=CATALOGUE_TABLES,
    )


def load_benefits(backend: Backend, db_url: str, tmp_path_factory) -> None:
    """seeding.load_benefits() in the current app context, committed, like load_catalogue.
    The providers name their communities: the places must be the same ones (and ids) in
    every test that asks for it."""
    from points import seeding

    where = snapshots.folder(tmp_path_factory)
    snapshots.load(
        "benefits", backend.name, db_url, where, seeding.load_benefits, tables=BENEFITS_TABLES
    )


@pytest.fixture
def demo(app, backend, db_url, tmp_path_factory) -> None:
    """This test's database holds the demo seed (`flask seed demo`): loaded once per session
    and backend, copied into each test's fresh database after that (tests/snapshots.py).
    Ask for it before any fixture that writes (`ctx` is fine: it has written nothing)."""
    load_demo(app, backend.name, db_url, tmp_path_factory)


def load_demo(app: Flask, backend: str, db_url: str, tmp_path_factory) -> None:
    """The demo seed into `app`'s empty database at `db_url`, photos into its upload folder:
    the session's snapshot of it (taken here by running the seed if there is none yet)."""
    from points import seeding

    where = snapshots.folder(tmp_path_factory)
    # The seed's photos (ticket reports) are files beside the database: kept with the
    # snapshot by the test that takes it, copied into each test's upload folder after.
    photos = where / f"demo-{backend}-uploads"
    uploads = Path(app.config["UPLOAD_FOLDER"])

    def load_and_keep_photos():
        seeding.load_demo()
        shutil.rmtree(photos, ignore_errors=True)
        if uploads.exists():
            shutil.copytree(uploads, photos)
        else:
            photos.mkdir()

    with app.app_context():
        snapshots.load("demo", backend, db_url, where, load_and_keep_photos)
    shutil.copytree(photos, uploads, dirs_exist_ok=True)


# ---------------------------------------------------------------------------- members

# The password "demo1234" of the members tests make themselves, hashed once, with scrypt at
# a lower work factor (N=2^10 instead of werkzeug's 2^15): checking it at each sign-in
# costs ~2 ms instead of ~60 ms. The app hashes at the same factor under TESTING
# (members.hash_password); a hash says its own parameters, so all verify alike.
FAST_HASH = generate_password_hash("demo1234", method="scrypt:1024:8:1")


@pytest.fixture
def places(ctx):
    """Two communities of one street, each with two grids: (community_a, community_b)."""
    from points.members import services as members

    a = members.ensure_place("胜浦街道", "云溪社区", ["云溪一网格", "云溪二网格"])
    b = members.ensure_place("胜浦街道", "滨江社区", ["滨江一网格", "滨江二网格"])
    db.session.commit()
    return a, b


@pytest.fixture
def courses(ctx):
    """The six courses of the three training tiers, by code."""
    from points import seeding

    seeding.load_courses()
    db.session.commit()
    from points.members.models import Course

    return {c.code: c for c in db.session.scalars(sa.select(Course))}


@pytest.fixture
def make_member(ctx, places):
    """make_member(phone=None, community=places[0], role=None, level="resident", **kw)."""
    from points.members import services as members

    counter = iter(range(1, 10_000))

    def make(phone=None, *, community=None, role=None, level="resident", name=None, **kw):
        n = next(counter)
        community = community if community is not None else places[0]
        member = members.register_member(
            phone=phone or f"1380000{n:04d}",
            password=None,
            password_hash=FAST_HASH,
            name=name or f"成员{n}",
            community_id=community.id if community else None,
            **kw,
        )
        if role:
            members.grant_role(member, role)
        if level != "resident":
            members.import_level(member, level, reason="test", actor_id=None)
        db.session.commit()
        return member

    return make


@pytest.fixture
def social_worker(make_member):
    return make_member("13900000001", role="social_worker", name="李社工")


def sign_in(client, phone: str, password: str = "demo1234"):
    """Sign in through the web form (CSRF is on in tests, so fetch the token first)."""
    return client.post(
        "/login",
        data={"phone": phone, "password": password, "csrf_token": csrf_token(client, "/login")},
    )


def csrf_token(client, path: str = "/") -> str:
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "page has no CSRF token"
    return match.group(1)


def api_token(client, phone: str, password: str = "demo1234") -> dict:
    answer = client.post("/api/v1/auth/token", json={"phone": phone, "password": password})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}
