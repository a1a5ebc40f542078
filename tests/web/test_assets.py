"""Pages go compressed when the browser accepts it; static files live at addresses carrying
the hash of their bytes and are cached for a year there; pages themselves are not cached."""

from __future__ import annotations

import gzip
import re

from flask import url_for

from points import create_app
from points.extensions import db
from tests.conftest import app_config

LONG_CACHE = {"public", "max-age=31536000", "immutable"}
STYLESHEET = re.compile(r'href="(/static/app\.css\?v=([0-9a-f]{12}))"')


def cache_words(answer) -> set[str]:
    return {word.strip() for word in answer.headers.get("Cache-Control", "").split(",") if word}


def test_a_page_is_sent_gzip_encoded_when_asked_and_plain_otherwise(client):
    packed = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    page = gzip.decompress(packed.data).decode()
    assert "<form" in page

    plain = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert "<form" in plain.get_data(as_text=True)


def test_brotli_is_preferred_when_the_browser_takes_it(client):
    answer = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert answer.headers["Content-Encoding"] == "br"


def test_pages_stay_uncached(client):
    answer = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert not cache_words(answer) & LONG_CACHE


def test_the_stylesheet_address_carries_its_hash_and_is_cached_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    address, version = STYLESHEET.search(page).groups()
    with client.get(address) as answer:
        assert answer.status_code == 200 and answer.mimetype == "text/css"
        assert LONG_CACHE <= cache_words(answer)
        assert "no-cache" not in cache_words(answer)
    # The same file without its hash (or with an old one) is checked every time instead.
    for stale in ("/static/app.css", "/static/app.css?v=000000000000"):
        with client.get(stale) as answer:
            assert answer.status_code == 200
            assert not cache_words(answer) & LONG_CACHE
    assert len(version) == 12


def test_the_stylesheet_is_sent_compressed(client):
    page = client.get("/login").get_data(as_text=True)
    address, _ = STYLESHEET.search(page).groups()
    for encoding in ("br", "gzip"):
        with client.get(address, headers={"Accept-Encoding": encoding}) as answer:
            assert answer.headers["Content-Encoding"] == encoding
            assert LONG_CACHE <= cache_words(answer)
    with client.get(address, headers={"Accept-Encoding": "identity"}) as plain:
        with client.get(address, headers={"Accept-Encoding": "gzip"}) as packed:
            assert gzip.decompress(packed.data) == plain.data


def test_changing_a_files_bytes_changes_its_address(db_url, tmp_path):
    app = create_app(app_config(db_url))
    app.static_folder = str(tmp_path)
    sheet = tmp_path / "app.css"
    try:
        sheet.write_text("body { color: black; }")
        with app.test_request_context():
            first = url_for("static", filename="app.css")
        sheet.write_text("body { color: navy; }")
        with app.test_request_context():
            second = url_for("static", filename="app.css")
            missing = url_for("static", filename="no-such.css")
        assert first.startswith("/static/app.css?v=") and second.startswith("/static/app.css?v=")
        assert first != second
        assert missing == "/static/no-such.css"  # nothing to hash: the plain address
        client = app.test_client()
        with client.get(second) as answer:
            assert answer.get_data(as_text=True) == "body { color: navy; }"
            assert LONG_CACHE <= cache_words(answer)
        with client.get(first) as answer:  # the old address: the new bytes, not kept
            assert not cache_words(answer) & LONG_CACHE
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
