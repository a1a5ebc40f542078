"""The assessment's measured inputs on a small hand-worked set: two sessions held and one
not closed, three ratings (5, 4, 3) and one upheld complaint, two different attendees."""

from __future__ import annotations

from datetime import timedelta

from points.activities import events
from points.extensions import db
from points.members import services as members
from points.programmes import services as programmes
from tests.programmes.conftest import after, attend


def test_the_hosts_quarter_reads_sessions_ratings_complaints_and_participants(
    programme, session_of, make_member, social_worker, other_host
):
    a, b = make_member(), make_member()
    first, second, third = (session_of(programme, days=d) for d in (1, 2, 3))
    for member in (a, b):
        attend(first, member, actor=programme.host)
    attend(second, a, actor=programme.host)
    for session in (first, second):
        events.close_activity(session.activity, actor=programme.host, now=after(session))
    programmes.rate_session(first, a, stars=5, now=after(first))
    programmes.rate_session(first, b, stars=4, now=after(first))
    complaint = programmes.rate_session(
        second, a, stars=3, comment="场地太吵", complaint=True, now=after(second)
    )
    programmes.decide_complaint(complaint, actor=social_worker, decision="uphold", reason="属实")
    # Another host's session in the same days counts for them, not for this host.
    theirs = programmes.create_programme(other_host, name="书法", tier="free", capacity=5)
    db.session.commit()
    other = session_of(theirs, days=1, start="15:00")
    attend(other, a, actor=other_host)
    programmes.rate_session(other, a, stars=1, now=after(other))
    db.session.commit()

    start = first.activity.starts_at - timedelta(days=1)
    end = third.activity.ends_at + timedelta(days=1)
    host_id = programme.host_id
    assert members.measure("programmes_held", host_id, start, end) == 2  # the third is not held
    assert members.measure("rating", host_id, start, end) == 4.0
    assert members.measure("complaints", host_id, start, end) == 1
    assert members.measure("participants", host_id, start, end) == 2
    # Before the sessions: nothing held, no rating to average (not measured, not zero).
    assert members.measure("programmes_held", host_id, start - timedelta(days=9), start) == 0
    assert members.measure("rating", host_id, start - timedelta(days=9), start) is None
    summary = programmes.programme_summary(programme)
    assert (summary.count, summary.average, summary.good_share) == (3, 4.0, 0.667)
    assert [r.comment for r in summary.comments] == ["场地太吵"]
    assert programmes.public_averages([programme, theirs]) == {programme.id: (4.0, 3)}
