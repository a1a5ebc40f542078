"""Browser journeys: Playwright drives the system Chromium against the app served by gunicorn.

The server is a real process on 127.0.0.1 (a free port) with its own database: a SQLite file
in a tmp dir — and, when TEST_DATABASE_URL names a PostgreSQL server, a second run against a
database of its own beside the test database — migrated, holding the demo seed (the run's
snapshot of it, tests/snapshots.py; `flask seed demo` itself is tests/test_cli.py's), served
as `make run` serves it. Each person in a journey gets a browser context of their own (their own
cookies), sized like a phone 360 px wide, with JavaScript off (core flows must not need it;
`person(javascript=True)` is for the tests of what a script adds, test_scan.py);
`snap` saves a phone and a desktop screenshot of the current page under build/screenshots/
in the SQLite run (the PostgreSQL run serves the same pages; its journeys check what the
database does, and skip the ~1 s a step that two full-page screenshots cost).

Chromium is Debian's (`apt-get install chromium fonts-noto-cjk`; .ci/run does it): Playwright
never downloads a browser here. Without one the journeys are skipped loudly on a developer's
machine and fail under CI (the `CI` variable set).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from points import create_app
from points.extensions import db
from tests.browser.steps import DESKTOP, PHONE
from tests.conftest import (
    TEST_CHAIN_KEY,
    app_config,
    database_beside,
    load_demo,
    postgresql_test_url,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
BIN = Path(sys.executable).parent
MAX_HEIGHT = 4000  # px of a screenshot, at most


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM = _chromium()
NO_CHROMIUM = (
    "!!! BROWSER JOURNEYS NOT RUN: no Chromium found (looked for $CHROMIUM, /usr/bin/chromium, "
    "chromium on PATH). Install it with `apt-get install -y chromium fonts-noto-cjk`. !!!"
)


def pytest_terminal_summary(terminalreporter):
    if CHROMIUM is None:
        terminalreporter.write_line(NO_CHROMIUM, red=True, bold=True)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system Chromium; without one: fail under CI, skip (loudly) elsewhere."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail(NO_CHROMIUM, pytrace=False)
        pytest.skip(NO_CHROMIUM)
    return CHROMIUM


# ---------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_postgresql(test_url: str) -> str:
    """A database of its own beside the test database (the unit tests wipe theirs)."""
    url = sa.make_url(test_url)
    own = database_beside(url, f"{url.database}_browser")
    engine = sa.create_engine(own)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return own.render_as_string(hide_password=False)


@dataclass
class Server:
    backend: str
    url: str
    database_url: str = ""  # the served database, for a journey that moves a row's time
    log: Path | None = None  # gunicorn's output: errors, and each request with its seconds

    def __call__(self, path: str = "/") -> str:
        return self.url + path


SERVER_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _demo_database(backend: str, url: str, home: Path, tmp_path_factory) -> None:
    """Migrate the served database, then put the demo seed in it with its photos: the copy
    of it the run takes once per backend (tests/snapshots.py, as the `demo` fixture gives
    each test), instead of running `flask seed demo` again (10–30 s a backend; tests/
    test_cli.py runs the command itself). The seed ran under the test configuration: its
    ledger is chained with the run's TEST_CHAIN_KEY, which the server is given."""
    app = create_app(app_config(url, UPLOAD_FOLDER=str(home / "uploads")))
    with app.app_context():
        flask_migrate.upgrade()
    load_demo(app, backend, url, tmp_path_factory)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session", params=SERVER_BACKENDS)
def server(request, tmp_path_factory, chromium_path):
    """gunicorn serving the app on a free port of 127.0.0.1, migrated and demo-seeded."""
    home = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{home / 'points.sqlite3'}"
    else:
        database_url = _fresh_postgresql(postgresql_test_url())
    _demo_database(request.param, database_url, home, tmp_path_factory)
    # No SECRET_KEY: the server makes its own in its instance folder, as `make run` does.
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env.update({"DATABASE_URL": database_url, "POINTS_INSTANCE_PATH": str(home)})
    env["LEDGER_CHAIN_KEY"] = TEST_CHAIN_KEY  # the demo snapshot's chain
    env["PYTHONUNBUFFERED"] = "1"  # the log is up to date when a journey fails
    port = _free_port()
    log = (home / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            # Each request and how long it took (%(L)s, seconds), for a failed journey's report.
            "--access-logfile",
            "-",
            "--access-logformat",
            '%(t)s "%(r)s" %(s)s %(L)ss',
            "points:create_app(commands=False)",  # as the Procfile serves it
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, home / "gunicorn.log")
        yield Server(request.param, base, database_url, home / "gunicorn.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()}", False)
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()}", False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed journey's report ends with what the server did meanwhile (slow answers,
    errors): the last lines of its log."""
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("server")
    if report.failed and isinstance(server, Server) and server.log and server.log.exists():
        tail = server.log.read_text(errors="replace").splitlines()[-60:]
        report.sections.append(("gunicorn log, last lines", "\n".join(tail)))


# ---------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path,
            # A camera without a person or a device: no permission prompt, and a synthetic
            # moving picture for getUserMedia (the counter's scanning test); others ignore it.
            args=["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def person(browser, server):
    """person() → a new phone-sized page with its own cookies, like a second phone.

    person(javascript=True) runs the page's scripts (and may use the camera), for the few
    tests of what a script adds; everything else runs with JavaScript off."""
    contexts = []

    def open_phone(locale: str = "zh-CN", javascript: bool = False):
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale=locale,
            base_url=server.url,
            # Core flows work without JavaScript: pages run with it off (Playwright's own
            # probes still work), so a script slipping in cannot carry a journey.
            java_script_enabled=javascript,
            permissions=["camera"] if javascript else [],
        )
        # Playwright's own default: a loaded 2-core machine (CI, both test workers busy with
        # races) has taken over 15 s to answer a form's navigation; what a journey checks is
        # what the pages do, not how fast (that is `make bench`).
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def snap(request, server):
    """snap(page, "step") saves <journey>/<backend[-param]>-<nn>-<step>-phone.png and
    -desktop.png (`desktop=False`: the phone's only — capturing a full desktop page is most
    of a step's time); on PostgreSQL it only waits for the page the step is about."""
    journey = re.sub(r"[^a-z0-9_]+", "-", request.node.originalname.lower()).strip("-")
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))
    callspec = getattr(request.node, "callspec", None)
    variant = callspec.id if callspec else server.backend  # e.g. "sqlite-13900000004"
    for old in folder.glob(f"{variant}-[0-9][0-9]-*.png"):  # an earlier run's
        old.unlink()

    def shoot(page, path: Path, size: dict) -> None:
        # A click that navigates returns before the next document exists; measuring then
        # finds no scrolling element. Wait for the page the step is about.
        page.wait_for_load_state("load")
        page.set_viewport_size(size)
        # The whole page, cut off at a few screens (the benefits list runs to metres).
        height = min(
            page.evaluate("(document.scrollingElement || document.documentElement).scrollHeight"),
            MAX_HEIGHT,
        )
        clip = {"x": 0, "y": 0, "width": size["width"], "height": height}
        # At CSS pixels, not the phone's 2× device pixels: a quarter of the pixels to encode
        # (PNG encoding was over half of a journey's time), and as legible.
        page.screenshot(path=str(path), full_page=True, clip=clip, scale="css")

    def take(page, step: str, *, desktop: bool = True) -> None:
        if server.backend != "sqlite":
            page.wait_for_load_state("load")
            return
        stem = f"{variant}-{next(counter):02d}-{step}"
        if desktop:
            shoot(page, folder / f"{stem}-desktop.png", DESKTOP)
        shoot(page, folder / f"{stem}-phone.png", PHONE)

    return take
