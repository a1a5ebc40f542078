"""The database refuses to change history; `verify` finds what was changed behind its back."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from points import create_app
from points.database import utcnow
from points.extensions import db
from points.ledger import chain
from points.ledger import services as ledger
from points.ledger.models import GENESIS_HASH, Transfer
from points.ledger.verify import verify_ledger
from tests.conftest import TEST_CHAIN_KEY, app_config
from tests.ledger.conftest import raw as _raw


@pytest.fixture
def history(make_wallet, issuance):
    """Three transfers and a posted hold: earn 100, transfer 30, redeem 20."""
    a, b = make_wallet(1, 100), make_wallet(2)
    ledger.transfer(kind="transfer", source=a, destination=b, amount=30)
    shop = ledger.system_account("redeemed:1")
    h = ledger.hold(
        source=b,
        destination=shop,
        amount=20,
        kind="redeem",
        expires_at=utcnow() + timedelta(hours=1),
    )
    ledger.post_hold(h)
    db.session.commit()
    return a, b, h


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE postings SET amount = amount + 1",
        "DELETE FROM postings",
        "UPDATE transfers SET memo = 'changed'",
        "DELETE FROM transfers",
        "DELETE FROM holds",
        "UPDATE holds SET status = 'voided'",
        "UPDATE holds SET amount = 1",
    ],
)
def test_the_database_refuses_to_rewrite_history(history, sql):
    with pytest.raises(DBAPIError, match="immutable|never deleted|ends exactly once"):
        _raw(sql)
    db.session.rollback()
    assert verify_ledger().ok


def test_the_database_refuses_a_negative_wallet_even_from_raw_sql(history):
    a, _, _ = history
    with pytest.raises(sa.exc.IntegrityError):
        _raw("UPDATE accounts SET balance = -1 WHERE id = :id", id=a.id)


def test_a_changed_posting_amount_is_found_and_named(history, unguarded):
    posting = db.session.scalar(sa.text("SELECT id FROM postings ORDER BY id LIMIT 1 OFFSET 2"))
    _raw("UPDATE postings SET amount = amount - 5 WHERE id = :id", id=posting)
    report = verify_ledger()
    assert not report.ok
    assert report.faults[0].startswith("transfer 2 does not balance")
    assert any(f"posting {posting}" in fault for fault in report.faults)


def test_a_rewritten_memo_breaks_the_hash_chain(history, unguarded):
    _raw("UPDATE transfers SET memo = 'nothing to see' WHERE id = 2")
    report = verify_ledger()
    assert report.faults == [
        "transfer 2 (position 2) does not match its hash: its content or its predecessor "
        "was changed"
    ]


def test_a_deleted_transfer_leaves_a_gap_in_the_chain(history, unguarded):
    _raw("DELETE FROM postings WHERE transfer_id = 2")
    _raw("DELETE FROM transfers WHERE id = 2")
    report = verify_ledger()
    assert any("position 3; 2 was expected" in fault for fault in report.faults)


def test_a_cached_balance_that_drifts_is_named(history):
    a, _, _ = history
    _raw("UPDATE accounts SET balance = balance + 1 WHERE id = :id", id=a.id)
    report = verify_ledger()
    assert report.faults == [
        f"account {a.id} (member:1) caches balance 71 but its postings sum to 70"
    ]


def test_a_cached_held_amount_that_drifts_is_named(history):
    _, b, _ = history
    _raw("UPDATE accounts SET held = 3 WHERE id = :id", id=b.id)
    report = verify_ledger()
    assert report.faults == [
        f"account {b.id} (member:2) caches held 3 but its pending holds sum to 0"
    ]


def test_the_verify_command_prints_counts_and_exits_nonzero_on_a_fault(app, history, request):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert (
        "checked 4 accounts, 3 transfers, 6 postings, 1 holds, 0 claims, 0 vouchers, "
        "0 bookings, 0 fund entries: OK" in result.output
    )
    request.getfixturevalue("unguarded")
    _raw("UPDATE postings SET amount = 999 WHERE id = 1")
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "FAULT: transfer 1 does not balance" in result.output


# ---------------------------------------------------------------------------- the keyed chain


def _rehash(hasher) -> None:
    """Recompute every link of the chain with `hasher(prev_hash, **transfer)`, as someone
    with raw SQL access would after changing history, and move the head to the new tip."""
    transfers = db.session.scalars(sa.select(Transfer).order_by(Transfer.seq)).all()
    prev_hash = GENESIS_HASH
    for t in transfers:
        digest = hasher(
            prev_hash,
            seq=t.seq,
            kind=t.kind,
            memo=t.memo,
            actor_id=t.actor_id,
            created_at=t.created_at,
            idempotency_key=t.idempotency_key,
            reverses_id=t.reverses_id,
            hold_id=t.hold_id,
            postings=[(p.account_id, p.asset, p.amount, p.balance_after) for p in t.postings],
        )
        db.session.execute(
            sa.text("UPDATE transfers SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": prev_hash, "hash": digest, "id": t.id},
        )
        prev_hash = digest
    db.session.execute(sa.text("UPDATE ledger_head SET hash = :hash"), {"hash": prev_hash})
    db.session.commit()


def _unkeyed(prev_hash: str, **transfer) -> str:
    """The chain as it was before the key: plain SHA-256, which anyone can recompute."""
    return hashlib.sha256((prev_hash + chain.canonical(**transfer)).encode("utf-8")).hexdigest()


def test_the_chain_is_keyed_so_a_rewrite_recomputed_under_the_right_key_is_the_only_pass(
    history, unguarded
):
    _raw("UPDATE transfers SET memo = 'rewritten' WHERE id = 2")
    _rehash(partial(chain.transfer_hash, key=TEST_CHAIN_KEY))
    assert verify_ledger().ok  # only the key holder can do this


def test_a_rewrite_recomputed_with_the_unkeyed_hash_is_found(history, unguarded):
    _raw("UPDATE transfers SET memo = 'rewritten' WHERE id = 2")
    _rehash(_unkeyed)
    assert verify_ledger().faults == [
        "transfer 1 (position 1) does not match its hash: its content or its predecessor "
        "was changed"
    ]


def test_a_rewrite_recomputed_under_another_key_is_found(history, unguarded):
    _raw("UPDATE transfers SET memo = 'rewritten' WHERE id = 2")
    _rehash(partial(chain.transfer_hash, key="a-guessed-key-" + "x" * 40))
    assert verify_ledger().faults == [
        "transfer 1 (position 1) does not match its hash: its content or its predecessor "
        "was changed"
    ]


def test_a_ledger_read_under_another_key_fails_verify(history, db_url):
    other = create_app(app_config(db_url, LEDGER_CHAIN_KEY="another-ledger-key-" + "y" * 40))
    with other.app_context():
        report = verify_ledger()
        db.session.remove()
        db.engine.dispose()
    assert report.faults == [
        "transfer 1 (position 1) does not match its hash: its content or its predecessor "
        "was changed"
    ]
