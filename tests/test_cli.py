"""Operator commands call the same services and commit once."""

from __future__ import annotations

from datetime import timedelta

from points import create_app
from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Account
from tests.conftest import app_config


def test_the_demo_seed_loads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "demo seed loaded" in first.output
    again = runner.invoke(args=["seed", "demo"])
    assert "not loaded again" in again.output
    with app.app_context():
        assert ledger.balance_of(ledger.system_account("issuance")).balance == 0
        assert ledger.system_account("issuance").may_go_negative
        assert not ledger.system_account("expired").may_go_negative


def _overdue_hold(app) -> tuple[int, int]:
    """A wallet of 10 with all 10 held by a hold that expired a minute ago."""
    with app.app_context():
        wallet = ledger.member_wallet(1)
        ledger.transfer(
            kind="earn", source=ledger.system_account("issuance"), destination=wallet, amount=10
        )
        now = utcnow()
        h = ledger.hold(
            source=wallet,
            destination=ledger.system_account("redeemed:1"),
            amount=10,
            kind="redeem",
            expires_at=now - timedelta(minutes=1),
            now=now - timedelta(days=1),
        )
        db.session.commit()
        return wallet.id, h.id


def _assert_released(app, wallet_id: int, hold_id: int) -> None:
    with app.app_context():
        assert ledger.get_hold(hold_id).status == "expired"
        assert db.session.get(Account, wallet_id).held == 0


def test_the_sweep_command_voids_overdue_holds(app):
    wallet_id, hold_id = _overdue_hold(app)
    result = app.test_cli_runner().invoke(args=["ledger", "sweep"])
    assert result.exit_code == 0, result.output
    assert "holds_expired: 1" in result.output
    _assert_released(app, wallet_id, hold_id)


def test_the_app_sweeps_by_itself_when_requests_arrive(db_url):
    app = create_app(app_config(db_url, HOUSEKEEPING_INTERVAL_S=60))
    wallet_id, hold_id = _overdue_hold(app)
    assert app.test_client().get("/").status_code == 200
    _assert_released(app, wallet_id, hold_id)
    with app.app_context():
        db.engine.dispose()
