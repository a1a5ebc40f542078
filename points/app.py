"""The application factory: create_app(config) → extensions, blueprints, errors, commands."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from points import boundary, inputs
from points.config import load_config
from points.database import configure_engine
from points.extensions import api, csrf, db, limiter
from points.keys import WeakKey, instance_key

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None, *, commands: bool = True) -> Flask:
    """Build the app; `config` overrides defaults and environment (tests pass a mapping).

    `commands=False` is how gunicorn serves it (Procfile): a web worker runs no command, so
    neither the CLI nor Flask-Migrate (and Alembic with it) is imported — about 10 MB less
    in every worker, and a quicker start."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("POINTS_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("TESTING"):
        app.config["SECRET_KEY"] = instance_key(
            app.instance_path, "SECRET_KEY", app.config["SECRET_KEY"]
        )
        app.config["LEDGER_CHAIN_KEY"] = instance_key(
            app.instance_path, "LEDGER_CHAIN_KEY", app.config["LEDGER_CHAIN_KEY"]
        )
    elif not app.config.get("LEDGER_CHAIN_KEY"):
        raise WeakKey("TESTING: the test configuration must bring its own LEDGER_CHAIN_KEY")
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    inputs.init_app(app)  # after the blueprints' own hooks (who is asking comes first)
    register_error_handlers(app)
    if commands:
        register_commands(app)
    boundary.init_app(app)  # last: every view is registered by now
    return app


def tune_engine(app: Flask, engine) -> None:
    """The database settings for `engine`: durability, busy timeout, when SQLite's write
    lock is taken (the request boundary says)."""
    configure_engine(
        engine,
        busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        synchronous=app.config["SQLITE_SYNCHRONOUS"],
        begins_writing=boundary.begins_writing,
    )


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        tune_engine(app, db.engine)
    from points import assets, headers, identity, ratelimits
    from points import jobs as _jobs  # noqa: F401 (mapped tables: the periodic jobs' last runs)

    # First, so that who is asking is settled before any other hook (limits, CSRF) asks.
    identity.init_app(app)
    csrf.init_app(app)
    api.init_app(app)
    ratelimits.configure(app)
    limiter.init_app(app)
    from points.activities import reconcile as claims_reconcile
    from points.activities import services as activities
    from points.fund import reconcile as fund_reconcile
    from points.marketplace import models as _marketplace_models  # noqa: F401 (mapped tables)
    from points.marketplace import reconcile as vouchers_reconcile
    from points.notifications import models as _notifications_models  # noqa: F401 (tables)
    from points.programmes import services as programmes
    from points.spaces import attendance, standing
    from points.spaces import models as _spaces_models  # noqa: F401 (mapped tables)
    from points.spaces import reconcile as bookings_reconcile
    from points.tickets import models as _tickets_models  # noqa: F401 (mapped tables)

    headers.init_app(app)  # security headers on every response, errors and static files too
    assets.init_app(app)  # versioned static addresses cached a year; compression last of all
    # Domains that measure what members do feed the ladder and the assessment.
    activities.register_measures()
    attendance.register_measures()
    programmes.register()  # sessions held, ratings, complaints; rating invitations at close
    # `ledger verify` checks each domain's rows against their transfers and holds.
    claims_reconcile.register()
    vouchers_reconcile.register()
    bookings_reconcile.register()
    fund_reconcile.register()
    # What losing a level or active status does to bookings (exit, suspension, demotion).
    standing.register()
    if app.config["REDIS_URL"]:
        # Only then: without Redis nothing imports Huey or redis (the embedded default).
        from points import tasks

        tasks.init_app(app)


def register_blueprints(app: Flask) -> None:
    from points.api import register_api
    from points.web import register_web

    register_api(app, api)
    register_web(app)


def register_error_handlers(app: Flask) -> None:
    """API paths answer in the contract's JSON; pages answer with a page."""
    from werkzeug.exceptions import HTTPException, InternalServerError

    from points import api as api_errors
    from points.api import open311
    from points.errors import NotFound, PointsError
    from points.web import error_page, points_error_page

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if open311.is_open311_request():
            return open311.http_error_response(error)
        if api_errors.is_api_request():
            return api_errors.http_error_response(error)
        if error.code == 429:
            return error_page(429, retry_minutes=_retry_minutes())
        return error_page(error.code or 500)

    @app.errorhandler(PointsError)
    def _points(error: PointsError):
        if open311.is_open311_request():
            return open311.points_error_response(error)
        if api_errors.is_api_request():
            return api_errors.points_error_response(error)
        # The view's writes are rolled back already (points/boundary.py). Not found is the
        # page that is not here; any other refusal a page did not show on its own form is
        # shown by its status and the fields it names.
        if isinstance(error, NotFound):
            return error_page(404)
        return points_error_page(error)

    @app.errorhandler(InternalServerError)
    def _server(error: InternalServerError):
        if open311.is_open311_request():
            return open311.error_response(500, "something went wrong on our side")
        if api_errors.is_api_request():
            return api_errors.server_error_response()
        return error_page(500)


def _retry_minutes() -> int:
    """Whole minutes until the limit that refused this request lets the caller try again."""
    import math
    import time

    refused = limiter.current_limit
    seconds = refused.reset_at - time.time() if refused else 60
    return max(1, math.ceil(seconds / 60))


def register_commands(app: Flask) -> None:
    """`flask …`: ours, and Flask-Migrate's `flask db` on points/migrations."""
    from flask_migrate import Migrate

    from points.cli import register_cli

    Migrate(app, db, directory=str(Path(__file__).parent / "migrations"))
    register_cli(app)
