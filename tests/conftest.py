"""Fixtures: every test that touches the database runs on SQLite and, when
TEST_DATABASE_URL is set, again on PostgreSQL.

The schema comes from the migrations (never create_all): once per session per backend.
SQLite tests each get a copy of the migrated template file; PostgreSQL tests truncate.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import flask_migrate
import pytest
import sqlalchemy as sa

from points import create_app
from points.config import normalise_database_url
from points.extensions import db
from points.ledger.models import GENESIS_HASH

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@dataclass(frozen=True)
class Backend:
    name: str
    url: str  # the template file's URL on SQLite; the database's on PostgreSQL


def app_config(url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        # Races open up to 64 connections at once.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 70, "max_overflow": 0, "pool_timeout": 60},
        "HOUSEKEEPING_INTERVAL_S": 0,
        **extra,
    }


def _migrate(url: str) -> None:
    app = create_app(app_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory) -> Backend:
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("template") / "points.sqlite3"
        url = f"sqlite:///{template}"
        _migrate(url)
        return Backend("sqlite", str(template))
    url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    _migrate(url)
    return Backend("postgresql", url)


def _reset_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    tables = [t.name for t in db.metadata.sorted_tables if t.name != "ledger_head"]
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        conn.exec_driver_sql(f"UPDATE ledger_head SET seq = 0, hash = '{GENESIS_HASH}'")
    engine.dispose()


@pytest.fixture
def db_url(backend, tmp_path) -> str:
    """A fresh, migrated, empty database for this test."""
    if backend.name == "sqlite":
        path = tmp_path / "points.sqlite3"
        shutil.copyfile(backend.url, path)
        return f"sqlite:///{path}"
    _reset_postgresql(backend.url)
    return backend.url


@pytest.fixture
def app(db_url):
    app = create_app(app_config(db_url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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
