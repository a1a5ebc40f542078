"""The whole journey: a host cancels; the host waiting for that time is offered it, gets an
SMS with the page to accept on, opens it on the phone and accepts; the offer stops leading
the home page."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from points.extensions import db
from points.ledger import services as ledger
from points.notifications import delivery
from points.notifications.models import Notification
from points.spaces import services as spaces
from points.spaces import waitlist
from points.spaces.models import Booking
from tests.conftest import csrf_token, sign_in
from tests.notifications.conftest import SHANGHAI

EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


def _host(make_member, points: int):
    host = make_member(level="host")
    ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance", "points"),
        destination=ledger.member_wallet(host.id),
        amount=points,
    )
    db.session.commit()
    return host


def test_a_cancelled_slot_reaches_the_waiting_host_by_sms_and_is_accepted_from_its_link(
    client, sms_on, make_member, places
):
    room = spaces.ensure_space(
        code="room",
        community=places[0].name,
        name_zh="活动室",
        name_en="Activity room",
        capacity=20,
        opening_hours=EVERY_DAY,
        price_low_fee=20,
    )
    holder, waiting = _host(make_member, 100), _host(make_member, 100)
    day = datetime.now(SHANGHAI).date() + timedelta(days=3)
    start = datetime.combine(day, time(19), tzinfo=SHANGHAI)
    end = start + timedelta(hours=1)
    taken = spaces.book(
        holder, space_id=room.id, start=start, end=end, tier="low_fee", title="读书会"
    )
    db.session.commit()
    waitlist.wait(waiting, space_id=room.id, start=start, end=end, tier="low_fee", title="手工课")
    db.session.commit()

    # The holder cancels on their bookings page.
    sign_in(client, holder.phone)
    token = csrf_token(client, "/me/bookings")
    assert (
        client.post(f"/me/bookings/{taken.id}/cancel", data={"csrf_token": token}).status_code
        == 302
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    # The worker's next round sends the waiting host one SMS, with the page to accept on.
    offered = db.session.scalars(sa.select(Booking).where(Booking.host_id == waiting.id)).one()
    assert offered.status == "offered"
    # (A minute before the deadline is always outside quiet hours: it counts waking time.)
    delivery.deliver_due(now=offered.offer_expires_at - timedelta(minutes=1))
    (sms,) = [m for m in sms_on.sent if m["phone"] == "+86" + waiting.phone]
    assert sms["params"][0] == "活动室"
    link = sms["params"][3]
    path = re.sub(r"^https?://[^/]+", "", link)
    assert path == "/me/bookings"

    # On the phone: the link asks her to sign in first, then shows the offer to accept.
    assert client.get(path).status_code == 302
    sign_in(client, waiting.phone)
    page = client.get(path).get_data(as_text=True)
    assert f"/me/bookings/{offered.id}/accept" in page
    home = client.get("/").get_data(as_text=True)
    assert "answer-now" in home
    answer = client.post(
        f"/me/bookings/{offered.id}/accept", data={"csrf_token": csrf_token(client, path)}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, offered.id).status == "confirmed"
    assert "answer-now" not in client.get("/").get_data(as_text=True)
    told = db.session.scalars(
        sa.select(Notification).where(Notification.member_id == waiting.id)
    ).all()
    assert [n.kind for n in told if n.kind == "booking.offered"] and all(
        n.settled_at is not None for n in told if n.kind == "booking.offered"
    )
