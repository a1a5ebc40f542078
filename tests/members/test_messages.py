"""The members domain's errors carry keys: the API keeps its English sentence, pages say it
in the member's language with the parameters the sentence names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from points.database import utcnow
from points.errors import Conflict, InvalidInput
from points.members import quarterly, training
from points.members import services as members
from points.web.messages import translate_error


def test_a_member_already_in_that_community_is_told_so_not_that_the_status_is_unchanged(
    app, make_member, places
):
    admin = make_member(role="admin")
    member = make_member(community=places[0])
    with pytest.raises(Conflict) as caught:
        members.assign_community(member, community_id=places[0].id, actor=admin)
    assert caught.value.key == "members.already_there"
    assert caught.value.to_dict()["errors"] == {"community_id": ["the member is already there"]}
    with app.test_request_context():
        assert translate_error(caught.value) == "该成员已在这个社区。"


def test_a_quarter_not_yet_ended_names_the_day_it_can_be_rated_from(app, social_worker):
    with pytest.raises(InvalidInput) as caught:
        quarterly.run_draft(social_worker, "2026Q4", now=datetime(2026, 12, 1, tzinfo=UTC))
    assert caught.value.key == "members.quarter_not_ended"
    assert str(caught.value) == (
        "2026Q4 has not ended yet: it can be rated from 2027-01-01; until then look at the preview"
    )
    with app.test_request_context():
        page = translate_error(caught.value)
        assert page.startswith("2026Q4 尚未结束：") and "2027年1月1日" in page
        with force_locale("en"):
            assert "Jan 1, 2027" in translate_error(caught.value)


def test_unknown_phones_on_a_roster_are_listed_in_both_languages(
    app, make_member, social_worker, courses
):
    make_member("13812345678")
    session = training.schedule(
        social_worker,
        course_code="basic-etiquette",
        place="党群服务中心",
        starts_at=utcnow() - timedelta(days=1),
    )
    phones = ["13812345678", "13800000000", "13800000009"]
    with pytest.raises(InvalidInput) as caught:
        training.record_attendance(session, phones, actor=social_worker)
    assert caught.value.to_dict() == {
        "code": "invalid",
        "message": "not registered: 13800000000, 13800000009",
        "errors": {
            "phones[1]": ["not registered: 13800000000"],
            "phones[2]": ["not registered: 13800000009"],
        },
    }
    with app.test_request_context():
        assert translate_error(caught.value) == "以下号码尚未注册：13800000000、13800000009"
