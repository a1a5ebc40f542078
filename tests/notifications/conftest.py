"""Notifications' fixtures: the SMS provider's local stand-in, an offer to tell a member."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.notifications import render
from points.notifications import services as notifications
from points.notifications.models import Delivery, DeliveryAttempt
from points.spaces.messages import OFFERED
from tests.notifications.sms_standin import SmsStandIn

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in the community: outside quiet hours (21:00–08:00).
MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def standin():
    with SmsStandIn() as server:
        yield server


@pytest.fixture
def sms_on(app, standin):
    """The app sends SMS through the stand-in."""
    app.config.update(standin.app_config())
    return standin


def offer(member, now=MORNING, **over):
    """A waitlist offer (the real kind) for `member`, committed; its notification."""
    params = dict(
        space=render.names("活动室", "Activity room"),
        start=now + timedelta(days=2),
        end=now + timedelta(days=2, hours=1),
        # Far enough that a retry the next morning is still worth sending.
        deadline=now + timedelta(days=1, hours=12),
    )
    params.update(over)
    notification = notifications.notify(member, OFFERED, subject="booking:1", now=now, **params)
    db.session.commit()
    return notification


def only_delivery(channel: str = "sms") -> Delivery:
    db.session.expire_all()
    return db.session.scalars(sa.select(Delivery).where(Delivery.channel == channel)).one()


def attempts_of(delivery: Delivery) -> list[DeliveryAttempt]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == delivery.id)
            .order_by(DeliveryAttempt.id)
        )
    )
