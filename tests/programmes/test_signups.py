"""Signing up for one session or the whole term: the activities' capacity, all or nothing."""

from __future__ import annotations

import pytest

from points.errors import Conflict
from points.extensions import db
from points.programmes import services as programmes


def test_a_session_has_the_programmes_capacity(programme, session_of, make_member):
    session = session_of(programme)
    people = [make_member() for _ in range(4)]
    for person in people[:3]:
        programmes.sign_up_session(session, person)
    db.session.commit()
    assert programmes.places_left(session) == 0
    with pytest.raises(Conflict):
        programmes.sign_up_session(session, people[3])
    db.session.rollback()
    programmes.leave_session(session, people[0])
    programmes.sign_up_session(session, people[3])
    db.session.commit()
    assert programmes.is_signed_up(session, people[3])
    assert not programmes.is_signed_up(session, people[0])


def test_the_term_takes_every_upcoming_session(programme, session_of, resident):
    first, second = session_of(programme, days=1), session_of(programme, days=2)
    signed = programmes.sign_up_term(programme, resident)
    db.session.commit()
    assert {s.id for s in signed} == {first.id, second.id}
    assert programmes.is_signed_up(first, resident) and programmes.is_signed_up(second, resident)
    assert programmes.in_term(programme, resident)


def test_the_term_is_all_or_nothing(programme, session_of, make_member, resident):
    first, second = session_of(programme, days=1), session_of(programme, days=2)
    for _ in range(3):
        programmes.sign_up_session(second, make_member())
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        programmes.sign_up_term(programme, resident)
    assert "term" in refused.value.errors
    db.session.rollback()
    assert not programmes.is_signed_up(first, resident)
    assert not programmes.in_term(programme, resident)
    assert programmes.places_left(first) == 3


def test_later_sessions_take_the_terms_members_while_places_last(
    programme, session_of, make_member
):
    session_of(programme, days=1)
    term = [make_member() for _ in range(4)]
    for person in term[:3]:
        programmes.sign_up_term(programme, person)
    db.session.commit()
    later = session_of(programme, days=3)
    assert programmes.places_left(later) == 0
    assert [programmes.is_signed_up(later, p) for p in term[:3]] == [True, True, True]


def test_leaving_the_term_frees_the_upcoming_places(programme, session_of, resident):
    first, second = session_of(programme, days=1), session_of(programme, days=2)
    programmes.sign_up_term(programme, resident)
    db.session.commit()
    assert programmes.leave_term(programme, resident) == 2
    db.session.commit()
    assert programmes.places_left(first) == programmes.places_left(second) == 3
    assert not programmes.in_term(programme, resident)
    later = session_of(programme, days=4)
    assert not programmes.is_signed_up(later, resident)
