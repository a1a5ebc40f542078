"""Bad input gets a clear PointsError naming the field, and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points.database import utcnow
from points.errors import AlreadyReversed, InvalidInput, NotFound, PointsError
from points.extensions import db
from points.ledger import services as ledger
from tests.ledger.conftest import balances, counts


@pytest.fixture
def accounts(make_wallet):
    return make_wallet(1, 50), make_wallet(2), ledger.system_account("issuance")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "must not be zero"),
        (-5, "must be positive"),
        (2.5, "whole number"),
        (10.0, "whole number"),
        ("10", "whole number"),
        (True, "whole number"),
        (None, "whole number"),
        (10**12, "at most 1,000,000,000"),
    ],
)
def test_bad_amounts_are_refused_by_name(accounts, amount, message):
    a, b, _ = accounts
    before = counts()
    with pytest.raises(InvalidInput) as error:
        ledger.transfer(kind="transfer", source=a, destination=b, amount=amount)
    assert message in error.value.message
    assert list(error.value.errors) == ["amount"]
    assert error.value.status == 422
    with pytest.raises(InvalidInput):
        ledger.hold(
            source=a,
            destination=b,
            amount=amount,
            kind="redeem",
            expires_at=utcnow() + timedelta(hours=1),
        )
    assert counts() == before
    assert balances(a, b) == [(50, 0, 50), (0, 0, 0)]


@pytest.mark.parametrize(
    ("postings", "field"),
    [
        ([], "postings"),
        (["x"], "postings"),
        ([(1, 5)], "postings"),
        ([(1, 5), (1, -5)], "postings.1.account"),
        ([("one", 5), (2, -5)], "postings.0.account"),
        ([(1, 5), (2, 0)], "postings.1.amount"),
        ([(1, 5), (2, -4)], "postings"),
    ],
)
def test_malformed_or_unbalanced_postings_are_refused(accounts, postings, field):
    a, b, _ = accounts
    real = {1: a.id, 2: b.id}
    postings = [(real.get(p[0], p[0]), p[1]) if isinstance(p, tuple) else p for p in postings]
    before = counts()
    with pytest.raises(InvalidInput) as error:
        ledger.post_transfer(kind="transfer", postings=postings)
    assert field in error.value.errors
    assert counts() == before


def test_an_unknown_account_is_not_found(accounts):
    a, _, _ = accounts
    with pytest.raises(NotFound) as error:
        ledger.transfer(kind="transfer", source=a, destination=99999, amount=1)
    assert "account 99999 does not exist" in error.value.message
    with pytest.raises(NotFound):
        ledger.balance_of(99999)


def test_postings_in_two_assets_must_each_balance(accounts, make_wallet):
    a, _, _ = accounts
    minutes = make_wallet(1, 60, asset="space_minutes")
    with pytest.raises(InvalidInput, match="do not sum to zero"):
        ledger.post_transfer(kind="transfer", postings=[(a, -5), (minutes, 5)])
    with pytest.raises(InvalidInput, match="destination holds space_minutes"):
        ledger.hold(
            source=a,
            destination=minutes,
            amount=5,
            kind="redeem",
            expires_at=utcnow() + timedelta(hours=1),
        )
    assert balances(a, minutes) == [(50, 0, 50), (60, 0, 60)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "gift"}, "kind"),
        ({"memo": "长" * 501}, "memo"),
        ({"memo": 12}, "memo"),
        ({"actor_id": "admin"}, "actor_id"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "k" * 201}, "idempotency_key"),
    ],
)
def test_bad_transfer_fields_are_named(accounts, kwargs, field):
    a, b, _ = accounts
    args = {"kind": "transfer", "source": a, "destination": b, "amount": 5, **kwargs}
    with pytest.raises(InvalidInput) as error:
        ledger.transfer(**args)
    assert list(error.value.errors) == [field]


def test_a_hold_needs_a_future_aware_expiry_and_two_accounts(accounts):
    a, b, _ = accounts
    for expires_at, field in [
        (utcnow() - timedelta(seconds=1), "expires_at"),
        (utcnow().replace(tzinfo=None) + timedelta(hours=1), "expires_at"),
        ("tomorrow", "expires_at"),
    ]:
        with pytest.raises(InvalidInput) as error:
            ledger.hold(source=a, destination=b, amount=5, kind="redeem", expires_at=expires_at)
        assert field in error.value.errors
    with pytest.raises(InvalidInput) as error:
        ledger.hold(
            source=a,
            destination=a,
            amount=5,
            kind="redeem",
            expires_at=utcnow() + timedelta(hours=1),
        )
    assert "destination" in error.value.errors
    assert counts()["holds"] == 0


def test_account_names_and_members_are_checked(ctx):
    for name in ("", "Issuance!", "member:3", 7):
        with pytest.raises(InvalidInput):
            ledger.system_account(name)
    with pytest.raises(InvalidInput):
        ledger.system_account("issuance", "dollars")
    for member in (0, -1, "3", True):
        with pytest.raises(InvalidInput):
            ledger.member_wallet(member)


def test_a_reversal_needs_a_reason_happens_once_and_is_never_reversed(accounts):
    a, _, issuance = accounts
    t = ledger.transfer(kind="earn", source=issuance, destination=a, amount=5)
    with pytest.raises(InvalidInput) as error:
        ledger.reverse_transfer(t, reason="  ", actor_id=1)
    assert list(error.value.errors) == ["reason"]
    r = ledger.reverse_transfer(t, reason="重复", actor_id=1)
    with pytest.raises(AlreadyReversed, match=f"already reversed by transfer {r.id}"):
        ledger.reverse_transfer(t, reason="again", actor_id=1)
    with pytest.raises(AlreadyReversed, match="cannot itself be reversed"):
        ledger.reverse_transfer(r, reason="undo", actor_id=1)


def test_a_reversal_that_would_overdraw_the_wallet_is_refused(accounts):
    a, b, issuance = accounts
    t = ledger.transfer(kind="earn", source=issuance, destination=b, amount=30)
    ledger.transfer(kind="transfer", source=b, destination=a, amount=20)
    db.session.commit()
    with pytest.raises(PointsError, match="only 10 points available, 30 needed"):
        ledger.reverse_transfer(t, reason="误发", actor_id=1)


def test_statement_cursor_and_limit_are_checked(accounts):
    a, _, _ = accounts
    for cursor in ("abc", "-1", "1" * 40):
        with pytest.raises(InvalidInput) as error:
            ledger.statement(a, cursor=cursor)
        assert list(error.value.errors) == ["cursor"]
    for limit in (0, 201, "5", 2.0):
        with pytest.raises(InvalidInput) as error:
            ledger.statement(a, limit=limit)
        assert list(error.value.errors) == ["limit"]
