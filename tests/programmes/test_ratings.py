"""Ratings: only those checked in, only after the session, once; complaints go to the
social workers, and upheld ones count in the host's assessment."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.activities import events
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.notifications.models import Notification
from points.programmes import services as programmes
from points.programmes.models import Rating
from tests.programmes.conftest import after, attend


def _kinds(member) -> list[str]:
    return list(
        db.session.scalars(sa.select(Notification.kind).where(Notification.member_id == member.id))
    )


def test_an_attendee_rates_a_session_once_after_it_ended(programme, session_of, resident):
    session = session_of(programme)
    attend(session, resident, actor=programme.host)
    with pytest.raises(Conflict):  # not ended yet
        programmes.rate_session(session, resident, stars=5, now=session.activity.starts_at)
    rating = programmes.rate_session(
        session, resident, stars=4, comment="老师很耐心", now=after(session)
    )
    db.session.commit()
    assert (rating.stars, rating.comment, rating.complaint_status) == (4, "老师很耐心", None)
    with pytest.raises(Conflict):
        programmes.rate_session(session, resident, stars=1, now=after(session))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1


def test_who_signed_up_but_did_not_come_may_not_rate(programme, session_of, resident, make_member):
    session = session_of(programme)
    programmes.sign_up_session(session, resident)
    stranger = make_member()
    db.session.commit()
    for member in (resident, stranger):
        with pytest.raises(Forbidden):
            programmes.rate_session(session, member, stars=5, now=after(session))
        assert not programmes.may_rate(session, member, after(session))


@pytest.mark.parametrize("stars", [0, 6, "5", True, None, 4.5])
def test_stars_are_a_whole_number_from_1_to_5(programme, session_of, resident, stars):
    session = session_of(programme)
    attend(session, resident, actor=programme.host)
    with pytest.raises(InvalidInput) as refused:
        programmes.rate_session(session, resident, stars=stars, now=after(session))
    assert "stars" in refused.value.errors


def test_closing_a_session_asks_its_attendees_to_rate_it(programme, session_of, make_member):
    session = session_of(programme)
    came, stayed_home = make_member(), make_member()
    attend(session, came, actor=programme.host)
    programmes.sign_up_session(session, stayed_home)
    events.close_activity(session.activity, actor=programme.host, now=after(session))
    db.session.commit()
    assert _kinds(came) == ["programme.rate_session"]
    assert _kinds(stayed_home) == []
    assert programmes.due_ratings(came, after(session, 2)) == [session]
    programmes.rate_session(session, came, stars=5, now=after(session, 2))
    db.session.commit()
    assert programmes.due_ratings(came, after(session, 3)) == []


def test_a_complaint_reaches_the_social_worker_and_upheld_counts_against_the_host(
    programme, session_of, resident, social_worker
):
    session = session_of(programme)
    attend(session, resident, actor=programme.host)
    with pytest.raises(InvalidInput) as refused:  # a complaint says what went wrong
        programmes.rate_session(session, resident, stars=1, complaint=True, now=after(session))
    assert "comment" in refused.value.errors
    rating = programmes.rate_session(
        session, resident, stars=1, comment="迟到半小时", complaint=True, now=after(session)
    )
    db.session.commit()
    assert _kinds(social_worker) == ["programme.complaint"]
    assert programmes.complaints_for(social_worker) == [rating]
    start, end = session.activity.starts_at - timedelta(days=1), after(session, 48)
    assert programmes.upheld_complaints(programme.host_id, start, end) == 0
    with pytest.raises(Forbidden):  # the host does not judge complaints about themselves
        programmes.decide_complaint(
            rating, actor=programme.host, decision="dismiss", reason="不是我的错"
        )
    db.session.rollback()
    programmes.decide_complaint(
        rating, actor=social_worker, decision="uphold", reason="核实属实", now=after(session, 5)
    )
    db.session.commit()
    assert (rating.complaint_status, rating.decided_by) == ("upheld", social_worker.id)
    assert rating.decided_at is not None and rating.decision_reason == "核实属实"
    assert programmes.upheld_complaints(programme.host_id, start, end) == 1
    assert "programme.complaint_upheld" in _kinds(resident)
    with pytest.raises(Conflict):
        programmes.decide_complaint(rating, actor=social_worker, decision="dismiss", reason="再议")
