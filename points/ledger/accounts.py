"""Ledger accounts: opening them on first use, and the rows a writer locks and moves.

A wallet (`member:<id>`) never goes below zero; system accounts (issuance, redeemed:<merchant>,
space …) are opened by name, and only those in `rules.NEGATIVE_SYSTEM_ACCOUNTS` may go
negative. Writers lock account rows in ascending id, after any hold rows and before the chain
head, and change balances through the statements of `sql`, telling the session's identity
map what they changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.util import identity_key

from points.database import utcnow
from points.errors import NotFound
from points.extensions import db
from points.ledger import messages as M
from points.ledger import rules, sql
from points.ledger.models import Account

_LOCK_SLICE = 1024  # accounts locked by one statement at most


def _insert_ignore(values: dict):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Account).values(**values).on_conflict_do_nothing()


def _ensure_account(name: str, asset: str, **values) -> Account:
    asset = rules.asset(asset)
    found = db.session.scalar(sa.select(Account).filter_by(name=name, asset=asset))
    if found is not None:
        return found
    db.session.execute(
        _insert_ignore(
            {
                "name": name,
                "asset": asset,
                "balance": 0,
                "held": 0,
                "created_at": utcnow(),
                **values,
            }
        )
    )
    return db.session.scalars(sa.select(Account).filter_by(name=name, asset=asset)).one()


def _system(name: str) -> tuple[str, dict]:
    """A system account's name and what it is opened with."""
    name = rules.system_name(name)
    return name, {"kind": "system", "may_go_negative": name in rules.NEGATIVE_SYSTEM_ACCOUNTS}


def _wallet(member_id: int) -> tuple[str, dict]:
    """A member's wallet's name and what it is opened with: it never goes below zero."""
    member_id = rules.member_id(member_id)
    return f"member:{member_id}", {
        "kind": "wallet",
        "member_id": member_id,
        "may_go_negative": False,
    }


def wallet_name(member_id: int) -> str:
    """The name of a member's wallet, for every asset."""
    return _wallet(member_id)[0]


def system_account(name: str, asset: str = "points") -> Account:
    """The system account `name` for `asset` (issuance, redeemed:<merchant>, space …), opened on
    first use."""
    name, values = _system(name)
    return _ensure_account(name, asset, **values)


def member_wallet(member_id: int, asset: str = "points") -> Account:
    """The member's wallet for `asset`, opened on first use. It never goes below zero."""
    name, values = _wallet(member_id)
    return _ensure_account(name, asset, **values)


def _account_ids(asset: str, *opened: tuple[str, dict]) -> list[int]:
    """The ids of the accounts (name, what it is opened with) for `asset`, in that order: one
    statement when they are open already (the write path needs ids, not objects); any that
    is not is opened as `_ensure_account` opens it."""
    asset = rules.asset(asset)
    names = {f"n{i}": name for i, (name, _values) in enumerate(opened)}
    with sql.Statements() as run:
        rows = run.run(sql.accounts_by_name, len(names), {**names, "asset": asset}).fetchall()
    found = {name: account_id for account_id, name in rows}
    return [
        found[name] if name in found else _ensure_account(name, asset, **values).id
        for name, values in opened
    ]


def system_account_id(name: str, asset: str = "points") -> int:
    """The id of `system_account(name, asset)`, opened on first use."""
    return _account_ids(asset, _system(name))[0]


def member_wallet_id(member_id: int, asset: str = "points") -> int:
    """The id of `member_wallet(member_id, asset)`, opened on first use."""
    return _account_ids(asset, _wallet(member_id))[0]


def wallet_and_system_ids(member_id: int, name: str, asset: str = "points") -> tuple[int, int]:
    """`member_wallet_id(member_id)` and `system_account_id(name)` in one statement: the two
    ends of a member's spending."""
    wallet, system = _account_ids(asset, _wallet(member_id), _system(name))
    return wallet, system


def no_such_account(account_id: int) -> NotFound:
    return NotFound(M.NO_ACCOUNT, field="account", account=account_id)


def get_account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise no_such_account(account_id)
    return account


# ---------------------------------------------------------------------------- account rows


class AccountRow(NamedTuple):
    """An account as a writer read it under its lock (what `rules` checks)."""

    id: int
    asset: str
    may_go_negative: bool
    balance: int
    held: int


def lock_accounts(run: sql.Statements, ids: Iterable[int]) -> dict[int, AccountRow]:
    """Lock the accounts (ascending id) and return their current rows.

    The ids go in slices of at most 1,024, each padded to a power of two by repeating its
    last id, so a handful of statement shapes serve every size; slices run in ascending order,
    which keeps the lock order.
    """
    ordered = sorted(set(ids))
    found: dict[int, AccountRow] = {}
    for start in range(0, len(ordered), _LOCK_SLICE):
        part = ordered[start : start + _LOCK_SLICE]
        size = 1 << (len(part) - 1).bit_length()
        params = {f"a{i}": part[min(i, len(part) - 1)] for i in range(size)}
        for row in run.run(sql.select_accounts, size, params):
            found[row[0]] = AccountRow._make(row)
    if len(found) != len(ordered):
        missing = [i for i in ordered if i not in found]
        raise no_such_account(missing[0])
    return found


class HoldSource(NamedTuple):
    """What a hold's writer reads in one statement, its source locked."""

    source: AccountRow
    destination_asset: str
    overdue: bool  # the source has pending holds past their expiry


def lock_hold_source(
    run: sql.Statements, source: int, destination: int, now: datetime
) -> HoldSource:
    """Lock a hold's source account and read its destination's asset, in one statement. Only
    the source is locked (a hold changes nothing else), so holds towards one merchant do not
    queue behind each other."""
    params = {"a0": source, "a1": destination, "now": run.stamp(now)}
    found = run.run(sql.lock_source_of_hold, 1, params).fetchone()
    if found is None:  # one of them does not exist: name it
        exists = run.run(sql.select_accounts, 1, {"a0": source}).fetchone()
        raise no_such_account(destination if exists else source)
    return HoldSource(AccountRow._make(found[:5]), found[5], bool(found[6]))


def forget_cached_balances(account_ids: Iterable[int]) -> None:
    """Expire balance and held of Account objects the session holds for these ids."""
    session = db.session()
    identity_map = session.identity_map
    if not len(identity_map):
        return
    for account_id in account_ids:
        cached = identity_map.get(identity_key(Account, account_id))
        if cached is not None:
            session.expire(cached, ["balance", "held"])


def change_account(run: sql.Statements, account_id: int, *, balance: int = 0, held: int = 0):
    """Add `balance` and `held` to a locked account."""
    if balance or held:
        run.run(sql.shift_account, 1, {"a0": account_id, "d": balance, "h": held})
        forget_cached_balances([account_id])
