"""Fund fixtures: a community with two hosts, three social workers and an admin, and rates."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from points.extensions import db
from points.fund import services as fund
from tests.ledger.conftest import unguarded  # noqa: F401 (a fixture the money tests use)

# A fixed afternoon in the community's zone: 2026-11-20 15:00 Shanghai.
SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)


def local(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def people(make_member, places):
    community = places[0]
    return SimpleNamespace(
        community=community,
        other=places[1],
        host=make_member("13900000003", level="host", name="张主理"),
        host2=make_member("13900000007", level="host", name="陈主理"),
        sw1=make_member("13900000001", role="social_worker", name="李社工"),
        sw2=make_member("13900000012", role="social_worker", name="王社工"),
        sw3=make_member("13900000013", role="social_worker", name="赵社工"),
        admin=make_member("13900000006", role="admin", name="街道管理员"),
        resident=make_member("13900000005", name="居民甲"),
    )


@pytest.fixture
def rates(people):
    """10 % of 低偿, 20 % of 市场 and 50 % of sponsorship, from 2026-11-01."""
    first = local(date(2026, 11, 1))
    made = {
        basis: fund.set_rate(
            people.admin,
            people.community.id,
            basis=basis,
            rate_bp=bp,
            starts_on="2026-11-01",
            now=first,
        )
        for basis, bp in (("low_fee", 1000), ("market", 2000), ("sponsorship", 5000))
    }
    db.session.commit()
    return made


def fee(
    people,
    *,
    key: str,
    amount_fen: int = 5000,
    tier: str = "low_fee",
    collector=None,
    paid_on: str = "2026-11-20",
    now: datetime = NOW,
    **extra,
):
    """A session fee the host collected (by default ¥50 on 低偿, paid today)."""
    collector = collector or people.host
    values = dict(
        community_id=people.community.id,
        source="session_fee",
        tier=tier,
        amount_fen=amount_fen,
        collector_id=collector.id,
        payer_name="居民甲",
        payer_phone="13900000005",
        method="cash",
        paid_on=paid_on,
        idempotency_key=key,
    )
    values.update(extra)
    return fund.record_income(collector, now=now, **values)


def seed_fund(people, fen: int, *, key: str = "seed-sponsor"):
    """Put `fen` into the fund: a sponsorship the office (a social worker) took in, at 100 %
    (or at the sponsorship rate already set)."""
    if fund.rate_in_force(people.community.id, "sponsorship", date(2026, 11, 2)) is None:
        fund.set_rate(
            people.admin,
            people.community.id,
            basis="sponsorship",
            rate_bp=10000,
            starts_on="2026-11-01",
            now=local(date(2026, 11, 1)),
        )
    entry = fund.record_income(
        people.sw1,
        community_id=people.community.id,
        source="sponsorship",
        amount_fen=fen,
        collector_id=people.sw1.id,
        payer_kind="unit",
        payer_name="苏州银行胜浦支行",
        method="transfer",
        reference="BANK-001",
        paid_on="2026-11-02",
        idempotency_key=key,
        now=NOW,
    )
    db.session.commit()
    return entry
