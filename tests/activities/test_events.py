"""Scheduled activities: sign-up, QR check-in (signed, time-limited), roster → awards."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from points.activities import events
from points.activities import services as claims
from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.members import services as members
from points.members.assessment import quarter_bounds, quarter_of
from tests.activities.conftest import points_of


@pytest.fixture
def start():
    """When the activity starts: a day after the test's own start (read then, not when the
    module is imported: a long run may reach these tests many minutes later)."""
    return utcnow().replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def activity(social_worker, catalogue, start):
    made = events.create_activity(
        social_worker,
        activity_type="elder-companionship",  # 8 points an hour, 16 a day
        title="重阳节陪伴老人",
        place="云溪社区日间照料中心",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=3,
    )
    db.session.commit()
    return made


def test_a_member_checks_in_by_scanning_a_fresh_code(activity, social_worker, volunteer, start):
    events.sign_up(activity, volunteer)
    token = events.check_in_token(activity, actor=social_worker, now=start - timedelta(minutes=5))
    signup = events.check_in(volunteer, token, now=start)
    assert signup.checked_in_at == start and signup.checked_in_by is None


def test_an_expired_code_is_refused(activity, social_worker, volunteer, start):
    token = events.check_in_token(activity, actor=social_worker, now=start)
    with pytest.raises(Conflict, match="expired"):
        events.check_in(volunteer, token, now=start + timedelta(minutes=6))


def test_a_forged_or_altered_code_is_refused(activity, social_worker, volunteer, start):
    token = events.check_in_token(activity, actor=social_worker, now=start)
    for forged in (
        token[:-2] + "xx",
        token.replace(token[5], "A" if token[5] != "A" else "B"),
        "",
        "a" * 400,
    ):
        with pytest.raises(InvalidInput) as error:
            events.check_in(volunteer, forged, now=start)
        assert "token" in error.value.errors
    # A code signed with another secret (someone's own server) is no better.
    from itsdangerous import URLSafeTimedSerializer

    other = URLSafeTimedSerializer("not-our-secret", salt=events.CHECK_IN_SALT)
    with pytest.raises(InvalidInput):
        events.check_in(volunteer, other.dumps({"a": activity.id}), now=start)


def test_check_in_is_closed_long_before_the_start(activity, social_worker, volunteer, start):
    early = start - timedelta(hours=2)
    token = events.check_in_token(activity, actor=social_worker, now=early)
    with pytest.raises(Conflict, match="check-in opens 30 minutes before"):
        events.check_in(volunteer, token, now=early)


def test_only_organisers_show_the_code(activity, volunteer):
    with pytest.raises(Forbidden):
        events.check_in_token(activity, actor=volunteer)


def test_a_walk_in_takes_a_free_place_but_not_a_full_activity(
    activity, social_worker, make_member, start
):
    people = [make_member(level="volunteer") for _ in range(4)]
    token = events.check_in_token(activity, actor=social_worker, now=start)
    for person in people[:3]:
        events.check_in(person, token, now=start)
    with pytest.raises(Conflict, match="all 3 places are taken"):
        events.check_in(people[3], token, now=start)


def test_closing_turns_the_roster_into_one_award_per_member(
    activity, social_worker, make_member, start
):
    here, ticked, absent = (make_member(level="volunteer") for _ in range(3))
    for person in (here, ticked, absent):
        events.sign_up(activity, person)
    token = events.check_in_token(activity, actor=social_worker, now=start)
    events.check_in(here, token, now=start)
    events.tick_off(activity, ticked.id, actor=social_worker, now=start + timedelta(minutes=10))
    db.session.commit()
    with pytest.raises(Conflict, match="not ended"):
        events.close_activity(activity, actor=social_worker, now=start + timedelta(hours=1))
    made, approved, refused = events.close_activity(
        activity, actor=social_worker, now=start + timedelta(hours=3)
    )
    db.session.commit()
    assert {c.member_id for c in made} == {here.id, ticked.id}
    assert [c.quantity for c in made] == [2.0, 2.0]
    assert len(approved) == 2 and not refused
    assert len({c.transfer_id for c in approved}) == 2
    assert (points_of(here), points_of(ticked), points_of(absent)) == (16, 16, 0)
    with pytest.raises(Conflict, match="already closed"):
        events.close_activity(activity, actor=social_worker, now=start + timedelta(hours=4))


def test_a_hosts_roster_waits_for_a_social_worker(
    make_member, catalogue, social_worker, volunteer, start
):
    host = make_member(level="host")
    activity = events.create_activity(
        host,
        activity_type="elder-companionship",
        title="周三读报会",
        place="阅览室",
        starts_at=start,
        ends_at=start + timedelta(hours=1, minutes=45),
        capacity=10,
    )
    events.tick_off(activity, volunteer.id, actor=host, now=start)
    made, approved, _ = events.close_activity(activity, actor=host, now=start + timedelta(hours=2))
    db.session.commit()
    assert [c.status for c in made] == ["submitted"] and approved == []
    assert made[0].quantity == 1.5  # rounded down to half hours
    assert [c.id for c in claims.queue(social_worker)] == [made[0].id]


def test_residents_and_volunteers_do_not_organise(volunteer, catalogue, start):
    with pytest.raises(Forbidden):
        events.create_activity(
            volunteer,
            activity_type="elder-companionship",
            title="x",
            place="y",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=5,
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        # A timedelta is counted from the start.
        ({"ends_at": -timedelta(hours=1)}, "ends_at"),
        ({"ends_at": timedelta(hours=13)}, "ends_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": "2030-01-01T09:00"}, "starts_at"),  # no offset
        ({"capacity": 0}, "capacity"),
        ({"capacity": "10"}, "capacity"),
        ({"title": " "}, "title"),
        ({"activity_type": "nope"}, "activity_type"),
    ],
)
def test_bad_activities_name_the_field(social_worker, catalogue, changes, field, start):
    values = {
        "activity_type": "elder-companionship",
        "title": "t",
        "place": "p",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "capacity": 5,
        **{k: start + v if isinstance(v, timedelta) else v for k, v in changes.items()},
    }
    with pytest.raises(InvalidInput) as error:
        events.create_activity(social_worker, **values)
    assert field in error.value.errors


def test_approved_hours_feed_the_ladder(submit, social_worker, volunteer):
    claims.approve_claim(submit(quantity=2), actor=social_worker)
    claims.approve_claim(submit("patrol-home-visit", quantity=3), actor=social_worker)
    db.session.commit()
    assert members.service_hours(volunteer, utcnow()) == 2.0
    hours = next(
        r for r in members.progress_of(volunteer).requirements if r.code == "service_hours"
    )
    assert hours.have == 2.0


def test_hours_count_in_the_local_period_that_holds_their_day(
    app, submit, social_worker, volunteer, today
):
    """Quarters run midnight to midnight on the community's calendar: work done on a
    period's first day is not also counted in the period before."""
    zone = ZoneInfo(app.config["COMMUNITY_TIMEZONE"])
    worked = today - timedelta(days=1)
    claims.approve_claim(submit(quantity=2, occurred_on=worked), actor=social_worker)
    db.session.commit()
    midnight = datetime.combine(worked, time(0), tzinfo=zone)
    assert claims.approved_hours(volunteer.id, midnight - timedelta(days=7), midnight) == 0
    assert claims.approved_hours(volunteer.id, midnight, midnight + timedelta(days=1)) == 2
    assert claims.approved_hours(volunteer.id, midnight, utcnow()) == 2
    assert quarter_bounds("2026Q4", zone)[0] == datetime(2026, 10, 1, tzinfo=zone)
    assert quarter_of(datetime(2026, 9, 30, 17, tzinfo=UTC), zone) == "2026Q4"
