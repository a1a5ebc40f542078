"""Money in the ledger: a third asset that never shares a transfer with points, checked by
the ledger's code, by the database, and by `ledger verify`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from points.errors import InsufficientPoints, InvalidInput
from points.extensions import db
from points.fund import services as fund
from points.ledger import services as ledger
from points.ledger.verify import verify_ledger
from tests.fund.conftest import fee
from tests.ledger.conftest import raw


@pytest.fixture
def money(ctx):
    income = ledger.system_account("income:sponsorship", "cny")
    fund_account = ledger.system_account("fund:1", "cny")
    issuance = ledger.system_account("issuance")
    wallet = ledger.member_wallet(1)
    ledger.transfer(kind="income", source=income, destination=fund_account, amount=10_000)
    db.session.commit()
    return income, fund_account, issuance, wallet


def test_money_and_points_never_move_in_one_transfer(money):
    income, fund_account, issuance, wallet = money
    with pytest.raises(InvalidInput) as refused:
        ledger.post_transfer(
            kind="transfer",
            postings=[(income, -5), (fund_account, 5), (issuance, -5), (wallet, 5)],
        )
    assert refused.value.key == "ledger.money_mixed"
    db.session.rollback()
    with pytest.raises(InvalidInput):  # nor fen into a points wallet
        ledger.transfer(kind="transfer", source=fund_account, destination=wallet, amount=5)
    db.session.rollback()
    assert ledger.balance_of(fund_account).balance == 10_000


def test_the_database_refuses_a_points_posting_in_a_money_transfer(money, dialect):
    _, fund_account, issuance, _ = money
    transfer_id = db.session.execute(sa.text("SELECT max(transfer_id) FROM postings")).scalar()
    with pytest.raises(DBAPIError, match="money never shares a transfer"):
        raw(
            "INSERT INTO postings (transfer_id, account_id, asset, amount, balance_after) "
            "VALUES (:t, :a, 'points', 1, 1)",
            t=transfer_id,
            a=issuance.id,
        )
    db.session.rollback()
    assert verify_ledger().ok


def test_the_fund_account_never_goes_below_zero(money):
    _, fund_account, _, _ = money
    grants = ledger.system_account("grants:1", "cny")
    with pytest.raises(InsufficientPoints) as refused:
        ledger.transfer(kind="transfer", source=fund_account, destination=grants, amount=10_001)
    assert refused.value.key == "ledger.insufficient_money"
    db.session.rollback()
    with pytest.raises(DBAPIError):  # the database's floor, whatever the code
        raw("UPDATE accounts SET balance = -1 WHERE id = :a", a=fund_account.id)
    db.session.rollback()


def test_verify_covers_money_and_catches_a_tampered_money_posting(money, unguarded, app):
    report = verify_ledger()
    assert report.ok, report.faults
    assert report.assets["cny"] == (2, 2, 0)
    raw("UPDATE postings SET amount = amount + 100 WHERE asset = 'cny' AND amount > 0")
    report = verify_ledger()
    assert any("its cny postings sum to +100" in fault for fault in report.faults), report.faults
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "cny 2 accounts, 2 postings, sum +100" in result.output


def test_verify_checks_the_fund_rows_against_their_transfers(people, rates, app):
    fee(people, key="door")
    db.session.commit()
    report = verify_ledger()
    assert report.ok, report.faults
    assert report.domains["fund entries"] == 1
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "1 fund entries: OK" in result.output
    assert fund.yuan(123456) == "¥1,234.56"
