"""The inbox and channel choices over the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from points.extensions import db
from points.notifications import render
from points.notifications import services as notifications
from points.spaces.messages import OFFERED
from tests.conftest import api_token

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _offer(member):
    now = datetime.now(SHANGHAI)
    return notifications.notify(
        member,
        OFFERED,
        subject="booking:7",
        now=now,
        space=render.names("活动室", "Activity room"),
        start=now + timedelta(days=1),
        end=now + timedelta(days=1, hours=1),
        deadline=now + timedelta(hours=2),
    )


def test_the_inbox_answers_in_the_members_language_with_the_next_step(client, make_member):
    member = make_member(level="host")
    _offer(member)
    db.session.commit()
    headers = api_token(client, member.phone)
    body = client.get("/api/v1/me/notifications", headers=headers).get_json()
    assert body["unread"] == 1
    (item,) = body["items"]
    assert item["kind"] == "booking.offered" and item["needs_answer"] is True
    assert "活动室" in item["body"] and item["link"] == "/me/bookings"
    member.locale = "en"  # the member's language, chosen on the site
    db.session.commit()
    english = client.get("/api/v1/me/notifications", headers=headers).get_json()
    assert "Activity room" in english["items"][0]["body"]

    read = client.post(f"/api/v1/me/notifications/{item['id']}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    assert client.get("/api/v1/me/notifications", headers=headers).get_json()["unread"] == 0


def test_another_members_notification_is_not_found(client, make_member):
    owner, other = make_member(), make_member()
    item = _offer(owner)
    db.session.commit()
    headers = api_token(client, other.phone)
    answer = client.post(f"/api/v1/me/notifications/{item.id}/read", headers=headers)
    assert answer.status_code == 404


def test_choices_change_together_or_not_at_all(client, make_member):
    member = make_member(level="host")
    headers = api_token(client, member.phone)
    choices = client.get("/api/v1/me/notification-preferences", headers=headers).get_json()
    offer_sms = next(c for c in choices if c["kind"] == OFFERED.key and c["channel"] == "sms")
    assert offer_sms["wanted"] is True and offer_sms["default"] is True

    # The second choice is refused (no email address), so the first is not kept either.
    answer = client.put(
        "/api/v1/me/notification-preferences",
        headers=headers,
        json={
            "choices": [
                {"kind": OFFERED.key, "channel": "sms", "wanted": False},
                {"kind": OFFERED.key, "channel": "email", "wanted": True},
            ]
        },
    )
    assert answer.status_code == 422
    assert "choices[1].channel" in answer.get_json()["errors"]
    again = client.get("/api/v1/me/notification-preferences", headers=headers).get_json()
    assert next(c for c in again if c["kind"] == OFFERED.key and c["channel"] == "sms")["wanted"]

    unknown = client.put(
        "/api/v1/me/notification-preferences",
        headers=headers,
        json={"choices": [{"kind": "no.such", "channel": "sms", "wanted": True}]},
    )
    assert unknown.status_code == 422 and "choices[0].kind" in unknown.get_json()["errors"]

    off = client.put(
        "/api/v1/me/notification-preferences",
        headers=headers,
        json={"choices": [{"kind": OFFERED.key, "channel": "sms", "wanted": False}]},
    )
    assert off.status_code == 200
    _offer(member)
    db.session.commit()
    assert _offer(member).deliveries == []
