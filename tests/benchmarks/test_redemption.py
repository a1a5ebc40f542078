"""The redemption bench compares like with like: its raw side writes the voucher and the hold
the service writes, in as many statements (no timing is asserted; `make bench` prints it)."""

from __future__ import annotations

import sqlalchemy as sa

from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Hold
from points.marketplace import services as market
from points.marketplace.models import Redemption
from points.members import services as members
from tests.benchmarks import redemption as bench

# What differs between two vouchers written a moment apart.
OWN = {"id", "code", "hold_id", "created_at", "expires_at"}


def _rows(model) -> list[dict]:
    found = db.session.scalars(sa.select(model).order_by(model.id)).all()
    return [{c.name: getattr(row, c.name) for c in model.__table__.columns} for row in found]


def test_the_raw_side_writes_what_the_service_writes_in_as_many_trips(
    ctx, db_url, dialect, make_member
):
    volunteer = make_member(level="volunteer")
    provider = market.ensure_provider(
        code=bench.BENEFIT[0], kind="merchant", name_zh="云溪眼镜", name_en="Yunxi Glasses"
    )
    benefit = market.ensure_benefit(
        provider=provider.code, category="health", title_zh=bench.BENEFIT[1],
        title_en="Glasses cleaned", points=20,
    )
    ledger.transfer(kind="earn", source=ledger.system_account("issuance"),
                    destination=ledger.member_wallet(volunteer.id), amount=100, memo="t")
    ledger.system_account(f"redeemed:{provider.code}")
    token, _ = members.issue_token(volunteer)
    benefit_id, volunteer_id = benefit.id, volunteer.id
    db.session.commit()
    db.session.remove()
    pg = dialect == "postgresql"
    raw = (bench.RawRedeem.postgresql(db_url) if pg
           else bench.RawRedeem.sqlite(sa.engine.make_url(db_url).database))
    try:
        trips = {
            "service": bench.service_count(token, benefit_id, pg),
            "raw": bench.raw_count(raw, token, benefit_id),
        }
    finally:
        raw.close()
    service, by_hand = _rows(Redemption)
    assert {k: v for k, v in service.items() if k not in OWN} == {
        k: v for k, v in by_hand.items() if k not in OWN
    }
    holds = _rows(Hold)
    assert [h["id"] for h in holds] == [service["hold_id"], by_hand["hold_id"]]
    assert {k: v for k, v in holds[0].items() if k not in OWN} == {
        k: v for k, v in holds[1].items() if k not in OWN
    }
    assert ledger.balance_of(ledger.member_wallet(volunteer_id)).held == 40
    assert trips["service"] == trips["raw"] > 5
