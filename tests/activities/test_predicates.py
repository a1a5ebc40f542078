"""What an activity's page offers — a place, closing it — is what the services allow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points.activities import events
from points.database import utcnow
from points.errors import Conflict
from points.extensions import db


@pytest.fixture
def start():
    return utcnow().replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def activity(social_worker, catalogue, start):
    made = events.create_activity(
        social_worker,
        activity_type="elder-companionship",
        title="重阳节陪伴老人",
        place="云溪社区日间照料中心",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=3,
    )
    db.session.commit()
    return made


def test_a_place_is_offered_until_the_activity_ends(activity, volunteer, start):
    ends = activity.ends_at
    assert events.may_sign_up(activity, volunteer, ends - timedelta(seconds=1))
    assert not events.may_sign_up(activity, volunteer, ends)
    with pytest.raises(Conflict, match="has ended"):
        events.sign_up(activity, volunteer, now=ends)


def test_no_place_is_offered_in_another_community_or_below_the_level(
    activity, make_member, places, catalogue, start
):
    elsewhere = make_member(community=places[1], level="volunteer")
    resident = make_member(level="resident")
    assert not events.may_sign_up(activity, elsewhere, start)
    assert not events.may_sign_up(activity, resident, start)


def test_only_who_runs_it_may_close_it_and_only_after_the_end(activity, social_worker, volunteer):
    ends = activity.ends_at
    assert not events.may_close(activity, social_worker, ends - timedelta(seconds=1))
    assert events.may_close(activity, social_worker, ends)
    assert not events.may_close(activity, volunteer, ends)
    events.close_activity(activity, actor=social_worker, now=ends)
    assert not events.may_close(activity, social_worker, ends)
