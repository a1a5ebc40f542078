"""Security headers on every response, and pages that keep within the Content-Security-Policy:
no inline script or style, no event-handler attributes, no javascript: addresses."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from points import create_app
from points.extensions import db
from points.spaces import attendance
from points.spaces.models import Space
from tests.conftest import app_config, csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
NO_CAMERA = "camera=()"
CAMERA = "camera=(self)"


def assert_secured(answer, camera: str = NO_CAMERA) -> None:
    headers = answer.headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Permissions-Policy"].split(", ")
    assert camera in policy and "microphone=()" in policy and "geolocation=()" in policy


@pytest.fixture
def raising_app(db_url, tmp_path):
    """The app with a page and an API route that fail, answered as in production."""
    app = create_app(app_config(db_url, PROPAGATE_EXCEPTIONS=False))

    def fail():
        raise RuntimeError("boom (a test's own failure)")

    app.add_url_rule("/test-fails", "test_fails", fail)
    app.add_url_rule("/api/v1/test-fails", "test_api_fails", fail)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "path, status, mimetype",
    [
        ("/login", 200, "text/html"),
        ("/api/v1/activity-types", 200, "application/json"),
        ("/api/v1/openapi.json", 200, "application/json"),
        ("/static/app.css", 200, "text/css"),
        ("/static/scan.js", 200, "text/javascript"),
        ("/no-such-page", 404, "text/html"),
        ("/api/v1/no-such-thing", 404, "application/json"),
        ("/me/claims", 302, "text/html"),  # to the sign-in page
    ],
)
def test_every_kind_of_response_carries_the_headers(client, path, status, mimetype):
    with client.get(path) as answer:  # closed: a static file is an open file
        assert answer.status_code == status and answer.mimetype == mimetype
        assert_secured(answer)


@pytest.mark.parametrize(
    "path, mimetype", [("/test-fails", "text/html"), ("/api/v1/test-fails", "application/json")]
)
def test_a_server_error_carries_the_headers(raising_app, path, mimetype):
    answer = raising_app.test_client().get(path)
    assert answer.status_code == 500 and answer.mimetype == mimetype
    assert_secured(answer)


def test_hsts_only_over_https_and_plain_http_is_not_redirected(client):
    plain = client.get("/login")
    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_secured(secure)


def test_talisman_leaves_the_session_cookie_flags_to_the_apps_configuration(db_url):
    app = create_app(
        app_config(
            db_url,
            SESSION_COOKIE_SAMESITE="Strict",
            SESSION_COOKIE_HTTPONLY=False,
            SESSION_COOKIE_SECURE=False,
        )
    )
    # Over plain http: Talisman forces neither HttpOnly nor Secure (over https the app itself
    # marks every cookie Secure: tests/members/test_sign_in_security.py).
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie and "HttpOnly" not in cookie and "Secure" not in cookie
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is False
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------------------- the pages

INLINE = re.compile(r"^on[a-z]+$")


class PageReader(HTMLParser):
    """Collects what the policy forbids in a page, its links and its scripts."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name == "style" or INLINE.match(name):
                self.problems.append(f"<{tag} {name}=…>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if not values.get("src"):
                self.problems.append("<script> without src")
            else:
                self.scripts.append(values["src"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    handle_startendtag = handle_starttag


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


def pattern(url: str) -> str:
    """One visit per kind of page: ids become N, only the query's keys count."""
    parts = urlsplit(url)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client, start: list[str], most: int = 150) -> dict[str, tuple[int, list[str]]]:
    """Follow the site's own links from `start`: {url: (status, problems)} per page kind;
    fails at once on a page that breaks the policy or on a server error."""
    seen: set[str] = set()
    visited: dict[str, tuple[int, list[str]]] = {}
    queue = list(start)
    while queue and len(visited) < most:
        url = queue.pop(0)
        if pattern(url) in seen:
            continue
        seen.add(pattern(url))
        answer = client.get(url)
        assert answer.status_code < 500, url
        camera = CAMERA if "camera=(self)" in answer.headers["Permissions-Policy"] else NO_CAMERA
        assert_secured(answer, camera)
        if answer.mimetype != "text/html" or answer.status_code != 200:
            visited[url] = (answer.status_code, [])
            continue
        page = read_page(answer.get_data(as_text=True))
        assert not page.problems, f"{url}: {page.problems}"
        scans = any(urlsplit(src).path.endswith("/scan.js") for src in page.scripts)
        assert (camera == CAMERA) == scans, f"{url}: camera {camera}, scan.js {scans}"
        visited[url] = (answer.status_code, page.problems)
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not link.startswith("/"):
                continue
            if parts.path.startswith("/static/") or parts.path.endswith((".csv", ".xlsx")):
                continue
            queue.append(link)
    return visited


DEMO = {
    "volunteer": "13900000004",  # 王阿姨: points, claims, a voucher with its QR code
    "merchant": "13900000002",  # 张店长: the counter, the statement
    "social worker": "13900000001",  # 李社工: queues, members, utilisation charts, posters
    "host": "13900000003",  # 宋老师: bookings, an activity's check-in code
}


def test_no_page_has_inline_script_style_or_handlers_for_any_role(app, demo):
    for role, phone in DEMO.items():
        client = app.test_client()
        visitor = crawl(client, ["/", "/benefits", "/activities/types", "/login", "/register"])
        assert len(visitor) >= 5, role
        sign_in(client, phone)
        pages = crawl(client, ["/"])
        assert len([s for s, _ in pages.values() if s == 200]) >= 15, (role, sorted(pages))


def test_every_template_is_free_of_inline_script_and_style():
    """The pages the crawl may not reach, read as written."""
    forbidden = [
        (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
        (re.compile(r"<style[\s>]", re.I), "<style> element"),
        (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "<script> without src"),
        (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
        (re.compile(r"javascript:", re.I), "javascript: address"),
    ]
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for rule, what in forbidden
        if rule.search(path.read_text("utf-8"))
    ]
    assert found == []


def test_the_camera_is_allowed_only_on_the_counter_that_scans(app, demo):
    with app.app_context():
        space = db.session.scalars(sa.select(Space).order_by(Space.id)).first()
        door_code = attendance.space_code(space)
    client = app.test_client()
    sign_in(client, DEMO["merchant"])
    counter = client.get("/merchant")
    assert "scan.js" in counter.get_data(as_text=True)
    assert_secured(counter, CAMERA)
    wrong = client.post(
        "/merchant/confirm", data={"code": "AAA-AAA-AAA", "csrf_token": csrf_token(client)}
    )
    assert wrong.status_code == 404 and "scan.js" in wrong.get_data(as_text=True)
    assert_secured(wrong, CAMERA)
    assert_secured(client.get("/"), NO_CAMERA)  # the home page's confirm box does not scan

    # Members check in by scanning a code with the phone's own camera app, which opens these
    # pages: the pages themselves never use the camera.
    client = app.test_client()
    sign_in(client, DEMO["host"])
    for path in ("/activities/check-in?token=x", f"/spaces/check-in/{door_code}"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert_secured(answer, NO_CAMERA)
