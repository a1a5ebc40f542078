"""The yardstick of the HTTP bench: a bare Flask app with one JSON endpoint, served by gunicorn
exactly as `make run` serves the real one (`gunicorn 'tests.benchmarks.bare_app:create_app()'`).
The health endpoint's figure is read against this one's: what the request pipeline costs."""

from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/api/v1/health")
    def health():
        return {"status": "ok"}

    return app
