"""Suspending or exiting a member from the staff pages and the API: the confirmation says how
many future bookings will be cancelled, and afterwards staff see each one cancelled (space,
local time, what came back)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import format_datetime

from points.database import utcnow
from points.extensions import db
from points.members import services as members
from points.spaces import services as spaces
from tests.conftest import api_token, csrf_token, sign_in
from tests.members.conftest import measured  # noqa: F401 (the assessment's platform data)
from tests.spaces.conftest import EVERY_DAY


@pytest.fixture
def booked(ctx, places, make_host, at):
    """A host (300 points) with a booking two days ago, two ahead in the host-only 排练厅
    and one ahead in the 活动室 anyone may book: each ahead costs 40 points."""
    rooms = {}
    for code, name, level in (("hall", "排练厅", "host"), ("room", "活动室", "resident")):
        rooms[level] = spaces.ensure_space(
            code=code,
            community=places[0].name,
            name_zh=name,
            name_en=code,
            capacity=20,
            opening_hours=EVERY_DAY,
            min_level=level,
            price_low_fee=20,
        )
    host = make_host(points=300, name="宋老师")

    def book(space, days, hhmm, **kw):
        start = at(days, hhmm)
        return spaces.book(
            host,
            space_id=space.id,
            start=start,
            end=start + timedelta(hours=2),
            tier="low_fee",
            title="社区合唱团",
            **kw,
        )

    past = book(rooms["host"], -2, "09:00", now=utcnow() - timedelta(days=10))
    ahead = [book(rooms["host"], 3, "09:00"), book(rooms["resident"], 4, "14:00")]
    ahead.append(book(rooms["host"], 10, "19:00"))
    db.session.commit()
    return host, past, ahead


def _status(client, member, **form):
    path = f"/staff/members/{member.id}"
    data = {"csrf_token": csrf_token(client, path), **form}
    return client.post(f"{path}/status", data=data, follow_redirects=True)


def test_suspending_asks_first_naming_the_bookings_it_will_cancel(client, booked, social_worker):
    host, past, ahead = booked
    sign_in(client, social_worker.phone)
    asked = _status(client, host, status="suspended", reason="多次爽约")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "确认暂停宋老师？" in page
    assert "将取消的未来预约：3 个" in page
    assert page.count("排练厅 · ") == 2 and page.count("活动室 · ") == 1
    assert page.count("退回 40 积分、0 分钟") == 3
    assert 'name="confirmed" value="yes"' in page
    db.session.refresh(host)
    assert host.status == "active", "asking changes nothing"
    assert {b.status for b in (past, *ahead)} == {"confirmed"}


def test_after_suspending_staff_see_each_cancelled_booking_and_its_refund(
    client, app, booked, social_worker
):
    host, past, ahead = booked
    sign_in(client, social_worker.phone)
    done = _status(client, host, status="suspended", reason="多次爽约", confirmed="yes")
    page = done.get_data(as_text=True)
    assert "已取消未来预约 3 个，费用全部退回。" in page
    with app.test_request_context():  # the community's local time, as the page writes it
        shown = [format_datetime(b.start_at, "short") for b in ahead]
    for booking, when in zip(ahead, shown, strict=True):
        name = "排练厅" if booking.space.min_level == "host" else "活动室"
        assert f"{name}，{when}：已退回 40 积分、0 分钟" in page
    for booking in ahead:
        db.session.refresh(booking)
    db.session.refresh(past)
    assert [b.status for b in ahead] == ["cancelled"] * 3
    assert past.status == "confirmed", "a booking that has begun is not cancelled"

    back = _status(client, host, status="active", reason="已沟通")
    assert "状态已变更并记录。" in back.get_data(as_text=True), "reinstating is not asked first"
    db.session.refresh(host)
    assert host.status == "active"


def test_exiting_a_member_without_bookings_says_none_will_be_or_were_cancelled(
    client, make_member, social_worker
):
    member = make_member(name="王阿姨")
    sign_in(client, social_worker.phone)
    asked = _status(client, member, status="exited", reason="搬离社区").get_data(as_text=True)
    assert "确认将王阿姨设为已退出？" in asked and "没有需要取消的未来预约。" in asked
    done = _status(client, member, status="exited", reason="搬离社区", confirmed="yes")
    assert "没有需要取消的未来预约。" in done.get_data(as_text=True)
    db.session.refresh(member)
    assert member.status == "exited"


def test_a_status_change_the_service_refuses_is_said_before_any_confirmation(
    client, make_member, social_worker
):
    member = make_member(name="王阿姨")
    sign_in(client, social_worker.phone)
    no_reason = _status(client, member, status="suspended", reason=" ").get_data(as_text=True)
    assert 'name="confirmed"' not in no_reason and "此项必填。" in no_reason
    unknown = _status(client, member, status="gone", reason="x").get_data(as_text=True)
    assert "请从列表中选择状态。" in unknown and 'name="confirmed"' not in unknown
    db.session.refresh(member)
    assert member.status == "active"


def test_the_api_answers_a_suspension_with_each_cancelled_booking(client, booked, social_worker):
    host, past, ahead = booked
    answer = client.post(
        f"/api/v1/members/{host.id}/status",
        json={"status": "suspended", "reason": "多次爽约"},
        headers=api_token(client, social_worker.phone),
    )
    assert answer.status_code == 200, answer.get_json()
    done = answer.get_json()["consequences"]
    assert [b["booking"] for b in done["bookings"]] == [b.id for b in ahead]
    assert [b["space"] for b in done["bookings"]] == ["排练厅", "活动室", "排练厅"]
    assert {(b["refunded_points"], b["refunded_minutes"]) for b in done["bookings"]} == {(40, 0)}
    assert done["bookings"][0]["start"] == ahead[0].start_at.isoformat()
    assert done["space_minutes"] == {"balance": 0, "rule": "kept"}
    db.session.refresh(host)
    change = members.level_history(host)[0]
    assert change.consequences == done


def test_the_document_describes_what_a_status_change_did(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    consequences = schemas["ConsequencesOut"]["properties"]
    assert set(consequences) == {"bookings", "waits_withdrawn", "space_minutes"}
    cancelled = schemas["CancelledBookingOut"]["properties"]
    assert {"booking", "space", "start", "refunded_points", "refunded_minutes"} <= set(cancelled)


@pytest.mark.usefixtures("measured")
def test_publishing_a_demotion_names_the_bookings_before_and_after(
    client, make_member, social_worker, places, at
):
    from points.members import quarterly
    from points.members.assessment import previous_quarter, quarter_bounds
    from tests.spaces.conftest import SHANGHAI

    last = quarterly.last_ended_quarter()
    before = previous_quarter(last)
    host = make_member(name="宋老师")
    members.import_level(
        host, "host", reason="appointed", actor_id=None, now=quarter_bounds(before, SHANGHAI)[0]
    )
    hall = spaces.ensure_space(
        code="hall",
        community=places[0].name,
        name_zh="排练厅",
        name_en="Hall",
        capacity=20,
        opening_hours=EVERY_DAY,
        min_level="host",
    )
    booking = spaces.book(
        host, space_id=hall.id, start=at(5, "09:00"), end=at(5, "10:00"), tier="free", title="合唱"
    )
    db.session.commit()
    # Nothing measured was done: red in both quarters; the earlier one is published already.
    quarterly.run_draft(social_worker, before)
    quarterly.publish(
        social_worker, before, confirmed=quarterly.summary(social_worker, before).token
    )
    quarterly.run_draft(social_worker, last)
    db.session.commit()

    sign_in(client, social_worker.phone)
    asked = client.get(f"/staff/assessments/publish?quarter={last}").get_data(as_text=True)
    assert "宋老师" in asked and "将取消的未来预约：1 个" in asked
    done = client.post(
        "/staff/assessments/publish",
        data={
            "quarter": last,
            "confirmed": quarterly.summary(social_worker, last).token,
            "csrf_token": csrf_token(client, "/staff/assessments"),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "宋老师：已取消未来预约 1 个，费用全部退回。" in done
    assert "排练厅，" in done and "已退回 0 积分、0 分钟" in done  # a free booking
    db.session.refresh(booking)
    assert booking.status == "cancelled"
