"""A grant pressed by several staff at once is paid once; one fee key recorded at once is one
entry (threads and processes, every database)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.fund import services as fund
from points.fund.models import IncomeEntry
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.members.models import Member
from tests.concurrency import race, tally
from tests.fund.conftest import NOW, fee, seed_fund

MODES = ["threads", "processes"]


@pytest.mark.parametrize("mode", MODES)
def test_one_grant_paid_by_many_staff_at_once_is_paid_once(app, people, mode):
    seed_fund(people, 100_000)
    grant = fund.request_grant(
        people.sw1, purpose="修缮", project="楼道", amount_fen=60_000, now=NOW
    )
    fund.approve_grant(people.sw2, grant.id, now=NOW)
    fund.approve_grant(people.sw3, grant.id, now=NOW)
    db.session.commit()
    grant_id, payers = grant.id, [people.sw1.id, people.sw2.id, people.sw3.id, people.admin.id]
    db.session.remove()

    def attempt(i):
        payer = db.session.get(Member, payers[i % len(payers)])
        return fund.pay_grant(payer, grant_id, now=NOW).transfer_id

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 8}, outcomes
    assert len({value for _, value in outcomes}) == 1
    with app.app_context():
        paid = fund.get_grant(grant_id)
        assert paid.status == "paid"
        fund_account = fund.fund_account(paid.community_id)
        assert ledger.balance_of(fund_account).balance == 40_000
        grants = db.session.scalar(
            sa.select(sa.func.count()).select_from(Transfer).where(Transfer.hold_id.isnot(None))
        )
        assert grants == 1
        assert verify_ledger().ok


@pytest.mark.parametrize("mode", MODES)
def test_one_fee_key_sent_many_times_at_once_is_one_entry(app, people, rates, mode):
    host_id = people.host.id
    db.session.remove()

    def attempt(i):
        host = db.session.get(Member, host_id)
        return fee(SimplePeople(host), key="door-race").id

    class SimplePeople:
        def __init__(self, host):
            self.host, self.community = host, type("C", (), {"id": host.community_id})

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 8}, outcomes
    assert len({value for _, value in outcomes}) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IncomeEntry)) == 1
        assert verify_ledger().ok
