"""The ledger's rules, each written once: what a verb accepts, and what a transfer must keep.

Pure functions of their arguments (no database): every write path — the checked one, SQLite's
fast path and the bulk path of `transfers`, and `holds` — asks these, so a rule changes in
one place. The database repeats the floor and the one-asset rule as constraints
(`models.py`); `covered_in_sql` is the floor as the SQL that moves balances states it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa

from points import messages as shared
from points.database import utcnow
from points.errors import InsufficientPoints, InvalidInput
from points.ledger import messages as M
from points.ledger.models import ASSETS, MONEY, Account

# No single posting or hold may move more than this: it keeps every sum far inside 64 bits
# and turns a typo of many zeros into an error instead of a fortune.
MAX_AMOUNT = 1_000_000_000
MAX_MEMO = 500
MAX_KEY = 200
MAX_PAGE = 200  # statement items a page at most

KINDS = frozenset(
    {
        "earn",  # approved service, issuance → wallet
        "redeem",  # a confirmed voucher, wallet → redeemed:<merchant>
        "booking",  # a booked space, wallet → space
        "refund",  # money-like value coming back, e.g. a cancelled booking
        "reverse",  # undoes an earlier transfer, posting its negation
        "expire",  # points lapsing, wallet → expired
        "adjust",  # a correction by staff, via adjustments
        "grant",  # space-use minutes credited from a redeemed right
        "transfer",  # plain movement between accounts
        "income",  # money taken in (cny), income:<source> → collector and the fund's share
    }
)

# System accounts that may go below zero: the sources value is created from.
# Money (cny) enters from outside through one account per income source.
NEGATIVE_SYSTEM_ACCOUNTS = frozenset(
    {
        "issuance",
        "adjustments",
        "income:session_fee",
        "income:market_rent",
        "income:sponsorship",
    }
)
_SYSTEM_NAME = re.compile(r"^[a-z][a-z_]*(:[A-Za-z0-9_.-]{1,60})?$")
_CURSOR = re.compile(r"[0-9]{1,18}")


class AccountState(Protocol):
    """What the rules read of an account (a locked row, see `accounts.AccountRow`)."""

    id: int
    asset: str
    may_go_negative: bool
    balance: int
    held: int


# ---------------------------------------------------------------------------- arguments


def amount(value, field: str = "amount", *, signed: bool = False) -> int:
    """A whole, non-zero number of at most MAX_AMOUNT in size (positive unless `signed`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(M.AMOUNT_NOT_WHOLE, field=field)
    if value == 0:
        raise InvalidInput(M.AMOUNT_ZERO, field=field)
    if value < 0 and not signed:
        raise InvalidInput(M.AMOUNT_NOT_POSITIVE, field=field)
    if abs(value) > MAX_AMOUNT:
        raise InvalidInput(M.AMOUNT_TOO_LARGE, field=field, limit=MAX_AMOUNT)
    return value


def text(value, field: str, limit: int, *, required: bool = False) -> str:
    """Stripped text of at most `limit` characters; None is empty."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(M.NOT_TEXT, field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(shared.REQUIRED, field=field)
    if len(value) > limit:
        raise InvalidInput(shared.TOO_LONG, field=field, limit=limit)
    return value


def memo(value, field: str = "memo") -> str:
    return text(value, field, MAX_MEMO)


def idempotency_key(value) -> str | None:
    if value is None:
        return None
    return text(value, "idempotency_key", MAX_KEY, required=True)


def kind(value) -> str:
    if value not in KINDS:
        raise InvalidInput(M.ONE_OF, field="kind", values=sorted(KINDS))
    return value


def asset(value) -> str:
    if value not in ASSETS:
        raise InvalidInput(M.ONE_OF, field="asset", values=list(ASSETS))
    return value


def actor(value) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidInput(M.NOT_A_MEMBER_ID, field="actor_id")
    return value


def member_id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(M.NOT_A_MEMBER_ID, field="member_id")
    return value


def system_name(value) -> str:
    """A system account's name: lower-case words, optionally `:<qualifier>`; never member…."""
    if not isinstance(value, str) or not _SYSTEM_NAME.match(value) or value.startswith("member"):
        raise InvalidInput(M.NOT_A_SYSTEM_ACCOUNT, field="account")
    return value


def account_id(value, field: str) -> int:
    if isinstance(value, Account):
        return value.id
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(M.NOT_AN_ACCOUNT, field=field)
    return value


def legs(postings: Sequence) -> list[tuple[int, int]]:
    """(account id, signed amount) pairs: two or more, each account once."""
    if not isinstance(postings, Sequence) or len(postings) < 2:
        raise InvalidInput(M.TOO_FEW_POSTINGS, field="postings")
    found: list[tuple[int, int]] = []
    seen: set[int] = set()
    for i, leg in enumerate(postings):
        if not isinstance(leg, Sequence) or len(leg) != 2:
            raise InvalidInput(M.POSTING_SHAPE, field=f"postings.{i}")
        account = account_id(leg[0], f"postings.{i}.account")
        if account in seen:
            raise InvalidInput(M.ACCOUNT_TWICE, field=f"postings.{i}.account")
        seen.add(account)
        found.append((account, amount(leg[1], f"postings.{i}.amount", signed=True)))
    return found


def now(value: datetime | None) -> datetime:
    """The time a verb acts at: the given aware datetime, or the current time."""
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        raise InvalidInput(M.NO_TIME_ZONE, field="now")
    return value


def expiry(value, now: datetime) -> datetime:
    """When a hold lapses: an aware time after `now`."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(M.EXPIRY_NO_ZONE, field="expires_at")
    if value <= now:
        raise InvalidInput(M.EXPIRY_NOT_FUTURE, field="expires_at")
    return value


def page_size(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE:
        raise InvalidInput(M.PAGE_SIZE, field="limit", low=1, high=MAX_PAGE)
    return value


def cursor(value: str | None) -> int | None:
    """The posting id a statement cursor stands for (None: the first page)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CURSOR.fullmatch(value):
        raise InvalidInput(M.BAD_CURSOR, field="cursor")
    return int(value)


def differing(pairs: Mapping[str, tuple]) -> list[str]:
    """The fields whose (first request, this request) values differ: a replayed idempotency
    key must come with the same request, else it is a conflict naming them."""
    return [field for field, (first, again) in pairs.items() if first != again]


# ---------------------------------------------------------------------------- the ledger's rules
#
# Balanced: a transfer's postings sum to zero in each asset (so an asset never mixes with
# another). The floor: an account that may not go negative keeps its balance at or above what
# its pending holds reserve — it gives at most what is available, balance − held.


def unbalanced(
    legs: Sequence[tuple[int, int]], rows: Mapping[int, AccountState]
) -> tuple[str, int] | None:
    """The first asset whose postings do not sum to zero, and their sum; None if balanced."""
    totals: dict[str, int] = {}
    for account, delta in legs:
        held_in = rows[account].asset
        totals[held_in] = totals.get(held_in, 0) + delta
    for held_in, total in totals.items():
        if total:
            return held_in, total
    return None


def mixes_money(legs: Sequence[tuple[int, int]], rows: Mapping[int, AccountState]) -> bool:
    """Money is alone in its transfers: True when `cny` postings sit beside another asset's
    (the trigger `postings_money_alone` refuses it in the database too)."""
    held_in = {rows[account].asset for account, _ in legs}
    return MONEY in held_in and len(held_in) > 1


def refuse_unbalanced(legs: Sequence[tuple[int, int]], rows: Mapping[int, AccountState]) -> None:
    """Refuse a transfer that does not sum to zero per asset, or mixes money with another."""
    if mixes_money(legs, rows):
        raise InvalidInput(M.MONEY_MIXED, field="postings")
    found = unbalanced(legs, rows)
    if found is not None:
        held_in, total = found
        raise InvalidInput(M.UNBALANCED, field="postings", asset=held_in, total=total)


def covered(may_go_negative: bool, balance_after: int, held: int) -> bool:
    """The floor after a move (the database's CHECK ck_accounts_covered states it too)."""
    return may_go_negative or balance_after >= held


def covered_in_sql(accounts: sa.Table, balance_after):
    """The floor as a SQL condition on `accounts` rows, for an UPDATE that moves balances."""
    return sa.or_(accounts.c.may_go_negative, balance_after >= accounts.c.held)


def overdrawn(
    legs: Sequence[tuple[int, int]],
    rows: Mapping[int, AccountState],
    balances: Mapping[int, int] | None = None,
) -> tuple[int, int] | None:
    """The first leg that would take an account below its floor, as (account, amount taken);
    None if every account covers its leg. `balances` overrides the rows' balances (the bulk
    path keeps running ones)."""
    for account, delta in legs:
        if delta < 0:
            row = rows[account]
            balance = row.balance if balances is None else balances[account]
            if not covered(row.may_go_negative, balance + delta, row.held):
                return account, -delta
    return None


def refuse_overdraft(
    legs: Sequence[tuple[int, int]],
    rows: Mapping[int, AccountState],
    balances: Mapping[int, int] | None = None,
    *,
    name_account: bool = False,
) -> None:
    """InsufficientPoints for the first leg `overdrawn` finds; `name_account` names the
    account in the message (the bulk path, where many accounts move)."""
    found = overdrawn(legs, rows, balances)
    if found is None:
        return
    account, needed = found
    row = rows[account]
    available = (row.balance if balances is None else balances[account]) - row.held
    if name_account:
        raise InsufficientPoints(
            M.INSUFFICIENT_IN_ACCOUNT,
            field="amount",
            have=available,
            asset=row.asset,
            account=account,
            need=needed,
        )
    raise InsufficientPoints(_SHORT_OF[row.asset], field="amount", have=available, need=needed)


_SHORT_OF = {
    "points": M.INSUFFICIENT_POINTS,
    "space_minutes": M.INSUFFICIENT_SPACE_MINUTES,
    MONEY: M.INSUFFICIENT_MONEY,
}


def refuse_mixed_assets(source: str, destination: str) -> None:
    """A hold moves one asset: its destination holds what its source holds (the assets)."""
    if source != destination:
        raise InvalidInput(
            M.MIXED_ASSETS, field="destination", source=source, destination=destination
        )
