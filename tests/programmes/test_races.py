"""One member pressing "rate" many times at once leaves one rating: real threads and real
processes, every database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.members import services as members
from points.programmes import services as programmes
from points.programmes.models import Rating
from tests.concurrency import race, tally
from tests.programmes.conftest import after, attend


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_a_member_rating_a_session_at_once_from_many_places_rates_it_once(
    app, mode, programme, session_of, resident
):
    session = session_of(programme)
    attend(session, resident, actor=programme.host)
    session_id, member_id, when = session.id, resident.id, after(session)
    db.session.commit()

    def attempt(i):
        rating = programmes.rate_session(
            programmes.get_session(session_id),
            members.get_member(member_id),
            stars=1 + i % 5,
            now=when,
        )
        return rating.id

    outcomes = race(app, attempt, 8, mode)
    assert tally(outcomes) == {"ok": 1, "Conflict": 7}, outcomes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1
