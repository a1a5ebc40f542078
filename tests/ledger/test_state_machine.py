"""The ledger against a plain-Python model: random sequences of every verb, on every database.

A Hypothesis state machine earns, transfers, splits, holds, posts, voids, expires, reverses
and replays idempotency keys, each call in its own request (commit on success, roll back on a
`PointsError`). A model of balances, holds, transfers and keys predicts, before each call,
whether it succeeds or which error class it raises; after every step the database must equal
the model and the ledger's own invariants must hold. Time is simulated: `now` only moves
forward and every call is passed it.

Every example starts from an empty database: SQLite gets a pristine copy of the migrated file
back, PostgreSQL is emptied by the suite's reset (tests/conftest.py, PostgresqlReset).
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from points.errors import (
    AlreadyReversed,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
    PointsError,
)
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Account, Hold, Posting, Transfer
from points.ledger.verify import verify_ledger
from tests.conftest import Backend

MIN_STEPS = 10_000
STEPS_PER_EXAMPLE = 100
EXAMPLES = 140
# The examples are run as PARTS tests of EXAMPLES / PARTS each, which the two xdist workers
# share; each part draws its own random examples, so together they are as many as one run
# of all of them. Each part must make its share of MIN_STEPS: an example ends after a random
# number of steps, so a part that falls short runs a few more examples (TOP_UP at a time,
# at most MAX_TOP_UPS times) rather than fail on the luck of 35 draws.
PARTS = 4
TOP_UP = 5
MAX_TOP_UPS = 4
assert EXAMPLES % PARTS == 0 and MIN_STEPS % PARTS == 0
# One step of each example opens the accounts (the initialize rule); the rest are counted.
SETTINGS = settings(
    max_examples=EXAMPLES // PARTS,
    stateful_step_count=STEPS_PER_EXAMPLE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Every Nth step, and at teardown, the whole ledger is checked (verify_ledger and more).
FULL_CHECK_EVERY = 25

START = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
AMOUNTS = st.integers(1, 500)
ACTORS = st.sampled_from([None, 7, 8])
# Memos are stored stripped: " a " and "a" are the same request.
MEMOS = st.sampled_from(["", "a", " a ", "巡查处置 2 小时"])
REASONS = st.sampled_from(["mistake", "重复申报", " typo "])
CLOCK_STEPS = st.one_of(
    st.integers(1, 120).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 999_999).map(lambda us: timedelta(microseconds=us)),
)
# Hold lifetimes in whole minutes, so expiries often land exactly on `now`; ≤ 0 is refused.
HOLD_MINUTES = st.integers(-20, 240)

Legs = tuple[tuple[int, int], ...]  # sorted (account id, amount)

# What the invariants read after every step, built once: plain Core queries on the request's
# connection cost a fraction of building and running ORM statements each time.
NEW_TRANSFERS = (
    sa.select(
        Transfer.id,
        Transfer.kind,
        Transfer.reverses_id,
        Transfer.hold_id,
        Posting.account_id,
        Posting.asset,
        Posting.amount,
    )
    .outerjoin(Posting, Posting.transfer_id == Transfer.id)
    .where(Transfer.id > sa.bindparam("after"))
)
ACCOUNTS = sa.select(Account.id, Account.may_go_negative, Account.balance, Account.held)
HOLDS = sa.select(Hold.id, Hold.account_id, Hold.amount, Hold.status, Hold.ended_at)


def _read(query, **params) -> list[sa.Row]:
    return db.session.connection().execute(query, params).all()


@dataclass
class Stats:
    examples: int = 0
    steps: int = 0


@dataclass
class ModelTransfer:
    id: int
    kind: str
    legs: Legs
    memo: str
    actor_id: int | None
    key: str | None = None
    reverses_id: int | None = None
    hold_id: int | None = None
    reversed_by: int | None = None


@dataclass
class ModelHold:
    id: int
    source: int
    destination: int
    amount: int
    kind: str
    memo: str
    actor_id: int | None
    key: str | None
    expires_at: datetime
    status: str = "pending"
    times_ended: int = 0


class Model:
    """What the ledger must contain: plain dicts, no database."""

    def __init__(self) -> None:
        self.balance: dict[int, int] = {}
        self.may_go_negative: dict[int, bool] = {}
        self.transfers: dict[int, ModelTransfer] = {}
        self.holds: dict[int, ModelHold] = {}
        self.transfer_keys: dict[str, int] = {}
        self.hold_keys: dict[str, int] = {}

    def open(self, account_id: int, *, may_go_negative: bool) -> None:
        assert account_id not in self.balance, f"account {account_id} opened twice"
        self.balance[account_id] = 0
        self.may_go_negative[account_id] = may_go_negative

    def pending(self, account_id: int | None = None) -> list[ModelHold]:
        """Holds whose row still says pending, overdue or not."""
        return [
            h
            for h in self.holds.values()
            if h.status == "pending" and (account_id is None or h.source == account_id)
        ]

    def cached_held(self, account_id: int) -> int:
        """The accounts.held column: every pending row, including overdue ones not yet swept."""
        return sum(h.amount for h in self.pending(account_id))

    def held_at(self, account_id: int, now: datetime) -> int:
        """What balance_of reports: pending holds not yet past their expiry."""
        return sum(h.amount for h in self.pending(account_id) if h.expires_at > now)

    def refusal(self, takes: dict[int, int]) -> type[PointsError] | None:
        """InsufficientPoints if taking these amounts breaks an account's floor.

        Transfers and reversals check against the cached `held`, so a hold past its expiry
        that no sweep has ended yet still blocks its points (unlike balance_of).
        """
        for account_id, amount in takes.items():
            if self.may_go_negative[account_id]:
                continue
            if self.balance[account_id] - self.cached_held(account_id) < amount:
                return InsufficientPoints
        return None

    def add_transfer(self, t: ModelTransfer) -> None:
        assert t.id not in self.transfers, f"transfer id {t.id} handed out twice"
        assert sum(amount for _, amount in t.legs) == 0
        self.transfers[t.id] = t
        for account_id, amount in t.legs:
            self.balance[account_id] += amount
        if t.key is not None:
            self.transfer_keys[t.key] = t.id
        if t.reverses_id is not None:
            self.transfers[t.reverses_id].reversed_by = t.id

    def end_hold(self, h: ModelHold, status: str) -> None:
        assert h.status == "pending", f"hold {h.id} ended twice ({h.status}, then {status})"
        h.status = status
        h.times_ended += 1


def _transfer_info(t: Transfer) -> tuple[int, str, Legs, int | None, int | None]:
    legs = tuple(sorted((p.account_id, p.amount) for p in t.postings))
    return t.id, t.kind, legs, t.reverses_id, t.hold_id


def _legs(*pairs: tuple[int, int]) -> Legs:
    return tuple(sorted(pairs))


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, app, backend: Backend, pristine: Path | None, stats: Stats) -> None:
        super().__init__()
        self.app, self.stats = app, stats
        stats.examples += 1
        _reset_database(app, backend, pristine)
        self.model = Model()
        self.now = START
        self.next_key = 0
        self.steps = 0  # in this example
        # Incremental checking: transfers with a higher id are not checked yet; what the
        # checked postings add up to per account; what balance_of last reported.
        self.checked_up_to = 0
        self.posted: Counter[int] = Counter()
        self.reported: dict[int, tuple[int, int]] = {}
        self.issuance = 0
        self.wallets: list[int] = []
        self.merchants: list[int] = []

    # ------------------------------------------------------------------------ plumbing

    def _call(self, expected: type[PointsError] | None, action):
        """Run `action` as one request; it must succeed (expected None) or raise `expected`.

        Success commits and returns what `action` returned (plain values, read inside the
        request); the expected PointsError rolls back and is returned. Any other exception
        propagates and fails the test.
        """
        self._count_step()
        with self.app.app_context():
            try:
                result = action()
            except PointsError as error:
                db.session.rollback()
                assert expected is not None, (
                    f"unexpected {type(error).__name__}: {error.message} {error.errors}"
                )
                assert type(error) is expected, (
                    f"expected {expected.__name__}, got {type(error).__name__}: {error.message}"
                )
                return error
            db.session.commit()
        assert expected is None, f"expected {expected.__name__}, but it succeeded: {result!r}"
        return result

    def _count_step(self) -> None:
        self.steps += 1
        self.stats.steps += 1

    def _key(self, data) -> str | None:
        if not data.draw(st.booleans(), label="with idempotency key"):
            return None
        self.next_key += 1
        return f"key-{self.next_key}"

    def _record(
        self,
        info,
        *,
        kind: str,
        legs: Legs,
        memo: str = "",
        actor_id: int | None = None,
        key: str | None = None,
        reverses_id: int | None = None,
        hold_id: int | None = None,
    ) -> ModelTransfer:
        transfer_id, got_kind, got_legs, got_reverses, got_hold = info
        assert (got_kind, got_legs, got_reverses, got_hold) == (kind, legs, reverses_id, hold_id)
        t = ModelTransfer(
            transfer_id, kind, legs, memo.strip(), actor_id, key, reverses_id, hold_id
        )
        self.model.add_transfer(t)
        return t

    def _live_holds(self) -> list[ModelHold]:
        return [h for h in self.model.pending() if h.expires_at > self.now]

    def _ended_holds(self) -> list[ModelHold]:
        """Holds post/void must refuse: ended, or past their expiry though not yet swept."""
        return [
            h
            for h in self.model.holds.values()
            if h.status != "pending" or h.expires_at <= self.now
        ]

    def _reversible(self) -> list[ModelTransfer]:
        return [t for t in self.model.transfers.values() if t.kind != "reverse"]

    def _reversals(self) -> list[ModelTransfer]:
        return [t for t in self.model.transfers.values() if t.kind == "reverse"]

    # ------------------------------------------------------------------------ set-up

    @initialize(members=st.integers(3, 5))
    def open_accounts(self, members: int) -> None:
        def action():
            issuance = ledger.system_account("issuance")
            wallets = [ledger.member_wallet(m) for m in range(1, members + 1)]
            merchants = [ledger.system_account(f"redeemed:{n}") for n in (1, 2)]
            return issuance.id, [w.id for w in wallets], [m.id for m in merchants]

        with self.app.app_context():
            self.issuance, self.wallets, self.merchants = action()
            db.session.commit()
        self.model.open(self.issuance, may_go_negative=True)
        for account_id in self.wallets + self.merchants:
            self.model.open(account_id, may_go_negative=False)

    # ------------------------------------------------------------------------ transfers

    @rule(data=st.data())
    def earn(self, data) -> None:
        wallet = data.draw(st.sampled_from(self.wallets), label="wallet")
        amount = data.draw(AMOUNTS, label="amount")
        memo, actor_id = data.draw(MEMOS, label="memo"), data.draw(ACTORS, label="actor")
        key = self._key(data)
        info = self._call(
            None,
            lambda: _transfer_info(
                ledger.transfer(
                    kind="earn",
                    source=self.issuance,
                    destination=wallet,
                    amount=amount,
                    memo=memo,
                    actor_id=actor_id,
                    idempotency_key=key,
                    now=self.now,
                )
            ),
        )
        legs = _legs((self.issuance, -amount), (wallet, amount))
        self._record(info, kind="earn", legs=legs, memo=memo, actor_id=actor_id, key=key)

    @rule(data=st.data())
    def transfer(self, data) -> None:
        """Wallet or merchant to wallet or merchant; may overdraw, may name one account twice."""
        accounts = self.wallets + self.merchants
        source = data.draw(st.sampled_from(accounts), label="source")
        destination = data.draw(st.sampled_from(accounts), label="destination")
        amount = data.draw(AMOUNTS, label="amount")
        memo, actor_id = data.draw(MEMOS, label="memo"), data.draw(ACTORS, label="actor")
        key = self._key(data)
        if source == destination:
            expected = InvalidInput
        else:
            expected = self.model.refusal({source: amount})
        result = self._call(
            expected,
            lambda: _transfer_info(
                ledger.transfer(
                    kind="transfer",
                    source=source,
                    destination=destination,
                    amount=amount,
                    memo=memo,
                    actor_id=actor_id,
                    idempotency_key=key,
                    now=self.now,
                )
            ),
        )
        if expected is None:
            legs = _legs((source, -amount), (destination, amount))
            self._record(result, kind="transfer", legs=legs, memo=memo, actor_id=actor_id, key=key)

    @rule(data=st.data())
    def split(self, data) -> None:
        """One wallet pays two other accounts in one three-posting transfer."""
        source = data.draw(st.sampled_from(self.wallets), label="source")
        others = [a for a in self.wallets + self.merchants if a != source]
        first, second = data.draw(
            st.lists(st.sampled_from(others), min_size=2, max_size=2, unique=True),
            label="destinations",
        )
        a, b = data.draw(AMOUNTS, label="first amount"), data.draw(AMOUNTS, label="second amount")
        legs = [(source, -(a + b)), (first, a), (second, b)]
        legs = data.draw(st.permutations(legs), label="posting order")
        key = self._key(data)
        expected = self.model.refusal({source: a + b})
        result = self._call(
            expected,
            lambda: _transfer_info(
                ledger.post_transfer(
                    kind="adjust", postings=legs, idempotency_key=key, now=self.now
                )
            ),
        )
        if expected is None:
            self._record(result, kind="adjust", legs=_legs(*legs), key=key)

    @precondition(lambda self: self._reversible())
    @rule(data=st.data())
    def reverse(self, data) -> None:
        original = data.draw(st.sampled_from(self._reversible()), label="original")
        reason, actor_id = data.draw(REASONS, label="reason"), data.draw(ACTORS, label="actor")
        if original.reversed_by is not None:
            expected = AlreadyReversed
        else:
            # The reversal takes back what each account received.
            expected = self.model.refusal({a: amount for a, amount in original.legs if amount > 0})
        result = self._call(
            expected,
            lambda: _transfer_info(
                ledger.reverse_transfer(
                    ledger.get_transfer(original.id), reason=reason, actor_id=actor_id, now=self.now
                )
            ),
        )
        if expected is None:
            legs = _legs(*((a, -amount) for a, amount in original.legs))
            self._record(
                result,
                kind="reverse",
                legs=legs,
                memo=reason,
                actor_id=actor_id,
                reverses_id=original.id,
            )

    @precondition(lambda self: self._reversals())
    @rule(data=st.data())
    def reverse_a_reversal(self, data) -> None:
        reversal = data.draw(st.sampled_from(self._reversals()), label="reversal")
        self._call(
            AlreadyReversed,
            lambda: ledger.reverse_transfer(
                ledger.get_transfer(reversal.id), reason="again", actor_id=None, now=self.now
            ),
        )

    @precondition(lambda self: self.model.transfer_keys)
    @rule(data=st.data())
    def replay_transfer_key(self, data) -> None:
        """The same request returns the first transfer; a different one is a conflict."""
        key = data.draw(st.sampled_from(sorted(self.model.transfer_keys)), label="key")
        original = self.model.transfers[self.model.transfer_keys[key]]
        change = data.draw(
            st.sampled_from(["none", "amount", "kind", "memo", "actor"]), label="change"
        )
        kind, legs = original.kind, list(original.legs)
        memo, actor_id = (
            data.draw(st.sampled_from(["", " "]), label="padding") + original.memo,
            (original.actor_id),
        )
        field = {
            "none": None,
            "amount": "postings",
            "kind": "kind",
            "memo": "memo",
            "actor": "actor_id",
        }[change]
        if change == "amount":
            # More out of the first paying account, more into the first receiving one.
            more = data.draw(AMOUNTS, label="more")
            payer = next(i for i, (_, amount) in enumerate(legs) if amount < 0)
            payee = next(i for i, (_, amount) in enumerate(legs) if amount > 0)
            legs[payer] = (legs[payer][0], legs[payer][1] - more)
            legs[payee] = (legs[payee][0], legs[payee][1] + more)
        elif change == "kind":
            kind = "refund" if kind != "refund" else "transfer"
        elif change == "memo":
            memo = original.memo + " (edited)"
        elif change == "actor":
            actor_id = 9 if actor_id is None else None
        legs = data.draw(st.permutations(legs), label="posting order")
        use_transfer = len(legs) == 2 and data.draw(st.booleans(), label="via transfer()")

        def action():
            if use_transfer:
                (source, paid), (destination, received) = sorted(legs, key=lambda leg: leg[1])
                assert paid == -received
                t = ledger.transfer(
                    kind=kind,
                    source=source,
                    destination=destination,
                    amount=received,
                    memo=memo,
                    actor_id=actor_id,
                    idempotency_key=key,
                    now=self.now,
                )
            else:
                t = ledger.post_transfer(
                    kind=kind,
                    postings=legs,
                    memo=memo,
                    actor_id=actor_id,
                    idempotency_key=key,
                    now=self.now,
                )
            return _transfer_info(t)

        result = self._call(None if field is None else IdempotencyConflict, action)
        if field is None:
            assert result == (
                original.id,
                original.kind,
                original.legs,
                original.reverses_id,
                original.hold_id,
            )
        else:
            assert result.fields == [field]

    # ------------------------------------------------------------------------ holds

    @rule(data=st.data())
    def hold(self, data) -> None:
        wallet = data.draw(st.sampled_from(self.wallets), label="wallet")
        merchant = data.draw(st.sampled_from(self.merchants), label="merchant")
        amount = data.draw(AMOUNTS, label="amount")
        expires_at = self.now + timedelta(minutes=data.draw(HOLD_MINUTES, label="minutes"))
        memo, actor_id = data.draw(MEMOS, label="memo"), data.draw(ACTORS, label="actor")
        key = self._key(data)
        # Placing a hold first ends the wallet's own overdue holds ("on access").
        overdue = [h for h in self.model.pending(wallet) if h.expires_at <= self.now]
        if expires_at <= self.now:
            expected = InvalidInput
        elif self.model.balance[wallet] - self.model.held_at(wallet, self.now) < amount:
            expected = InsufficientPoints
        else:
            expected = None

        def action():
            h = ledger.hold(
                source=wallet,
                destination=merchant,
                amount=amount,
                kind="redeem",
                expires_at=expires_at,
                memo=memo,
                actor_id=actor_id,
                idempotency_key=key,
                now=self.now,
            )
            return h.id, h.status, h.amount

        result = self._call(expected, action)
        if expected is not None:
            return
        hold_id, status, got_amount = result
        assert (status, got_amount) == ("pending", amount)
        assert hold_id not in self.model.holds, f"hold id {hold_id} handed out twice"
        for h in overdue:
            self.model.end_hold(h, "expired")
        self.model.holds[hold_id] = ModelHold(
            hold_id,
            wallet,
            merchant,
            amount,
            "redeem",
            memo.strip(),
            actor_id,
            key,
            expires_at,
        )
        if key is not None:
            self.model.hold_keys[key] = hold_id

    @precondition(lambda self: self.model.hold_keys)
    @rule(data=st.data())
    def replay_hold_key(self, data) -> None:
        """The same hold request returns the first hold, whatever became of it."""
        key = data.draw(st.sampled_from(sorted(self.model.hold_keys)), label="key")
        original = self.model.holds[self.model.hold_keys[key]]
        change = data.draw(st.sampled_from(["none", "amount", "destination"]), label="change")
        amount, destination = original.amount, original.destination
        if change == "amount":
            amount += data.draw(AMOUNTS, label="more")
        elif change == "destination":
            destination = next(m for m in self.merchants if m != destination)
        expires_at = self.now + timedelta(minutes=data.draw(HOLD_MINUTES, label="minutes"))
        if expires_at <= self.now:
            expected = InvalidInput  # checked before the key is looked up
        elif change != "none":
            expected = IdempotencyConflict
        else:
            expected = None

        def action():
            h = ledger.hold(
                source=original.source,
                destination=destination,
                amount=amount,
                kind=original.kind,
                expires_at=expires_at,
                memo=original.memo,
                actor_id=original.actor_id,
                idempotency_key=key,
                now=self.now,
            )
            return h.id, h.status, h.amount, h.expires_at

        result = self._call(expected, action)
        if expected is None:
            assert result == (original.id, original.status, original.amount, original.expires_at)
        elif expected is IdempotencyConflict:
            assert result.fields == [change]

    @precondition(lambda self: self._live_holds())
    @rule(data=st.data())
    def post_hold(self, data) -> None:
        h = data.draw(st.sampled_from(self._live_holds()), label="hold")
        actor_id = data.draw(ACTORS, label="actor")
        info = self._call(
            None, lambda: _transfer_info(ledger.post_hold(h.id, actor_id=actor_id, now=self.now))
        )
        self.model.end_hold(h, "posted")
        legs = _legs((h.source, -h.amount), (h.destination, h.amount))
        self._record(info, kind=h.kind, legs=legs, memo=h.memo, actor_id=actor_id, hold_id=h.id)

    @precondition(lambda self: self._live_holds())
    @rule(data=st.data())
    def void_hold(self, data) -> None:
        h = data.draw(st.sampled_from(self._live_holds()), label="hold")
        reason = data.draw(st.sampled_from(["", "member cancelled"]), label="reason")

        def action():
            voided = ledger.void_hold(h.id, reason=reason, now=self.now)
            return voided.id, voided.status

        assert self._call(None, action) == (h.id, "voided")
        self.model.end_hold(h, "voided")

    @precondition(lambda self: self._ended_holds())
    @rule(data=st.data())
    def end_an_ended_hold(self, data) -> None:
        h = data.draw(st.sampled_from(self._ended_holds()), label="hold")
        verb = data.draw(st.sampled_from([ledger.post_hold, ledger.void_hold]), label="verb")
        self._call(HoldNotPending, lambda: verb(h.id, now=self.now))

    @rule(verb=st.sampled_from([ledger.post_hold, ledger.void_hold]))
    def end_a_missing_hold(self, verb) -> None:
        missing = max(self.model.holds, default=0) + 1_000
        self._call(NotFound, lambda: verb(missing, now=self.now))

    @rule(step=CLOCK_STEPS)
    def advance_clock(self, step: timedelta) -> None:
        self._count_step()
        self.now += step

    @rule(step=st.one_of(st.just(timedelta(0)), CLOCK_STEPS))
    def expire_holds(self, step: timedelta) -> None:
        self.now += step
        due = sorted(h.id for h in self.model.pending() if h.expires_at <= self.now)
        assert self._call(None, lambda: ledger.expire_holds(now=self.now)) == due
        for hold_id in due:
            self.model.end_hold(self.model.holds[hold_id], "expired")

    # ------------------------------------------------------------------------ invariants

    @invariant()
    def database_matches_the_model(self) -> None:
        """After every step: accounts, holds and the transfers written since the last check
        equal the model, and balance_of agrees wherever what it must report has changed.
        Every FULL_CHECK_EVERY steps (and at teardown): every transfer, every balance_of and
        verify_ledger(), which recomputes everything from the postings and the hash chain."""
        full = self.steps % FULL_CHECK_EVERY == 0
        with self.app.app_context():
            if full:
                self.checked_up_to, self.posted = 0, Counter()
            self._check_new_transfers()
            self._check_accounts()
            self._check_holds()
            self._check_balance_of(every_account=full)
            if full:
                self._verify()

    def _check_new_transfers(self) -> None:
        rows = _read(NEW_TRANSFERS, after=self.checked_up_to)
        got: dict[int, tuple] = {}
        legs: dict[int, list[tuple[int, int]]] = {}
        per_asset: Counter[tuple[int, str]] = Counter()
        for r in rows:
            got[r.id] = (r.kind, r.reverses_id, r.hold_id)
            legs.setdefault(r.id, [])
            if r.account_id is None:
                continue  # a transfer without postings: the comparison below reports it
            legs[r.id].append((r.account_id, r.amount))
            per_asset[(r.id, r.asset)] += r.amount
            self.posted[r.account_id] += r.amount
        unbalanced = {k: v for k, v in per_asset.items() if v}
        assert not unbalanced, f"transfers whose postings do not sum to zero: {unbalanced}"
        expected = {t.id: t for t in self.model.transfers.values() if t.id > self.checked_up_to}
        assert {i: (*got[i], tuple(sorted(legs[i]))) for i in got} == {
            i: (t.kind, t.reverses_id, t.hold_id, t.legs) for i, t in expected.items()
        }, "the transfers written are not the ones the model expects"
        self.checked_up_to = max(got, default=self.checked_up_to)

    def _check_accounts(self) -> None:
        rows = _read(ACCOUNTS)
        assert {r.id: (r.balance, r.held) for r in rows} == {
            a: (b, self.model.cached_held(a)) for a, b in self.model.balance.items()
        }, "cached (balance, held) differ from the model"
        for r in rows:
            assert r.balance == self.posted[r.id], f"account {r.id}: balance ≠ its postings"
            if not r.may_go_negative:
                assert 0 <= r.held <= r.balance, f"account {r.id} below its floor"

    def _check_holds(self) -> None:
        rows = _read(HOLDS)
        assert {r.id: (r.account_id, r.amount, r.status) for r in rows} == {
            h.id: (h.source, h.amount, h.status) for h in self.model.holds.values()
        }, "holds differ from the model"
        for r in rows:
            assert (r.status == "pending") == (r.ended_at is None), f"hold {r.id}"
        # Ended at most once: the model refuses a second end; one posting transfer per post.
        assert all(h.times_ended == (h.status != "pending") for h in self.model.holds.values())
        posting_transfers = Counter(
            t.hold_id for t in self.model.transfers.values() if t.hold_id is not None
        )
        assert posting_transfers == Counter(
            h.id for h in self.model.holds.values() if h.status == "posted"
        )

    def _check_balance_of(self, *, every_account: bool) -> None:
        for account_id, balance in self.model.balance.items():
            held = self.model.held_at(account_id, self.now)
            if not every_account and self.reported.get(account_id) == (balance, held):
                continue
            got = ledger.balance_of(account_id, now=self.now)
            assert (got.balance, got.held, got.available) == (balance, held, balance - held), (
                f"balance_of({account_id}, now={self.now})"
            )
            if not self.model.may_go_negative[account_id]:
                assert 0 <= got.held <= got.balance, f"account {account_id} below its floor"
            self.reported[account_id] = (balance, held)

    def _verify(self) -> None:
        report = verify_ledger()
        assert report.ok, report.faults
        assert (report.accounts, report.transfers, report.holds) == (
            len(self.model.balance),
            len(self.model.transfers),
            len(self.model.holds),
        )

    def teardown(self) -> None:
        if not self.model.balance:
            return
        with self.app.app_context():
            self._check_balance_of(every_account=True)
            self._verify()


def _close_connections(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _reset_database(app, backend: Backend, pristine: Path | None) -> None:
    """Empty the database for the next example."""
    _close_connections(app)
    if backend.name == "sqlite":
        assert pristine is not None
        path = Path(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(pristine, path)
        return
    # The suite's own reset: DELETE of what the example wrote, sequences restarted (one
    # TRUNCATE of the ledger's tables costs ~0.3 s here; 140 examples make 140 resets).
    assert backend.reset is not None
    backend.reset(truncate=False)


@pytest.mark.slow
@pytest.mark.parametrize("part", range(PARTS))
def test_random_sequences_of_ledger_verbs_match_the_model(app, backend, part) -> None:
    stats = Stats()
    pristine = None
    if backend.name == "sqlite":
        # Nothing has been written yet: keep the freshly migrated file aside.
        _close_connections(app)
        path = Path(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        pristine = path.with_name("pristine.sqlite3")
        shutil.copyfile(path, pristine)
    machine = lambda: LedgerMachine(app, backend, pristine, stats)  # noqa: E731
    run_state_machine_as_test(machine, settings=SETTINGS)
    for _ in range(MAX_TOP_UPS):
        if stats.steps >= MIN_STEPS // PARTS:
            break
        run_state_machine_as_test(machine, settings=settings(SETTINGS, max_examples=TOP_UP))
    print(f"{backend.name} part {part}: {stats.steps} steps in {stats.examples} examples")
    assert stats.steps >= MIN_STEPS // PARTS, (
        f"only {stats.steps} steps in {stats.examples} examples; raise EXAMPLES"
    )
