"""The home page: the landing page for visitors; for a member, first what asks for an answer
now (an offer to take), then the answer to their first question, by role — merchant staff:
the code box and today's confirmations; social workers: their queues with counts; hosts:
their bookings, free time in their spaces and their assessment colour; everyone else: points,
what they buy, the next level, recent movements. A staff home shows staff things only, with
a small link to their own points when they have some.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Blueprint, render_template
from flask_login import current_user

from points import clock
from points.activities import services as claims
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import applications, helpers, quarterly, training
from points.members import services as members
from points.members.models import Member
from points.notifications import render as notice
from points.notifications import services as notifications
from points.programmes import services as programmes
from points.spaces import services as spaces
from points.spaces import utilisation
from points.spaces.models import Booking, Space
from points.web import inbox
from points.web import wallet as wallet_lines
from points.web.market import ConfirmForm
from points.web.space_reports import compare_words, part_name, use_words

bp = Blueprint("home", __name__)

BENEFITS_SHOWN = 4
CONFIRMATIONS_SHOWN = 5
BOOKINGS_SHOWN = 5
SPACES_SHOWN = 2
DAYS_AHEAD = 7


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/index.html")
    member = current_user
    counter = _counter(member) if member.merchant_ids else None
    staff = _staff_work(member) if member.is_staff else None
    common = dict(
        answers=notifications.needs_answer(member),
        rate_due=programmes.due_ratings(member),
        notice=notice,
        notice_target=inbox.target,
        counter=counter,
        staff=staff,
        host=_host_week(member) if member.level == "host" else None,
        spendable=market.spendable(member),
        compare_words=compare_words,
        use_words=use_words,
        part_name=part_name,
        helping=helpers.helped_by(member),
    )
    if counter or staff:
        # Staff homes show staff things; their own points (when they have any) are a link.
        mine = common["spendable"] > 0 or bool(market.waiting_vouchers(member))
        return render_template("home/member.html", staff_home=True, own_points=mine, **common)
    return render_template(
        "home/member.html",
        staff_home=False,
        held=wallet_lines.held_lines(member),
        waiting=len(market.waiting_vouchers(member)),
        affordable=market.benefits(member, affordable=True, limit=BENEFITS_SHOWN),
        progress=members.progress_of(member),
        training=_training(member),
        recent=ledger.wallet_statement(member.id, limit=5).items,
        **common,
    )


# ---------------------------------------------------------------------------- training


@dataclass(frozen=True)
class Training:
    mine: list  # sessions the member holds a seat at
    offers: list  # upcoming sessions their next level needs


SESSIONS_SHOWN = 3


def _training(member: Member) -> Training:
    mine = training.my_signups(member)
    return Training(mine=mine, offers=training.sessions_needed(member)[:SESSIONS_SHOWN])


# ---------------------------------------------------------------------------- merchant staff


@dataclass(frozen=True)
class CounterToday:
    form: ConfirmForm
    confirmed: list  # today's confirmed vouchers, newest first
    masked: object  # how a member's name is shown at the counter
    undo_until: object  # until when a confirmation may be undone (撤销)
    now: datetime


def _counter(member: Member) -> CounterToday:
    ids = market.counter_providers(member)
    return CounterToday(
        form=ConfirmForm(),
        confirmed=market.confirmed_on(ids, clock.today()),
        masked=market.masked_name,
        undo_until=market.undo_until,
        now=clock.now(),
    )


# ---------------------------------------------------------------------------- social workers


@dataclass(frozen=True)
class StaffWork:
    claims: int
    applications: int
    skills: int
    bookings: int
    unassigned: int  # members without a community (the street admin's to assign)
    complaints: int = 0  # open complaints about programmes
    # This week against last week for the community's spaces (admin: every space).
    utilisation: utilisation.Report | None = None


def _staff_work(member: Member) -> StaffWork:
    return StaffWork(
        claims=claims.queue_count(member),
        applications=applications.queue_count(member, "submitted"),
        skills=members.skills_to_review_count(member),
        bookings=spaces.pending_count(member),
        unassigned=members.unassigned_count(member),
        complaints=programmes.open_complaints_count(member),
        utilisation=utilisation.report(member),
    )


# ---------------------------------------------------------------------------- hosts


@dataclass(frozen=True)
class FreeDay:
    day: date
    ranges: list[tuple[datetime, datetime]]


@dataclass(frozen=True)
class SpaceWeek:
    space: Space
    days: list[FreeDay]  # only the days with free time


@dataclass(frozen=True)
class HostWeek:
    upcoming: list[Booking]
    spaces: list[SpaceWeek]
    usual: bool  # the spaces are ones the host booked before (else: their community's)
    assessment: object | None


def _host_week(member: Member) -> HostWeek:
    now = clock.now()
    booked = spaces.bookings_of(member)
    upcoming = sorted(
        (b for b in booked if spaces.is_ahead(b, now, offers=False)), key=lambda b: b.start_at
    )
    usual = _usual_spaces(booked)
    rooms = usual or _bookable_spaces(member)
    bookable_from = spaces.earliest_start(now)
    today = clock.today(now)
    days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
    return HostWeek(
        upcoming=upcoming[:BOOKINGS_SHOWN],
        spaces=[_space_week(room, days, bookable_from) for room in rooms[:SPACES_SHOWN]],
        usual=bool(usual),
        assessment=quarterly.latest_for(member),
    )


def _usual_spaces(booked: list[Booking]) -> list[Space]:
    """The spaces a host booked before, the most booked first."""
    counts = Counter(b.space_id for b in booked)
    rooms = {b.space_id: b.space for b in booked}
    return [rooms[i] for i, _ in counts.most_common() if rooms[i].active]


def _bookable_spaces(member: Member) -> list[Space]:
    if member.community_id is None:
        return []
    return [s for s in spaces.spaces(member.community_id) if spaces.may_book(member, s)]


def _space_week(space: Space, days: list[date], after: datetime) -> SpaceWeek:
    found = []
    for day in days:
        ranges = free_ranges(spaces.availability(space, day), after)
        if ranges:
            found.append(FreeDay(day, ranges))
    return SpaceWeek(space, found)


def free_ranges(slots, after: datetime) -> list[tuple[datetime, datetime]]:
    """Free slots starting at or after `after`, joined into (start, end) runs."""
    runs: list[tuple[datetime, datetime]] = []
    for slot in slots:
        if not slot.free or slot.start < after:
            continue
        if runs and runs[-1][1] == slot.start:
            runs[-1] = (runs[-1][0], slot.end)
        else:
            runs.append((slot.start, slot.end))
    return runs
