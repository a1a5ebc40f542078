"""A key seen before returns the original transfer; with a different request, a conflict."""

from __future__ import annotations

import pytest

from points.errors import IdempotencyConflict
from points.extensions import db
from points.ledger import services as ledger
from tests.ledger.conftest import balances, counts


def _earn(issuance, wallet, amount=10, **kw):
    return ledger.transfer(
        kind="earn",
        source=issuance,
        destination=wallet,
        amount=amount,
        idempotency_key="claim:1",
        **kw,
    )


def test_the_same_key_and_request_returns_the_first_transfer(issuance, make_wallet):
    wallet = make_wallet(1)
    first = _earn(issuance, wallet, memo="义剪")
    db.session.commit()
    again = _earn(issuance, wallet, memo="义剪")
    assert again.id == first.id
    assert balances(wallet) == [(10, 0, 10)]
    assert counts()["transfers"] == 1


def test_a_different_request_with_the_key_names_the_fields_that_differ(issuance, make_wallet):
    wallet, other = make_wallet(1), make_wallet(2)
    _earn(issuance, wallet, memo="义剪")
    db.session.commit()
    with pytest.raises(IdempotencyConflict) as error:
        _earn(issuance, other, 12, memo="义剪")
    assert error.value.fields == ["postings"]
    with pytest.raises(IdempotencyConflict) as error:
        ledger.transfer(
            kind="adjust",
            source=issuance,
            destination=wallet,
            amount=10,
            memo="x",
            idempotency_key="claim:1",
        )
    assert error.value.fields == ["kind", "memo"]
    assert error.value.status == 409
    assert counts()["transfers"] == 1


def test_keys_are_kept_after_the_transfer_is_reversed(issuance, make_wallet):
    wallet = make_wallet(1)
    first = _earn(issuance, wallet)
    ledger.reverse_transfer(first, reason="错误", actor_id=1)
    db.session.commit()
    assert _earn(issuance, wallet).id == first.id
    assert balances(wallet) == [(0, 0, 0)]
