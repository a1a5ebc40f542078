"""iCalendar feeds of bookings behind secret addresses (`/calendar/<token>.ics`).

A feed belongs to one space (its confirmed and pending bookings: what holds the room) or to
one member (their own bookings in any space, whatever became of them). Whoever has the
address can read the feed, so the address is the secret: 32 random bytes, made the first
time its owner asks for it and replaced on reset, after which the old address is not found.
Events carry the booking's title and the space's name, never a person's name or phone.

Events run from 30 days back into the future. In a space's feed a booking that no longer
holds the room (cancelled, rejected, lapsed, no-show) disappears; in a host's feed it stays,
marked STATUS:CANCELLED, so the host sees what became of it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from points.database import utcnow
from points.errors import Forbidden, NotFound
from points.extensions import db
from points.members.models import Member
from points.spaces import messages as M
from points.spaces.models import Booking, CalendarFeed, Space
from points.spaces.scope import managed_space, managed_spaces

PAST_DAYS = 30
MAX_EVENTS = 2000
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$", re.ASCII)
# What a space's feed shows: the bookings that hold the room.
SPACE_STATUSES = ("confirmed", "pending")
ICS_STATUS = {"confirmed": "CONFIRMED", "pending": "TENTATIVE", "offered": "TENTATIVE"}


def _token() -> str:
    return secrets.token_urlsafe(32)


def _feed(**owner) -> CalendarFeed:
    """The owner's feed, made on first request; a racing first request makes the same one."""
    found = db.session.scalar(sa.select(CalendarFeed).filter_by(**owner))
    if found is not None:
        return found
    feed = CalendarFeed(token=_token(), **owner)
    try:
        with db.session.begin_nested():
            db.session.add(feed)
            db.session.flush()
    except IntegrityError:
        found = db.session.scalar(sa.select(CalendarFeed).filter_by(**owner))
        if found is None:
            raise
        return found
    return feed


def _replace_token(feed: CalendarFeed) -> CalendarFeed:
    feed.token = _token()
    feed.created_at = utcnow()
    db.session.flush()
    return feed


# ---------------------------------------------------------------------------- owners


def has_host_feed(member: Member) -> bool:
    """Hosts and staff have a feed of their own bookings, and so does anyone who has booked
    (talents may book some rooms)."""
    if member.level == "host" or member.is_staff:
        return True
    booked = sa.select(Booking.id).filter_by(host_id=member.id).limit(1)
    return db.session.scalar(booked) is not None


def host_feed(member: Member) -> CalendarFeed:
    """The member's own feed, made the first time they ask for it."""
    if not has_host_feed(member):
        raise Forbidden(M.CALENDAR_HOSTS_ONLY)
    return _feed(member_id=member.id)


def reset_host_feed(member: Member) -> CalendarFeed:
    """A new secret address for the member's feed; the old one stops working."""
    return _replace_token(host_feed(member))


def space_feeds(actor: Member) -> list[tuple[Space, CalendarFeed]]:
    """The feeds of the spaces a member of staff looks after, made as they are asked for."""
    return [(space, _feed(space_id=space.id)) for space in managed_spaces(actor)]


def reset_space_feed(actor: Member, space_id) -> CalendarFeed:
    """A new secret address for a space's feed (staff of its community, or admins)."""
    return _replace_token(_feed(space_id=managed_space(actor, space_id).id))


def by_token(token) -> CalendarFeed:
    """The feed at a secret address; anything else is 'not found'."""
    if not isinstance(token, str) or not TOKEN.match(token):
        raise NotFound(M.NO_SUCH_CALENDAR, field="token")
    found = db.session.scalar(sa.select(CalendarFeed).filter_by(token=token))
    if found is None:
        raise NotFound(M.NO_SUCH_CALENDAR, field="token")
    return found


# ---------------------------------------------------------------------------- the feed


def owner(feed: CalendarFeed) -> Space | Member:
    """The space or the member a feed belongs to."""
    if feed.space_id is not None:
        return db.session.get(Space, feed.space_id)
    return db.session.get(Member, feed.member_id)


def bookings_in(feed: CalendarFeed, *, now: datetime) -> list[Booking]:
    """The bookings a feed shows: ending after 30 days ago, soonest first."""
    query = sa.select(Booking).where(Booking.end_at > now - timedelta(days=PAST_DAYS))
    if feed.space_id is not None:
        query = query.where(Booking.space_id == feed.space_id, Booking.status.in_(SPACE_STATUSES))
    else:
        query = query.where(Booking.host_id == feed.member_id)
    return list(db.session.scalars(query.order_by(Booking.start_at, Booking.id).limit(MAX_EVENTS)))


def render(
    feed: CalendarFeed,
    *,
    domain: str,
    name: str,
    locale: str = "zh",
    prefixes: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> bytes:
    """The feed as an RFC 5545 calendar. `domain` makes UIDs (booking-<id>@domain) unique;
    `name` is the calendar's title; `prefixes` maps a booking status to words put before
    its title (for calendar apps that ignore STATUS)."""
    now = now or utcnow()
    # Imported here: icalendar is needed by the feeds alone, not at every worker's start.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Community host points//Space bookings//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = now.astimezone(UTC)
    for booking in bookings_in(feed, now=now):
        event = Event()
        event.add("uid", f"booking-{booking.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.start_at.astimezone(UTC))
        event.add("dtend", booking.end_at.astimezone(UTC))
        event.add("summary", (prefixes or {}).get(booking.status, "") + booking.title)
        event.add("location", booking.space.name(locale))
        event.add("status", ICS_STATUS.get(booking.status, "CANCELLED"))
        event.add("sequence", booking.revision)
        calendar.add_component(event)
    return calendar.to_ical()
