"""A kind's required channels stay whatever the member chose (a sign-in code goes by SMS),
and a parameter that can no longer be used is scrubbed from the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from points.extensions import db
from points.members.messages import SIGN_IN_CODE
from points.notifications import services as notifications
from points.notifications.models import Notification, NotificationPreference
from points.spaces.messages import OFFERED

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_required_channel_is_kept_even_when_the_member_turned_it_off(make_member):
    member = make_member()
    for kind in (SIGN_IN_CODE, OFFERED):
        db.session.add(
            NotificationPreference(member_id=member.id, kind=kind.key, channel="sms", wanted=False)
        )
    db.session.flush()
    assert notifications.wanted_channels(member, SIGN_IN_CODE) == {"sms"}
    assert notifications.wanted_channels(member, OFFERED) == set()  # not required: off
    assert "sms" in SIGN_IN_CODE.default_channels()


def test_a_code_is_sent_at_once_at_night_and_kept_out_of_the_inbox(make_member):
    member = make_member()
    night = datetime(2026, 12, 7, 23, 30, tzinfo=SHANGHAI)
    sent = notifications.notify(member, SIGN_IN_CODE, now=night, code="123456", minutes=5)
    db.session.commit()
    assert sent.deliveries[0].due_at == night
    assert notifications.inbox(member) == []
    assert notifications.unread_count(member) == 0


def test_forgetting_a_parameter_scrubs_it_settles_and_skips_what_is_still_queued(make_member):
    member = make_member()
    now = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    old = notifications.notify(
        member, SIGN_IN_CODE, subject="c:1", now=now, code="111111", minutes=5
    )
    new = notifications.notify(
        member, SIGN_IN_CODE, subject="c:2", now=now + timedelta(minutes=4), code="222222",
        minutes=5,
    )
    old.deliveries[0].status = "sent"
    db.session.commit()
    cutoff = now + timedelta(minutes=1)
    assert notifications.forget_param(SIGN_IN_CODE, "code", created_before=cutoff) == 1
    db.session.commit()
    old, new = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert old.params == {"minutes": 5} and old.settled_at is not None
    assert old.deliveries[0].status == "sent"  # what went, went
    assert new.params["code"] == "222222" and new.settled_at is None
    assert notifications.forget_param(SIGN_IN_CODE, "code", subject="c:2") == 1
    db.session.commit()
    assert "code" not in new.params and new.deliveries[0].status == "skipped"
    assert notifications.forget_param(SIGN_IN_CODE, "code", subject="c:2") == 0  # once
