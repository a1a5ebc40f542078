"""The application factory: create_app(config) → extensions, blueprints, errors, commands."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from points.config import load_config
from points.database import configure_engine
from points.extensions import api, db, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides defaults and environment (tests pass a mapping)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("POINTS_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(
            db.engine,
            busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
            synchronous=app.config["SQLITE_SYNCHRONOUS"],
        )
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    api.init_app(app)
    from points import housekeeping

    housekeeping.init_app(app)


def register_blueprints(app: Flask) -> None:
    from points.api import register_api
    from points.web import register_web

    register_api(app, api)
    register_web(app)


def register_commands(app: Flask) -> None:
    from points.cli import register_cli

    register_cli(app)
