"""Static files under versioned addresses, cached for a year; responses compressed.

`url_for('static', filename='app.css')` gives `/static/app.css?v=<hash>`, the hash of the
file's bytes: a changed file gets a new address, so browsers may keep each address for a year
(`public, max-age=31536000, immutable`) and never ask again. An address without the current
hash (an old page, a hand-typed one) still answers, with Flask's `no-cache`, so it is checked
each time. Pages themselves are not cached here (their Cache-Control stays as each view sets
it). Responses are compressed (brotli or gzip, as the browser accepts) by Flask-Compress.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

from points.extensions import compress

YEAR = 365 * 24 * 3600
HASH_LENGTH = 12  # hex digits of SHA-256: 48 bits, plenty to tell two versions of a file apart
VERSION_ARG = "v"

# (path, mtime_ns, size) → hash: a file is read again only when the operating system says it
# changed, so a deploy (or an edit while developing) gets its new address at once.
_hashes: dict[tuple[str, int, int], str] = {}


def static_version(filename: str) -> str | None:
    """The hash of a static file's bytes, or None when there is no such file."""
    folder = current_app.static_folder
    path = safe_join(folder, filename) if folder else None
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    found = _hashes.get(key)
    if found is None:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:HASH_LENGTH]
        found = _hashes[key] = digest
    return found


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint != "static" or VERSION_ARG in values or "filename" not in values:
        return
    version = static_version(values["filename"])
    if version is not None:
        values[VERSION_ARG] = version


def _cache_versioned(response: Response) -> Response:
    """A static file asked for under its current hash is cached for a year."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    asked = request.args.get(VERSION_ARG)
    filename = (request.view_args or {}).get("filename")
    if asked and filename and asked == static_version(filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response


def _read_static(response: Response) -> Response:
    """A static file is sent from memory rather than streamed from the open file, so it is
    compressed like a page (gzip too, with its ETag) and the file is closed when the answer
    is; the stylesheet and the scripts are a few kilobytes."""
    if request.endpoint == "static" and response.direct_passthrough:
        response.direct_passthrough = False
        response.make_sequence()  # reads the file, and closes it when the answer closes
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    # after_request hooks run last-registered first: read the file, compress, then cache.
    app.after_request(_cache_versioned)
    # Brotli, else gzip: what every phone browser takes. zstd is left out (newer, and some
    # proxies and clients still pass it on undecoded).
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    compress.init_app(app)
    app.after_request(_read_static)
