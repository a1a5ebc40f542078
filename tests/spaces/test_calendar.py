"""Calendar feeds: a secret address per host and per space, made on first request, replaced on
reset (the old address is then not found), read by calendar apps without signing in.

A cancelled booking leaves a space's feed (the room is free again) and stays in its host's
feed marked STATUS:CANCELLED.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from icalendar import Calendar

from points.database import utcnow
from points.extensions import db
from points.spaces import calendar
from points.spaces import services as spaces
from points.spaces.models import Booking, CalendarFeed
from tests.conftest import csrf_token, sign_in
from tests.spaces.conftest import EVERY_DAY

FEED = re.compile(r'value="(https?://[^"]+/calendar/([A-Za-z0-9_-]+)\.ics)"')


def _feeds(client) -> list[tuple[str, str]]:
    """(address, token) of every feed on the calendar page."""
    page = client.get("/calendar")
    assert page.status_code == 200
    return FEED.findall(page.get_data(as_text=True))


def _events(client, url: str) -> dict[str, dict]:
    """The feed's events by UID: SUMMARY, STATUS, LOCATION, DTSTART, DTEND."""
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    parsed = Calendar.from_ical(answer.data)
    return {
        str(e["uid"]): {
            "summary": str(e["summary"]),
            "status": str(e["status"]),
            "location": str(e["location"]),
            "start": e.decoded("dtstart"),
            "end": e.decoded("dtend"),
            "raw": e.to_ical().decode(),
        }
        for e in parsed.walk("VEVENT")
    }


def _book(host, room, at, day: int, start: str, end: str, title: str):
    made = spaces.book(
        host, space_id=room.id, start=at(day, start), end=at(day, end), tier="free", title=title
    )
    db.session.commit()
    return made


def test_a_host_subscribes_to_their_bookings(app, client, room, make_host, at):
    host = make_host(name="宋老师")
    booking = _book(host, room, at, 2, "19:00", "20:30", "瑜伽课")
    sign_in(client, host.phone)
    [(url, token)] = _feeds(client)
    assert f"webcal://localhost/calendar/{token}.ics" in client.get("/calendar").get_data(
        as_text=True
    )
    assert len(token) >= 43
    assert _feeds(client) == [(url, token)]  # made once, then the same address

    reader = app.test_client()  # a calendar app: no session
    events = _events(reader, url)
    event = events[f"booking-{booking.id}@localhost"]
    assert (event["summary"], event["status"]) == ("瑜伽课", "CONFIRMED")
    assert event["location"] == "活动室"
    assert event["start"] == at(2, "19:00").astimezone(UTC)
    assert event["end"] == at(2, "20:30").astimezone(UTC)
    assert f"DTSTART:{at(2, '19:00').astimezone(UTC):%Y%m%dT%H%M%S}Z" in event["raw"]
    assert host.phone not in reader.get(url).get_data(as_text=True)
    assert "宋老师" not in reader.get(url).get_data(as_text=True)


def test_a_reset_address_makes_the_old_one_not_found(app, client, room, make_host, at):
    host = make_host()
    _book(host, room, at, 2, "10:00", "11:00", "读书会")
    sign_in(client, host.phone)
    [(old, _token)] = _feeds(client)
    reader = app.test_client()
    assert reader.get(old).status_code == 200
    answer = client.post(
        "/calendar/reset", data={"feed": "mine", "csrf_token": csrf_token(client, "/calendar")}
    )
    assert answer.status_code == 302
    [(new, _token)] = _feeds(client)
    assert new != old
    assert reader.get(old).status_code == 404
    assert reader.get(new).status_code == 200
    # Without the CSRF token nothing changes.
    assert client.post("/calendar/reset", data={"feed": "mine"}).status_code == 400
    assert _feeds(client) == [(new, _token)]


def test_wrong_addresses_are_not_found_and_slowed_down(app, client):
    app.config["CALENDAR_WRONG_TOKEN_LIMIT"] = "3 per minute"
    answers = [
        client.get(f"/calendar/{token}.ics").status_code
        for token in ("x" * 43, "short", "no-such-token-" + "a" * 30, "y" * 43)
    ]
    assert answers == [404, 404, 404, 429]


def test_a_cancelled_booking_leaves_the_space_feed_and_is_cancelled_in_the_hosts(
    app, client, room, make_host, social_worker, at
):
    host = make_host(points=100)
    kept = _book(host, room, at, 3, "09:00", "10:00", "书法")
    dropped = _book(host, room, at, 3, "14:00", "15:00", "手工")
    spaces.cancel(dropped, host=host)
    db.session.commit()
    reader = app.test_client()

    sign_in(client, social_worker.phone)
    [_own, (space_url, _token)] = _feeds(client)  # staff: their own, then the room's
    space_events = _events(reader, space_url)
    assert set(space_events) == {f"booking-{kept.id}@localhost"}

    host_client = app.test_client()
    sign_in(host_client, host.phone)
    [(host_url, _token)] = _feeds(host_client)
    host_events = _events(reader, host_url)
    assert host_events[f"booking-{dropped.id}@localhost"]["status"] == "CANCELLED"
    assert host_events[f"booking-{dropped.id}@localhost"]["summary"].endswith("手工")
    assert host_events[f"booking-{kept.id}@localhost"]["status"] == "CONFIRMED"


def test_pending_bookings_are_tentative_and_old_ones_drop_off(ctx, room, make_host, at):
    host = make_host()
    room.needs_approval = True
    db.session.commit()
    pending = _book(host, room, at, 2, "09:00", "10:00", "待审")
    old = Booking(
        space_id=room.id,
        host_id=host.id,
        start_at=utcnow() - timedelta(days=31, hours=2),
        end_at=utcnow() - timedelta(days=31),
        tier="free",
        title="很久以前",
        status="confirmed",
    )
    recent = Booking(
        space_id=room.id,
        host_id=host.id,
        start_at=utcnow() - timedelta(days=29, hours=2),
        end_at=utcnow() - timedelta(days=29),
        tier="free",
        title="上个月",
        status="confirmed",
    )
    db.session.add_all([old, recent])
    db.session.commit()
    feed = calendar.host_feed(host)
    text = calendar.render(
        feed, domain="points.example", name="t", prefixes={"pending": "[待审批] "}
    ).decode()
    assert f"UID:booking-{pending.id}@points.example" in text
    assert "STATUS:TENTATIVE" in text and "SUMMARY:[待审批] 待审" in text
    assert "上个月" in text and "很久以前" not in text


def test_staff_see_and_reset_their_own_communitys_space_feeds_only(
    app, client, room, places, make_member, social_worker
):
    hall = spaces.ensure_space(
        code="binjiang-hall",
        community=places[1].name,
        name_zh="多功能厅",
        name_en="Hall",
        capacity=100,
        opening_hours=EVERY_DAY,
    )
    db.session.commit()
    sign_in(client, social_worker.phone)
    [_own, (url, token)] = _feeds(client)
    assert db.session.query(CalendarFeed).filter_by(space_id=room.id).one().token == token
    token_page = csrf_token(client, "/calendar")
    client.post("/calendar/reset", data={"space": str(hall.id), "csrf_token": token_page})
    assert db.session.query(CalendarFeed).filter_by(space_id=hall.id).count() == 0
    client.post("/calendar/reset", data={"space": str(room.id), "csrf_token": token_page})
    db.session.expire_all()
    assert db.session.query(CalendarFeed).filter_by(space_id=room.id).one().token != token
    assert app.test_client().get(url).status_code == 404

    volunteer = make_member(level="volunteer")
    other = app.test_client()
    sign_in(other, volunteer.phone)
    assert _feeds(other) == []
    answer = other.post(
        "/calendar/reset",
        data={"space": str(room.id), "csrf_token": csrf_token(other, "/calendar")},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "只有社工" in answer.get_data(as_text=True)  # in the member's language
    answer = other.post(
        "/calendar/reset",
        data={"feed": "mine", "csrf_token": csrf_token(other, "/calendar")},
        follow_redirects=True,
    )
    assert "只有社区主理人有预约日历" in answer.get_data(as_text=True)
    assert db.session.query(CalendarFeed).filter_by(member_id=volunteer.id).count() == 0
    assert app.test_client().get("/calendar").status_code == 302  # sign in first


@pytest.mark.parametrize("token", ["", "a" * 65, "../../etc", "é" * 43])
def test_malformed_tokens_are_not_found(ctx, token):
    from points.errors import NotFound

    with pytest.raises(NotFound):
        calendar.by_token(token)
