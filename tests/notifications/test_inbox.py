"""The outbox and the inbox: a notification is written with its cause or not at all; the
inbox shows it with its unread count and leads to the one thing to do next; members choose
their channels."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from points.extensions import db
from points.notifications import services as notifications
from points.notifications.models import Delivery, Notification
from points.spaces import messages as space_texts
from tests.conftest import csrf_token, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFER = space_texts.OFFERED


def _offer(member, now, **over):
    params = dict(
        space="活动室",
        start=now + timedelta(days=2),
        end=now + timedelta(days=2, hours=1),
        deadline=now + timedelta(hours=2),
    )
    params.update(over)
    return notifications.notify(member, OFFER, subject="booking:1", now=now, **params)


def test_a_rolled_back_change_tells_nobody_and_a_committed_one_stays(make_member):
    member = make_member()
    now = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    _offer(member, now)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    _offer(member, now)
    db.session.commit()
    (delivery,) = db.session.scalars(sa.select(Delivery)).all()
    assert (delivery.channel, delivery.address, delivery.status) == ("sms", member.phone, "queued")


def test_an_urgent_sms_at_night_waits_for_quiet_hours_to_end(make_member):
    member = make_member()
    night = datetime(2026, 12, 7, 23, 30, tzinfo=SHANGHAI)
    notification = _offer(member, night)
    db.session.commit()
    assert notification.deliveries[0].due_at == datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI)


def test_a_reminder_with_a_key_is_written_once(make_member):
    member = make_member()
    now = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    first = notifications.notify(member, OFFER, once="offer:9", now=now, space="x")
    again = notifications.notify(member, OFFER, once="offer:9", now=now, space="x")
    db.session.commit()
    assert first is not None and again is None
    assert len(notifications.inbox(member)) == 1


def test_the_inbox_shows_the_unread_count_and_opening_an_item_leads_to_its_next_step(
    app, client, make_member
):
    member = make_member(level="host")
    now = datetime.now(SHANGHAI)
    _offer(member, now)
    db.session.commit()
    sign_in(client, member.phone)
    home = client.get("/").get_data(as_text=True)
    assert 'class="badge"' in home and ">1</span>" in home
    # Home leads with what needs an answer: the offer, until its deadline.
    assert home.index("answer-now") < home.index("<h1") + 2000
    assert "活动室" in home
    page = client.get("/inbox").get_data(as_text=True)
    assert "活动室" in page and 'class="unread"' in page
    item = db.session.scalars(sa.select(Notification)).one()
    token = csrf_token(client, "/inbox")
    answer = client.post(f"/inbox/{item.id}/open", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/me/bookings")
    db.session.expire_all()
    assert item.read_at is not None
    assert 'class="badge"' not in client.get("/inbox").get_data(as_text=True)


def test_someone_elses_notification_is_not_found(client, make_member):
    owner, other = make_member(), make_member()
    item = _offer(owner, datetime.now(SHANGHAI))
    db.session.commit()
    sign_in(client, other.phone)
    token = csrf_token(client, "/inbox")
    assert client.post(f"/inbox/{item.id}/open", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert item.read_at is None


def test_a_settled_offer_no_longer_leads_the_home_page(client, make_member):
    member = make_member(level="host")
    _offer(member, datetime.now(SHANGHAI))
    db.session.commit()
    notifications.settle("booking:1")
    db.session.commit()
    sign_in(client, member.phone)
    assert "answer-now" not in client.get("/").get_data(as_text=True)
    # Still in the inbox, as something that happened.
    assert "活动室" in client.get("/inbox").get_data(as_text=True)


def test_a_member_turns_sms_off_for_offers_and_is_told_in_the_inbox_only(client, make_member):
    member = make_member(level="host")
    sign_in(client, member.phone)
    page = client.get("/me/notifications").get_data(as_text=True)
    assert f'name="{OFFER.key}:sms"' in page and "21:00–08:00" in page
    # The form sends only the ticked boxes: offers by SMS unticked.
    answer = client.post(
        "/me/notifications", data={"csrf_token": csrf_token(client, "/me/notifications")}
    )
    assert answer.status_code == 302
    _offer(member, datetime.now(SHANGHAI))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    assert len(notifications.inbox(member)) == 1
    # Email cannot be chosen without an address.
    assert f'name="{OFFER.key}:email"' in client.get("/me/notifications").get_data(as_text=True)


def test_with_an_email_address_a_member_can_choose_email(client, make_member):
    member = make_member(role="social_worker")
    sign_in(client, member.phone)
    token = csrf_token(client, "/me")
    bad = client.post("/me/email", data={"csrf_token": token, "email": "not an address"})
    assert bad.status_code == 422 and "name@example.com" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert member.email is None
    good = client.post("/me/email", data={"csrf_token": token, "email": " Li@Example.COM "})
    assert good.status_code == 302
    db.session.expire_all()
    assert member.email == "Li@example.com"
    client.post(
        "/me/notifications",
        data={
            "csrf_token": csrf_token(client, "/me/notifications"),
            f"{OFFER.key}:sms": "on",
            f"{OFFER.key}:email": "on",
        },
    )
    notification = _offer(member, datetime.now(SHANGHAI))
    db.session.commit()
    assert {(d.channel, d.address) for d in notification.deliveries} == {
        ("sms", member.phone),
        ("email", "Li@example.com"),
    }


def test_a_reminder_written_twice_at_once_keeps_one_and_the_rest_of_the_sweep(
    make_member, monkeypatch
):
    """Two sweeps racing past the check (a worker and `ledger sweep`): the unique key keeps
    one reminder, and the second sweep's other work is not undone."""
    member, other = make_member(), make_member()
    now = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    notifications.notify(member, OFFER, once="offer:9", now=now, space="x")
    db.session.commit()
    monkeypatch.setattr(notifications, "_already_told", lambda *args: False)
    kept = notifications.notify(other, OFFER, now=now, space="y")  # the sweep's other work
    assert notifications.notify(member, OFFER, once="offer:9", now=now, space="x") is None
    db.session.commit()
    assert len(notifications.inbox(member)) == 1
    assert notifications.inbox(other) == [kept]


def test_staff_kinds_are_offered_to_staff_only(make_member):
    resident, worker = make_member(), make_member(role="social_worker")
    staff_kinds = {c.kind.key for c in notifications.preferences(worker) if c.kind.staff}
    assert "booking.to_approve" in staff_kinds
    assert not [c for c in notifications.preferences(resident) if c.kind.staff]
