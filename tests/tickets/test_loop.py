"""The loop from report to verified fix: each step, who may take it, what it pays and tells."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.ledger import services as ledger
from points.notifications.models import Notification
from points.tickets import services as tickets
from points.tickets.models import TicketEvent


def points_of(member) -> int:
    return ledger.balance_of(ledger.member_wallet(member.id)).balance


def told(member, kind: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).filter_by(member_id=member.id,
                                                                        kind=kind)
    )


def actions(ticket) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TicketEvent.action).filter_by(ticket_id=ticket.id).order_by(TicketEvent.id)
        )
    )


def city():
    return tickets.get_unit("city-management")


def test_a_report_lands_in_its_grid_with_a_triage_deadline_and_tells_the_grid_worker(
    report, reporter, grid_worker, other_grid_worker
):
    ticket = report()
    assert (ticket.state, ticket.outcome, ticket.kind) == ("reported", None, "report")
    assert ticket.grid.name == "云溪二网格"  # guessed from the reporter's own grid
    assert ticket.stage == "triage" and ticket.due_at > ticket.created_at
    assert told(grid_worker, "ticket.reported") == 1
    assert told(other_grid_worker, "ticket.reported") == 0
    assert [t.id for t in tickets.triage_queue(grid_worker)] == [ticket.id]
    assert tickets.triage_queue(other_grid_worker) == []
    assert tickets.mine(reporter) == [ticket]


def test_the_whole_loop_pays_once_and_ends_fixed_and_confirmed(
    report, reporter, grid_worker, city_staff, photo
):
    ticket = report("hazard-elevator", description="3幢电梯困人后一直停运")
    tickets.verify(ticket, actor=grid_worker)
    db.session.commit()
    assert ticket.state == "triaged"
    assert points_of(reporter) == 5  # the 随手拍·电梯故障上报 rule
    assert told(reporter, "ticket.verified") == 1

    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    db.session.commit()
    assert (ticket.state, ticket.stage) == ("dispatched", "accept")
    assert told(city_staff, "ticket.dispatched") == 1
    assert [a.ticket_id for a in tickets.unit_queue(city_staff)] == [ticket.id]

    tickets.accept(ticket, actor=city_staff)
    tickets.start(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已联系维保单位修复",
                   photos=[photo(city_staff)])
    db.session.commit()
    assert (ticket.state, ticket.outcome) == ("handled", "fixed")
    assert not ticket.fixed  # handled is not yet closed
    assert told(reporter, "ticket.handled") == 1

    tickets.confirm(ticket, member=reporter, rating=5, comment="很快")
    db.session.commit()
    assert (ticket.state, ticket.confirmation, ticket.rating) == ("closed", "confirmed", 5)
    assert ticket.fixed
    # Verifying again after all that pays nothing more.
    with pytest.raises(Conflict):
        tickets.verify(ticket, actor=grid_worker)
    db.session.rollback()
    assert points_of(reporter) == 5
    # The grid worker who dispatched it earns per 网格派单跟进办结 once it is fixed.
    assert points_of(grid_worker) == 20
    assert actions(ticket) == [
        "reported", "verified", "dispatched", "accepted", "started", "handled", "confirmed",
        "rated",
    ]


def test_a_reporter_cannot_triage_their_own_report(report, grid_worker, photo):
    ticket = report(member=grid_worker, photos=[photo(grid_worker)])
    with pytest.raises(Forbidden) as refused:
        tickets.verify(ticket, actor=grid_worker)
    assert refused.value.message.text.key == "tickets.own_ticket"


def test_a_grid_worker_of_another_grid_cannot_act(report, other_grid_worker):
    ticket = report()
    for act in (
        lambda: tickets.verify(ticket, actor=other_grid_worker),
        lambda: tickets.dispatch(ticket, actor=other_grid_worker, units=[city().id]),
        lambda: tickets.close_as_not_a_problem(ticket, actor=other_grid_worker, reason="x"),
    ):
        with pytest.raises(Forbidden):
            act()
    assert ticket.state == "reported"


def test_a_unit_cannot_accept_a_ticket_not_dispatched_to_it(
    report, grid_worker, city_staff, police_staff
):
    ticket = report()
    with pytest.raises(Forbidden):
        tickets.accept(ticket, actor=city_staff)  # not dispatched at all
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    db.session.commit()
    with pytest.raises(Forbidden) as refused:
        tickets.accept(ticket, actor=police_staff)
    assert refused.value.message.text.key == "tickets.not_unit_staff"
    assert ticket.state == "dispatched"


def test_a_returned_ticket_goes_back_to_triage_and_can_go_to_another_unit(
    report, grid_worker, city_staff, police_staff
):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    db.session.commit()
    with pytest.raises(InvalidInput):
        tickets.return_ticket(ticket, actor=city_staff, reason="  ")
    tickets.return_ticket(ticket, actor=city_staff, reason="属于派出所职责")
    db.session.commit()
    assert (ticket.state, ticket.stage) == ("triaged", "triage")
    assert told(grid_worker, "ticket.returned") == 1
    assert tickets.unit_queue(city_staff) == []
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("police").id])
    tickets.accept(ticket, actor=police_staff)
    db.session.commit()
    assert ticket.state == "accepted"


def test_a_second_unit_can_be_added_and_the_first_answer_does_not_stop_the_other(
    report, grid_worker, city_staff, police_staff
):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("police").id])  # 加派
    db.session.commit()
    with pytest.raises(Conflict):
        tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    db.session.rollback()
    tickets.return_ticket(ticket, actor=city_staff, reason="不归我们")
    db.session.commit()
    assert ticket.state == "dispatched"  # the police still hold it
    tickets.accept(ticket, actor=police_staff)
    assert ticket.state == "accepted"
    assert "added" in actions(ticket)


def test_a_fix_needs_a_note_and_an_after_photo(report, grid_worker, city_staff):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    tickets.accept(ticket, actor=city_staff)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        tickets.handle(ticket, actor=city_staff, outcome="fixed", note="修好了")
    assert "photos" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        tickets.handle(ticket, actor=city_staff, outcome="not_fixed", note="")
    assert "note" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        tickets.handle(ticket, actor=city_staff, outcome="closed", note="x")
    assert "outcome" in refused.value.errors
    tickets.handle(ticket, actor=city_staff, outcome="not_fixed", note="需业主自行清理，已告知")
    db.session.commit()
    assert (ticket.state, ticket.outcome) == ("handled", "not_fixed")


def test_a_dispute_reopens_it_with_the_same_unit(
    report, reporter, grid_worker, city_staff, photo
):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    tickets.accept(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理",
                   photos=[photo(city_staff)])
    db.session.commit()
    tickets.dispute(ticket, member=reporter, reason="纸箱又堆回来了")
    db.session.commit()
    assert (ticket.state, ticket.outcome, ticket.reopened) == ("dispatched", None, 1)
    assert told(city_staff, "ticket.reopened") == 1
    assert [a.ticket_id for a in tickets.unit_queue(city_staff)] == [ticket.id]
    tickets.accept(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理并张贴提示",
                   photos=[photo(city_staff)])
    tickets.confirm(ticket, member=reporter)
    db.session.commit()
    assert ticket.fixed and ticket.reopened == 1


def test_only_the_reporter_confirms_disputes_rates_and_withdraws(
    report, grid_worker, city_staff, photo
):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    tickets.accept(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理",
                   photos=[photo(city_staff)])
    db.session.commit()
    for act in (
        lambda: tickets.confirm(ticket, member=grid_worker),
        lambda: tickets.dispute(ticket, member=city_staff, reason="x"),
        lambda: tickets.rate(ticket, member=grid_worker, rating=5),
        lambda: tickets.withdraw(ticket, member=grid_worker),
    ):
        with pytest.raises(Forbidden):
            act()
    assert ticket.state == "handled"


def test_a_rating_is_one_to_five_and_given_once(report, reporter, grid_worker, city_staff):
    ticket = report()
    with pytest.raises(Conflict):
        tickets.rate(ticket, member=reporter, rating=4)  # nothing handled yet
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    tickets.accept(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="not_ours", note="属物业管理范围")
    db.session.commit()
    for bad in (0, 6, "five", True, 3.5):
        with pytest.raises(InvalidInput):
            tickets.rate(ticket, member=reporter, rating=bad)
    tickets.rate(ticket, member=reporter, rating=2, comment="推来推去")
    db.session.commit()
    with pytest.raises(Conflict):
        tickets.rate(ticket, member=reporter, rating=5)
    assert ticket.rating == 2


def test_closed_is_not_fixed(report, reporter, grid_worker):
    a, b = report(), report()
    tickets.close_as_not_a_problem(a, actor=grid_worker, reason="现场核实已清理")
    tickets.withdraw(b, member=reporter, reason="已自行处理")
    db.session.commit()
    assert (a.state, a.outcome, a.fixed) == ("closed", "not_a_problem", False)
    assert (b.state, b.outcome, b.fixed) == ("closed", "withdrawn", False)
    assert points_of(reporter) == 0  # neither was verified


def test_merging_moves_the_reporter_to_the_original_and_pays_nothing(
    report, reporter, make_member, grids, grid_worker, city_staff, photo
):
    neighbour = make_member("13900000014", name="邻居", grid_id=grids["云溪二网格"].id)
    original = report()
    duplicate = report(member=neighbour, photos=[photo(neighbour)])
    assert [t.id for t in tickets.duplicates_for(duplicate)] == [original.id]
    tickets.merge(duplicate, actor=grid_worker, into=original.id)
    db.session.commit()
    assert (duplicate.state, duplicate.outcome, duplicate.duplicate_of_id) == (
        "closed", "duplicate", original.id)
    assert points_of(neighbour) == 0
    assert tickets.visible_ticket(original.id, neighbour) == original  # follows it now
    assert original in tickets.mine(neighbour)
    # Merging into a later or closed ticket is refused.
    third = report()
    with pytest.raises(InvalidInput):
        tickets.merge(original, actor=grid_worker, into=third.id)
    with pytest.raises(InvalidInput):
        tickets.merge(third, actor=grid_worker, into=duplicate.id)
    # The original's outcome reaches the duplicate's reporter.
    tickets.dispatch(original, actor=grid_worker, units=[city().id])
    tickets.accept(original, actor=city_staff)
    tickets.handle(original, actor=city_staff, outcome="fixed", note="已清理",
                   photos=[photo(city_staff)])
    tickets.confirm(original, member=reporter)
    db.session.commit()
    assert told(neighbour, "ticket.outcome") == 1


def test_photos_stay_with_staff_and_units_until_published_and_phones_never_reach_units(
    report, reporter, make_member, grid_worker, city_staff
):
    stranger = make_member("13900000015", name="路人")
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    db.session.commit()
    assert len(tickets.photos_for(reporter, ticket)) == 1
    assert len(tickets.photos_for(city_staff, ticket)) == 1
    assert tickets.photos_for(stranger, ticket) == []
    assert tickets.photos_for(None, ticket) == []
    with pytest.raises(NotFound):
        tickets.visible_ticket(ticket.id, stranger)
    with pytest.raises(NotFound):
        tickets.photo_of(stranger, ticket.photos[0].id)
    tickets.publish(ticket, actor=grid_worker)
    db.session.commit()
    assert len(tickets.photos_for(None, ticket)) == 1
    label = tickets.reporter_label(city_staff, ticket)
    assert label.startswith("小") and "刘" not in label and reporter.phone not in label
    assert tickets.reporter_label(grid_worker, ticket) == "小刘"


def test_a_report_needs_a_photo_a_known_category_and_a_grid(reporter, world, photo):
    with pytest.raises(InvalidInput) as refused:
        tickets.report(reporter, category="hazard-general", description="x", photos=[])
    assert "photos" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        tickets.report(reporter, category="order-repair", description="x",
                       photos=[photo(reporter)])
    assert "category" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        tickets.report(reporter, category="hazard-general", description="x",
                       photos=[photo(reporter) for _ in range(7)])
    assert "photos" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        tickets.report(reporter, category="hazard-general", description="x", grid=99999,
                       photos=[photo(reporter)])
    assert "grid" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        tickets.report(reporter, category="hazard-general", description="x", latitude=91,
                       longitude=120, photos=[photo(reporter)])
    assert "latitude" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        tickets.report(reporter, category="hazard-general", description="x", photos=["nope"])
    assert "photos" in refused.value.errors
    db.session.rollback()
    assert tickets.mine(reporter) == []


def test_an_order_picks_a_menu_item_some_unit_offers(reporter, grid_worker, world):
    menu = tickets.service_menu(reporter.community_id)
    assert len(menu) >= 39
    item = next(i for i in menu if i.code == "water-pipe")
    ticket = tickets.order(reporter, item="water-pipe", description="厨房水管滴水",
                           wanted_at=(utcnow() + timedelta(days=2)).isoformat())
    db.session.commit()
    assert (ticket.kind, ticket.item_id, ticket.state) == ("order", item.id, "reported")
    first = tickets.units_for(ticket)[0]
    assert first in item.units  # the units that offer it come first
    with pytest.raises(InvalidInput) as refused:
        tickets.order(reporter, item="water-pipe", description="x",
                      wanted_at=(utcnow() - timedelta(hours=1)).isoformat())
    assert "wanted_at" in refused.value.errors
    tickets.verify(ticket, actor=grid_worker)
    db.session.commit()
    assert points_of(reporter) == 0  # an order earns no 随手拍 points


def test_the_monthly_cap_stops_the_award_but_not_the_triage(
    report, reporter, grid_worker
):
    # 随手拍·一般问题上报: 2 points each, at most 6 a day.
    for _ in range(4):
        tickets.verify(report(), actor=grid_worker)
        db.session.commit()
    assert points_of(reporter) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent).filter_by(
        action="verified")) == 4


def test_a_verified_report_is_neither_merged_nor_closed_as_no_problem(
    report, grid_worker
):
    original, ticket = report(), report()
    tickets.verify(ticket, actor=grid_worker)
    db.session.commit()
    assert tickets.steps(grid_worker, ticket)["close"] is False
    with pytest.raises(Conflict):
        tickets.close_as_not_a_problem(ticket, actor=grid_worker, reason="其实没问题")
    with pytest.raises(Conflict):
        tickets.merge(ticket, actor=grid_worker, into=original.id)
    assert ticket.state == "triaged"


def test_retried_steps_answer_the_ticket_as_it_is(
    report, reporter, grid_worker, city_staff, police_staff, photo
):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id, tickets.get_unit("police").id])
    tickets.return_ticket(ticket, actor=police_staff, reason="不归派出所")
    again = tickets.return_ticket(ticket, actor=police_staff, reason="不归派出所")
    assert again.state == "dispatched" and actions(ticket).count("returned") == 1
    tickets.accept(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理",
                   photos=[photo(city_staff)])
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理", photos=[])
    assert actions(ticket).count("handled") == 1
    tickets.publish(ticket, actor=grid_worker)
    tickets.publish(ticket, actor=grid_worker)
    assert actions(ticket).count("published") == 1
    other = report()
    tickets.withdraw(other, member=reporter)
    tickets.withdraw(other, member=reporter)
    assert actions(other).count("withdrawn") == 1


def test_steps_offer_each_role_only_what_it_may_do_now(
    report, reporter, grid_worker, city_staff
):
    ticket = report()
    offered = lambda who: {k for k, v in tickets.steps(who, ticket).items() if v}  # noqa: E731
    assert offered(reporter) == {"withdraw"}
    assert offered(grid_worker) == {"verify", "merge", "close", "dispatch", "publish"}
    assert offered(city_staff) == set()
    tickets.dispatch(ticket, actor=grid_worker, units=[city().id])
    assert offered(city_staff) == {"accept", "return"}
    tickets.accept(ticket, actor=city_staff)
    assert offered(city_staff) == {"return", "start", "handle"}
    assert offered(grid_worker) == {"dispatch", "publish"}


def test_a_photo_whose_file_is_gone_is_not_found_not_an_error(report, reporter):
    from points.activities import services as activities

    ticket = report()
    photo = ticket.photos[0]
    data, content_type = tickets.photo_file(photo)
    assert data and content_type == "image/jpeg"
    activities.evidence_path(tickets.photo_evidence(photo)).unlink()
    with pytest.raises(NotFound):
        tickets.photo_file(photo)
