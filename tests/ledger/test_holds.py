"""Two-phase transfers: a hold reserves, then is posted, voided or expires — exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.errors import (
    HoldNotPending,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
)
from points.extensions import db
from points.ledger import services as ledger
from points.ledger import sql as ledger_sql
from tests.ledger.conftest import balances, counts

# Fixed when the module is imported: balances are read as at a moment relative to it, since a
# slow full run may reach these tests after the holds have expired on the real clock.
NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def wallet(make_wallet):
    return make_wallet(1, 100)


@pytest.fixture
def shop(ctx):
    return ledger.system_account("redeemed:3")


def _hold(wallet, shop, amount=40, minutes=30, **kw):
    return ledger.hold(
        source=wallet,
        destination=shop,
        amount=amount,
        kind="redeem",
        expires_at=NOW + timedelta(minutes=minutes),
        now=NOW,
        **kw,
    )


def test_a_hold_leaves_the_balance_but_not_the_available_points(wallet, shop):
    _hold(wallet, shop)
    db.session.commit()
    assert balances(wallet, now=NOW) == [(100, 40, 60)]


def test_a_hold_beyond_what_is_available_is_refused(wallet, shop):
    _hold(wallet, shop, 70)
    with pytest.raises(InsufficientPoints) as error:
        _hold(wallet, shop, 31)
    assert "only 30 points available" in error.value.message


def test_voiding_gives_the_points_back_and_a_second_end_is_refused(wallet, shop):
    h = _hold(wallet, shop)
    ledger.void_hold(h, reason="member cancelled", actor_id=1, now=NOW)
    db.session.commit()
    assert balances(wallet, shop) == [(100, 0, 100), (0, 0, 0)]
    for end in (lambda: ledger.void_hold(h, now=NOW), lambda: ledger.post_hold(h, now=NOW)):
        with pytest.raises(HoldNotPending, match="already voided"):
            end()


def test_an_overdue_hold_no_longer_counts_and_cannot_be_posted(wallet, shop):
    h = _hold(wallet, shop, minutes=10)
    db.session.commit()
    later = NOW + timedelta(minutes=11)
    after = ledger.balance_of(wallet, now=later)
    assert (after.available, type(after.held)) == (100, int)
    with pytest.raises(HoldNotPending, match="expired"):
        ledger.post_hold(h, now=later)


def test_a_members_wallets_read_together_count_holds_as_one_wallet_read_does(wallet, shop):
    from points.ledger.models import Account

    _hold(wallet, shop, 10, minutes=10)
    _hold(wallet, shop, 20, minutes=60)
    db.session.commit()
    accounts_before = db.session.scalar(sa.select(sa.func.count()).select_from(Account))
    later = NOW + timedelta(minutes=11)
    for moment in (NOW, later):
        both = ledger.wallet_balances(1, ("points", "space_minutes"), now=moment)
        assert both["points"] == ledger.balance_of(wallet, now=moment)
        assert both["space_minutes"] == ledger.Balance(balance=0, held=0)
    assert ledger.wallet_balances(1, now=later)["points"].available == 80
    assert ledger.wallet_balances(2)["points"].available == 0  # no wallet: none is opened
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == accounts_before


def test_the_sweep_expires_overdue_holds_once(wallet, shop):
    soon, later = _hold(wallet, shop, 10, minutes=5), _hold(wallet, shop, 20, minutes=60)
    db.session.commit()
    assert ledger.expire_holds(now=NOW + timedelta(minutes=6)) == [soon.id]
    assert ledger.expire_holds(now=NOW + timedelta(minutes=7)) == []
    db.session.commit()
    db.session.refresh(soon)
    assert soon.status == "expired"
    assert balances(wallet, now=NOW + timedelta(minutes=7)) == [(100, 20, 80)]
    assert later.status == "pending"


def test_a_new_hold_releases_the_accounts_overdue_holds_first(wallet, shop):
    old = _hold(wallet, shop, 100, minutes=5)
    db.session.commit()
    later = NOW + timedelta(minutes=6)
    ledger.hold(
        source=wallet,
        destination=shop,
        amount=100,
        kind="redeem",
        expires_at=later + timedelta(minutes=5),
        now=later,
    )
    db.session.commit()
    db.session.refresh(old)
    assert old.status == "expired"
    assert balances(wallet, now=later) == [(100, 100, 0)]


def test_posting_a_hold_may_carry_its_own_memo(wallet, shop):
    h = _hold(wallet, shop, memo="理发券")
    t = ledger.post_hold(h, memo="核销 ABCD-1234", actor_id=5, now=NOW)
    assert (t.memo, t.actor_id, t.created_at) == ("核销 ABCD-1234", 5, NOW)


def test_a_replayed_hold_key_returns_the_first_hold(wallet, shop):
    first = _hold(wallet, shop, idempotency_key="redeem:9")
    again = _hold(wallet, shop, idempotency_key="redeem:9")
    assert again.id == first.id
    assert counts()["holds"] == 1
    with pytest.raises(IdempotencyConflict) as error:
        _hold(wallet, shop, 41, idempotency_key="redeem:9")
    assert error.value.fields == ["amount"]


def test_a_hold_between_accounts_named_by_id_opens_them_on_first_use(ctx):
    # The write path names accounts by id; an account nobody used yet is opened as by name.
    wallet_id = ledger.member_wallet_id(7)
    shop_id = ledger.system_account_id("redeemed:new-shop")
    assert ledger.member_wallet_id(7) == wallet_id == ledger.member_wallet(7).id
    assert ledger.system_account_id("redeemed:new-shop") == shop_id
    shop = ledger.get_account(shop_id)
    assert (shop.name, shop.kind, shop.may_go_negative) == ("redeemed:new-shop", "system", False)
    issuance = ledger.system_account("issuance")
    ledger.transfer(kind="earn", source=issuance, destination=wallet_id, amount=50)
    held = _hold(wallet_id, shop_id, 30)
    db.session.commit()
    # The hold handed back is the row as written, and reads back the same.
    assert (held.account_id, held.destination_id, held.amount, held.status) == (
        wallet_id,
        shop_id,
        30,
        "pending",
    )
    db.session.expire_all()
    again = ledger.get_hold(held.id)
    assert (again.amount, again.status, again.expires_at) == (
        30,
        "pending",
        NOW + timedelta(minutes=30),
    )
    assert balances(ledger.get_account(wallet_id), now=NOW) == [(50, 30, 20)]


def test_a_hold_between_different_assets_or_to_no_account_is_refused(wallet, shop):
    minutes = ledger.system_account("space", asset="space_minutes")
    with pytest.raises(InvalidInput) as error:
        _hold(wallet, minutes)
    assert error.value.key == "ledger.mixed_assets"
    assert error.value.message.params == {"source": "points", "destination": "space_minutes"}
    assert list(error.value.errors) == ["destination"]
    missing = shop.id + minutes.id + wallet.id + 100
    for source, destination, named in ((wallet, missing, missing), (missing, shop, missing)):
        with pytest.raises(NotFound) as error:
            _hold(source, destination)
        assert error.value.key == "ledger.no_account"
        assert error.value.message.params == {"account": named}
    db.session.rollback()
    assert counts()["holds"] == 0
    assert balances(wallet, now=NOW) == [(100, 0, 100)]


def test_a_hold_waits_for_no_lock_on_its_destination(wallet, shop, db_url, dialect):
    # Redemptions at one merchant hold points towards one account; were it locked by each,
    # they would queue behind each other and behind every 核销 at the counter. Another
    # transaction locks the merchant's account as a ledger writer does; the hold goes on.
    # (SQLite locks the whole database for any write.)
    if dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every writer")
    import psycopg

    shop_id = shop.id
    db.session.commit()
    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as other:
        sql = ledger_sql.select_accounts(1).compile(dialect=db.engine.dialect)
        assert "FOR NO KEY UPDATE" in str(sql)  # what the ledger's writers lock with
        other.execute("SELECT id FROM accounts WHERE id = %s FOR NO KEY UPDATE", (shop_id,))
        db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        held = _hold(wallet, shop_id)
        db.session.commit()
        other.rollback()
    assert held.destination_id == shop_id
    assert balances(wallet, now=NOW) == [(100, 40, 60)]
