"""Triage and the unit's answer under concurrency: real threads and processes, every
database. However many press at once, a ticket gets one result and pays at most once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points.activities.models import Claim
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.members import services as members
from points.tickets import services as tickets
from points.tickets.models import Ticket, TicketEvent
from tests.concurrency import race, tally

MODES = ["threads", "processes"]


@pytest.fixture
def second_grid_worker(make_member, world, grids):
    member = make_member("13900000016", name="孙网格", level="volunteer",
                         grid_id=grids["云溪二网格"].id)
    tickets.add_grid_worker(member, grids["云溪二网格"].id)
    db.session.commit()
    return member


def _events(ticket_id: int, action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(TicketEvent).filter_by(
            ticket_id=ticket_id, action=action)
    )


def _check(app, reporter_id: int, points: int) -> None:
    with app.app_context():
        assert ledger.balance_of(ledger.member_wallet(reporter_id)).balance == points
        report = verify_ledger()
        assert report.ok, report.faults


@pytest.mark.parametrize("mode", MODES)
def test_two_grid_workers_verifying_one_report_at_once_pay_it_once(
    app, mode, report, reporter, grid_worker, second_grid_worker
):
    ticket_id = report("hazard-flying-wire").id  # 5 points
    workers, reporter_id = [grid_worker.id, second_grid_worker.id], reporter.id
    db.session.commit()  # end the read that the ids began: the racers need the write lock

    def attempt(i):
        ticket = tickets.get_ticket(ticket_id)
        return tickets.verify(ticket, actor=members.get_member(workers[i % 2])).state

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 8}, outcomes
    assert {value for _, value in outcomes} == {"triaged"}
    with app.app_context():
        assert _events(ticket_id, "verified") == 1
        claims = db.session.scalars(sa.select(Claim)).all()
        assert [c.source for c in claims] == [f"ticket-report:{ticket_id}"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
    _check(app, reporter_id, 5)


@pytest.mark.parametrize("mode", MODES)
def test_verifying_and_closing_at_once_give_one_result(
    app, mode, report, reporter, grid_worker, second_grid_worker
):
    ticket_id = report("hazard-elevator").id  # 5 points if verified
    worker_id, closer_id, reporter_id = grid_worker.id, second_grid_worker.id, reporter.id
    db.session.commit()

    def attempt(i):
        ticket = tickets.get_ticket(ticket_id)
        if i % 2:
            return tickets.close_as_not_a_problem(
                ticket, actor=members.get_member(closer_id), reason="已恢复运行"
            ).state
        return tickets.verify(ticket, actor=members.get_member(worker_id)).state

    outcomes = race(app, attempt, 6, mode)
    assert "crash" not in tally(outcomes), outcomes
    refused = [kind for kind, _ in outcomes if kind != "ok"]
    assert set(refused) <= {"Conflict"}, outcomes
    with app.app_context():
        state = db.session.get(Ticket, ticket_id).state
        closed, verified = _events(ticket_id, "closed"), _events(ticket_id, "verified")
    if state == "closed":  # a close came first: every verify and the other closes refused
        assert (closed, verified) == (1, 0)
        _check(app, reporter_id, 0)
    else:  # a verify came first: the closes were refused, the other verifies changed nothing
        assert (state, closed, verified) == ("triaged", 0, 1)
        _check(app, reporter_id, 5)


@pytest.mark.parametrize("mode", MODES)
def test_verifying_many_reports_at_once_keeps_the_daily_cap(
    app, mode, report, reporter, grid_worker
):
    # 随手拍·一般问题上报 pays 2 points a report, at most 6 a day: three of eight are paid.
    ids = [report().id for _ in range(8)]
    worker_id, reporter_id = grid_worker.id, reporter.id
    db.session.commit()

    def attempt(i):
        return tickets.verify(tickets.get_ticket(ids[i]), actor=members.get_member(
            worker_id)).state

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 8}, outcomes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 3
    _check(app, reporter_id, 6)


@pytest.mark.parametrize("mode", MODES)
def test_two_staff_of_the_unit_accepting_at_once_accept_it_once(
    app, mode, report, grid_worker, city_staff, make_member
):
    colleague = make_member("13900000017", name="周队员")
    tickets.add_unit_staff(colleague, "city-management")
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    db.session.commit()
    ticket_id, staff = ticket.id, [city_staff.id, colleague.id]
    db.session.commit()

    def attempt(i):
        return tickets.accept(tickets.get_ticket(ticket_id),
                              actor=members.get_member(staff[i % 2])).state

    outcomes = race(app, attempt, 6, mode)
    assert tally(outcomes) == {"ok": 6}, outcomes
    with app.app_context():
        assert _events(ticket_id, "accepted") == 1
        assert db.session.get(Ticket, ticket_id).state == "accepted"
