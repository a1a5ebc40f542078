"""HTML pages. One module per area: parse → call a service → commit → render."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from points.web.home import bp as home_bp

    app.register_blueprint(home_bp)
