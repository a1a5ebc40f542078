"""The ticket loop through its pages, as the demo people use them: 随手拍 with a photo, the
grid worker's check and 派单, the unit's 接单 and fix with an after-photo, the reporter's
confirmation and rating; what each person may not do, bad input, the public board."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.tickets import services as tickets
from points.tickets.models import Ticket, TicketPhoto
from tests.activities.photos import jpeg, picture
from tests.conftest import csrf_token, sign_in


class Person:
    """A signed-in browser of one member: get pages, post forms with the CSRF token."""

    def __init__(self, app, phone: str):
        self.client = app.test_client()
        sign_in(self.client, phone)
        self.token = csrf_token(self.client, "/")

    def get(self, path: str):
        return self.client.get(path)

    def post(self, path: str, data: dict | None = None, *, photos: int = 0, follow: bool = True):
        data = {"csrf_token": self.token, **(data or {})}
        if photos:
            data["photos"] = [
                (io.BytesIO(jpeg(picture(colour=(200, 40 + n, 30)))), f"p{n}.jpg")
                for n in range(photos)
            ]
        return self.client.post(path, data=data, content_type="multipart/form-data",
                                follow_redirects=follow)


def text(answer) -> str:
    return answer.get_data(as_text=True)


def flash(answer, kind: str = "success") -> str:
    found = re.findall(rf'<p class="flash {kind}"[^>]*>([^<]*)</p>', text(answer))
    return " ".join(found)


def newest_ticket() -> Ticket:
    return db.session.scalars(sa.select(Ticket).order_by(Ticket.id.desc())).first()


def photo_ids(ticket_id: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(TicketPhoto.id).filter_by(ticket_id=ticket_id).order_by(TicketPhoto.id)))


REPORT = {
    "category": "hazard-flying-wire",
    "description": "楼道里有人拉线给电瓶车充电",
    "spot": "12幢2单元楼道",
}


@pytest.fixture
def courier(app, reporter):
    return Person(app, reporter.phone)


@pytest.fixture
def zhao(app, grid_worker):
    return Person(app, grid_worker.phone)


@pytest.fixture
def sun(app, city_staff):
    return Person(app, city_staff.phone)


def test_the_whole_loop_through_the_pages(courier, zhao, sun, reporter, grid_worker):
    # 小刘 reports flying-wire charging with a photo; the form starts at his own grid.
    form = courier.get("/report")
    assert form.status_code == 200
    assert 'capture="environment"' in text(form) and 'accept="image/*"' in text(form)
    assert re.search(rf'<option selected value="{reporter.grid_id}"', text(form))
    sent = courier.post("/report", REPORT, photos=1)
    assert sent.status_code == 200
    assert "网格员" in flash(sent)
    ticket_id = newest_ticket().id
    assert f"#{ticket_id}" in text(sent) and "已上报，待核实" in text(sent)
    assert len(photo_ids(ticket_id)) == 1

    # 赵网格 sees it in the triage queue with its photo and the menu count, checks it.
    assert "<span class=\"badge\">1</span>" in text(zhao.get("/"))
    queue = zhao.get("/grid/tickets")
    assert "12幢2单元楼道" in text(queue)
    assert f"/tickets/photos/{photo_ids(ticket_id)[0]}" in text(queue)
    page = zhao.get(f"/tickets/{ticket_id}")
    assert "小刘" in text(page) and reporter.phone not in text(page)
    verified = zhao.post(f"/tickets/{ticket_id}/verify")
    assert "已核实" in flash(verified)

    # … and dispatches it (派单) to city management.
    city = tickets.get_unit("city-management")
    dispatched = zhao.post(f"/tickets/{ticket_id}/dispatch", {"units": str(city.id)})
    assert "派单" in flash(dispatched)
    assert "加派" in text(dispatched)  # once with a unit, another one is added (加派)

    # 孙队员 of city management finds it in the unit's queue, sees the reporter masked.
    unit_page = sun.get("/unit/tickets")
    assert "12幢2单元楼道" in text(unit_page)
    page = sun.get(f"/tickets/{ticket_id}")
    assert "小*" in text(page) and "小刘" not in text(page) and reporter.phone not in text(page)
    assert "接单" in flash(sun.post(f"/tickets/{ticket_id}/accept"))
    sun.post(f"/tickets/{ticket_id}/start")
    done = sun.post(
        f"/tickets/{ticket_id}/handle",
        {"outcome": "fixed", "note": "已拆除飞线，告知住户到充电桩充电"},
        photos=1,
    )
    assert "请上报人确认" in flash(done)
    assert len(photo_ids(ticket_id)) == 2

    # 小刘 sees both photos and the note, confirms it and gives five stars.
    page = courier.get(f"/tickets/{ticket_id}")
    assert "已拆除飞线" in text(page)
    for photo_id in photo_ids(ticket_id):
        assert courier.get(f"/tickets/photos/{photo_id}").mimetype == "image/jpeg"
    confirmed = courier.post(f"/tickets/{ticket_id}/confirm", {"rating": "5", "comment": "很快"})
    assert "已办结" in flash(confirmed)
    ticket = db.session.get(Ticket, ticket_id)
    db.session.refresh(ticket)
    assert (ticket.state, ticket.outcome, ticket.rating) == ("closed", "fixed", 5)
    assert "已解决" in text(confirmed)
    mine = courier.get("/tickets")
    assert f"/tickets/{ticket_id}" in text(mine)


def test_a_report_without_a_photo_or_a_category_says_which_field(courier):
    answer = courier.post("/report", {**REPORT, "category": ""}, photos=1)
    assert answer.status_code == 422
    assert "请从列表中选择类别。" in text(answer)
    assert newest_ticket() is None
    answer = courier.post("/report", REPORT)
    assert answer.status_code == 422
    assert 'id="photos-error"' in text(answer) and "请至少上传一张问题现场照片" in text(answer)
    assert newest_ticket() is None


def test_a_half_map_point_names_the_missing_field(courier):
    answer = courier.post("/report", {**REPORT, "latitude": "31.3"}, photos=1)
    assert answer.status_code == 422
    assert 'id="longitude-error"' in text(answer)
    assert newest_ticket() is None


def test_a_file_that_is_no_photo_is_refused_on_the_photo_field(courier):
    data = {"csrf_token": courier.token, **REPORT,
            "photos": [(io.BytesIO(b"not a picture at all"), "x.jpg")]}
    answer = courier.client.post("/report", data=data, content_type="multipart/form-data")
    assert answer.status_code == 422 and 'id="photos-error"' in text(answer)
    assert newest_ticket() is None


def test_without_the_csrf_token_nothing_is_reported(courier):
    data = {**REPORT, "photos": [(io.BytesIO(jpeg()), "a.jpg")]}
    answer = courier.client.post("/report", data=data, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert newest_ticket() is None


def test_a_step_without_the_csrf_token_changes_nothing(app, report, grid_worker):
    ticket = report()
    client = app.test_client()
    sign_in(client, grid_worker.phone)
    answer = client.post(f"/tickets/{ticket.id}/verify")
    assert answer.status_code == 400
    db.session.refresh(ticket)
    assert ticket.state == "reported"


def test_an_order_from_the_service_menu(app, reporter, world):
    resident = Person(app, reporter.phone)
    form = resident.get("/order")
    item = tickets.service_menu(reporter.community_id)[0]
    assert item.name_zh in text(form)
    when = (utcnow() + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT10:00")
    sent = resident.post("/order", {"item": str(item.id), "wanted_at": when, "spot": "5幢301",
                                    "description": "家里水龙头漏水"})
    assert sent.status_code == 200 and "点单" in text(sent)
    ticket = newest_ticket()
    assert (ticket.kind, ticket.item_id) == ("order", item.id)
    bad = resident.post("/order", {"item": str(item.id), "wanted_at": "明天",
                                   "description": "家里水龙头漏水"})
    assert bad.status_code == 422 and 'id="wanted_at-error"' in text(bad)
    none = resident.post("/order", {"description": "家里水龙头漏水"})
    assert none.status_code == 422 and "请从服务清单中选择服务。" in text(none)


def test_a_unit_that_does_not_hold_the_ticket_is_refused_with_a_message(
    app, report, grid_worker, city_staff, police_staff
):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    db.session.commit()
    police = Person(app, police_staff.phone)
    assert police.post(f"/tickets/{ticket.id}/accept").status_code == 404  # not theirs to see
    zhao = Person(app, grid_worker.phone)
    answer = zhao.post(f"/tickets/{ticket.id}/accept")
    assert answer.status_code == 403
    assert "这张工单没有派给贵单位。" in flash(answer, "error")
    db.session.refresh(ticket)
    assert ticket.state == "dispatched"


def test_a_return_without_a_reason_names_the_reason(app, report, grid_worker, city_staff):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    db.session.commit()
    sun = Person(app, city_staff.phone)
    answer = sun.post(f"/tickets/{ticket.id}/return", {"reason": ""})
    assert answer.status_code == 422
    assert 'id="return-reason-error"' in text(answer)
    db.session.refresh(ticket)
    assert ticket.state == "dispatched"
    back = sun.post(f"/tickets/{ticket.id}/return", {"reason": "井盖归自来水公司管"})
    assert "退单" in flash(back)
    # Returned, it is no longer theirs: they still read it, but may not accept it.
    again = sun.post(f"/tickets/{ticket.id}/accept")
    assert again.status_code == 403 and "这张工单没有派给贵单位。" in flash(again, "error")
    assert 'id="accept"' not in text(again)
    db.session.refresh(ticket)
    assert ticket.state == "triaged"


def test_a_fix_without_an_after_photo_is_refused_on_the_photo(app, report, grid_worker,
                                                              city_staff):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    tickets.accept(ticket, actor=city_staff)
    db.session.commit()
    sun = Person(app, city_staff.phone)
    answer = sun.post(f"/tickets/{ticket.id}/handle", {"outcome": "fixed", "note": "修好了"})
    assert answer.status_code == 422 and 'id="handle-photos-error"' in text(answer)
    assert "修好了" in text(answer)  # what was typed is kept
    db.session.refresh(ticket)
    assert ticket.state == "accepted"


def test_a_stranger_sees_no_ticket_and_no_photo(app, report, make_member):
    ticket = report()
    photo_id = photo_ids(ticket.id)[0]
    stranger = Person(app, make_member().phone)
    assert stranger.get(f"/tickets/{ticket.id}").status_code == 404
    assert stranger.get(f"/tickets/photos/{photo_id}").status_code == 404
    assert app.test_client().get(f"/tickets/photos/{photo_id}").status_code == 404
    assert stranger.post(f"/tickets/{ticket.id}/withdraw").status_code == 404
    assert stranger.get("/grid/tickets").status_code == 403
    assert stranger.get("/unit/tickets").status_code == 403
    assert stranger.get("/street/tickets").status_code == 403


def test_the_grid_worker_merges_a_duplicate_and_closes_a_non_problem(app, report, grid_worker,
                                                                      reporter, make_member,
                                                                      grids):
    first = report()
    neighbour = make_member(grid_id=grids["云溪二网格"].id)
    second = report(member=neighbour)
    zhao = Person(app, grid_worker.phone)
    page = zhao.get(f"/tickets/{second.id}")
    assert f'name="into" value="{first.id}"' in text(page)
    merged = zhao.post(f"/tickets/{second.id}/merge", {"into": str(first.id)})
    assert "合并" in flash(merged)
    empty = zhao.post(f"/tickets/{first.id}/close", {"reason": ""})
    assert empty.status_code == 422 and 'id="close-reason-error"' in text(empty)
    closed = zhao.post(f"/tickets/{first.id}/close", {"reason": "纸箱已被住户搬走"})
    assert closed.status_code == 200
    db.session.refresh(first)
    assert (first.state, first.outcome) == ("closed", "not_a_problem")


def test_the_reporter_disputes_a_fix_and_it_goes_back_to_the_unit(app, report, grid_worker,
                                                                 city_staff, photo, reporter):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    tickets.accept(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理",
                   photos=[photo(city_staff)])
    db.session.commit()
    courier = Person(app, reporter.phone)
    assert courier.post(f"/tickets/{ticket.id}/dispute", {"reason": ""}).status_code == 422
    courier.post(f"/tickets/{ticket.id}/dispute", {"reason": "纸箱又堆回来了"})
    db.session.refresh(ticket)
    assert ticket.state == "dispatched"
    assert courier.post(f"/tickets/{ticket.id}/confirm").status_code == 409


def test_the_overdue_board_lists_late_tickets_by_unit(app, report, grid_worker, social_worker):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    db.session.commit()
    tickets.mark_overdue(now=utcnow() + timedelta(days=30))
    tickets.escalate_due(now=utcnow() + timedelta(days=30))
    db.session.commit()
    page = Person(app, social_worker.phone).get("/street/tickets")
    assert page.status_code == 200
    assert "城管中队" in text(page)
    assert f"/tickets/{ticket.id}" in text(page) and "督办" in text(page)


def _closed_fixed(report, grid_worker, city_staff, photo, reporter, *, rating=None):
    ticket = report()
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    tickets.accept(ticket, actor=city_staff)
    tickets.handle(ticket, actor=city_staff, outcome="fixed", note="已清理",
                   photos=[photo(city_staff)])
    tickets.confirm(ticket, member=reporter, rating=rating)
    db.session.commit()
    return ticket


def test_the_public_board_needs_no_sign_in_and_hides_small_counts_and_private_photos(
    app, report, grid_worker, city_staff, photo, reporter, places
):
    shown = report()
    hidden = report(description="另一个楼道堆了纸箱")
    tickets.publish(shown, actor=grid_worker)
    db.session.commit()
    visitor = app.test_client()
    assert places[0].name in text(visitor.get("/board"))
    board = visitor.get(f"/board/{places[0].id}")
    assert board.status_code == 200
    page = text(board)
    assert "&lt;5" in page and ">2<" not in page
    assert "不足 5 件，不显示" in page and "不足 5 个评价，不显示" in page
    published = photo_ids(shown.id)[0]
    private = photo_ids(hidden.id)[0]
    assert f"/tickets/photos/{published}" in page and f"/tickets/photos/{private}" not in page
    assert visitor.get(f"/tickets/photos/{published}").status_code == 200
    assert visitor.get(f"/tickets/photos/{private}").status_code == 404

    for _ in range(5):
        _closed_fixed(report, grid_worker, city_staff, photo, reporter, rating=5)
    page = text(visitor.get(f"/board/{places[0].id}?period=this-year"))
    assert "100%" in page and "共 5 个评价" in page
    assert "不足 5 件，不显示" not in page  # five fixes: their median is shown
    wrong = visitor.get(f"/board/{places[0].id}?period=someday")
    assert wrong.status_code == 422
    assert "本月、上月、今年" in text(wrong) and "this-month" not in text(wrong)  # by name


def test_a_member_says_me_too_on_the_board(app, report, grid_worker, make_member, places):
    ticket = report()
    tickets.publish(ticket, actor=grid_worker)
    db.session.commit()
    neighbour = Person(app, make_member().phone)
    answer = neighbour.post(f"/board/tickets/{ticket.id}/me-too")
    assert "我的工单" in flash(answer)
    assert f"/tickets/{ticket.id}" in text(neighbour.get("/tickets"))
    again = neighbour.post(f"/board/tickets/{ticket.id}/me-too")
    assert flash(again, "error")


def test_the_queues_show_their_counts_in_the_menu_and_on_home(app, report, grid_worker,
                                                              city_staff, reporter):
    ticket = report()
    zhao, sun = Person(app, grid_worker.phone), Person(app, city_staff.phone)
    home = text(zhao.get("/"))
    assert "待核实工单" in home and '<span class="count">1</span>' in home
    assert "本单位工单" not in home
    tickets.dispatch(ticket, actor=grid_worker, units=[tickets.get_unit("city-management").id])
    db.session.commit()
    home = text(sun.get("/"))
    assert "本单位工单" in home and '<span class="count">1</span>' in home
    assert "待核实工单" not in home
    courier = text(Person(app, reporter.phone).get("/"))
    assert "随手拍" in courier and "待核实工单" not in courier and "本单位工单" not in courier


def test_the_triage_queue_goes_on_page_by_page(app, report, grid_worker, monkeypatch):
    from points.web import tickets as pages

    monkeypatch.setattr(pages, "TRIAGE_PAGE", 2)
    first, second, third = report(), report(), report()
    zhao = Person(app, grid_worker.phone)
    page = text(zhao.get("/grid/tickets"))
    assert f"/tickets/{first.id}\"" in page and f"/tickets/{third.id}\"" not in page
    assert f"after={second.id}" in page
    later = text(zhao.get(f"/grid/tickets?after={second.id}"))
    assert f"/tickets/{third.id}\"" in later and f"/tickets/{first.id}\"" not in later
    assert zhao.get("/grid/tickets?after=99999999999999999999").status_code == 404


def test_each_card_of_the_triage_queue_shows_its_photo_and_the_earlier_ones_like_it(
    app, report, grid_worker
):
    first = report("hazard-flying-wire")
    other = report("hazard-general")
    again = report("hazard-flying-wire")
    latest = report("hazard-flying-wire")
    zhao = Person(app, grid_worker.phone)
    page = text(zhao.get("/grid/tickets"))
    cards = {int(n): card for card, n in re.findall(
        r'<section class="card ticket-card[^"]*">(.*?#(\d+) .*?)</section>', page, re.S)}
    assert set(cards) == {first.id, other.id, again.id, latest.id}
    for ticket in (first, other, again, latest):
        assert f"/tickets/photos/{photo_ids(ticket.id)[0]}" in cards[ticket.id]
    assert "同类未办结" not in cards[first.id] and "同类未办结" not in cards[other.id]
    assert "网格内有 1 件同类未办结工单" in cards[again.id]
    assert "网格内有 2 件同类未办结工单" in cards[latest.id]


def test_the_ticket_pages_read_in_english(app, report, grid_worker, reporter):
    ticket = report()
    zhao = Person(app, grid_worker.phone)
    zhao.client.post("/language/en", data={"csrf_token": zhao.token})
    page = text(zhao.get(f"/tickets/{ticket.id}"))
    assert "Reported, to be checked" in page and "Dispatch (派单)" in page
    assert "Tickets to check and dispatch" in text(zhao.get("/grid/tickets"))
    assert "Public board" in text(zhao.get(f"/board/{ticket.community_id}"))
    assert "What kind of problem" in text(zhao.get("/report"))


def test_control_characters_and_unknown_steps_are_refused_not_crashed(courier, report):
    answer = courier.post("/report", {**REPORT, "description": "坏了\x00"}, photos=1)
    assert answer.status_code == 422 and "description" in text(answer)
    assert newest_ticket() is None
    ticket = report()
    assert courier.post(f"/tickets/{ticket.id}/explode").status_code == 404
    assert courier.post(f"/tickets/{ticket.id}/rate", {"rating": "9"}).status_code == 422
