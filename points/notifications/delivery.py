"""Sending queued deliveries: the worker's half of the outbox.

Placeholder: replaced by the delivery branch at merge.
"""

from __future__ import annotations

from datetime import datetime

from points.extensions import db
from points.notifications.models import Delivery


def deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """Send up to `limit` queued deliveries whose time has come, committing its own
    transactions; returns how many it finished. (Placeholder: sends nothing.)"""
    return 0


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery if its time has come; returns its status. (Placeholder: sends
    nothing, returns the status it has.)"""
    found = db.session.get(Delivery, delivery_id)
    return found.status if found is not None else "queued"
