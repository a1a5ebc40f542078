"""The chain key lives outside the database: from the environment, or made once in the
instance folder, owner-only; tests bring their own."""

from __future__ import annotations

import secrets
import stat

import pytest

from points import create_app
from points.extensions import db
from points.keys import WeakKey
from tests.conftest import app_config


def _production_app(db_url: str, monkeypatch, instance, **config):
    monkeypatch.setenv("POINTS_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("LEDGER_CHAIN_KEY", raising=False)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": db_url,
            "HOUSEKEEPING_INTERVAL_S": 0,
            "SECRET_KEY": secrets.token_urlsafe(48),
            **config,
        }
    )
    with app.app_context():
        db.engine.dispose()
    return app


def test_without_a_key_the_app_makes_one_in_the_instance_folder_once(db_url, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    first = _production_app(db_url, monkeypatch, instance)
    path = instance / "ledger_chain_key.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.config["LEDGER_CHAIN_KEY"] == path.read_text().strip()
    assert len(first.config["LEDGER_CHAIN_KEY"]) >= 32
    again = _production_app(db_url, monkeypatch, instance)
    assert again.config["LEDGER_CHAIN_KEY"] == first.config["LEDGER_CHAIN_KEY"]


def test_a_key_from_the_environment_is_used_and_no_file_is_made(db_url, tmp_path, monkeypatch):
    key = secrets.token_urlsafe(48)
    app = _production_app(db_url, monkeypatch, tmp_path, LEDGER_CHAIN_KEY=key)
    assert app.config["LEDGER_CHAIN_KEY"] == key
    assert not (tmp_path / "ledger_chain_key.key").exists()


@pytest.mark.parametrize("weak", ["", "changeme", "short-key"])
def test_a_weak_key_is_refused_at_start(db_url, tmp_path, monkeypatch, weak):
    with pytest.raises(WeakKey, match="LEDGER_CHAIN_KEY"):
        _production_app(db_url, monkeypatch, tmp_path, LEDGER_CHAIN_KEY=weak)


def test_a_test_app_without_its_own_key_is_refused(db_url):
    with pytest.raises(WeakKey, match="LEDGER_CHAIN_KEY"):
        create_app(app_config(db_url, LEDGER_CHAIN_KEY=None))
