"""Programme pages for each role, on a phone's width: residents find, sign up and rate;
hosts create, schedule and read ratings; social workers decide complaints."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.programmes import services as programmes
from points.programmes.models import Programme, Rating
from tests.conftest import csrf_token, sign_in
from tests.programmes.conftest import after, attend


def _phone_ready(page: str) -> None:
    """Made for a 360 px screen: the viewport follows the phone, no wide table, no inline
    style to override the stylesheet's phone layout."""
    assert 'name="viewport" content="width=device-width' in page
    assert "<table" not in page and "style=" not in page


def _get(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, path
    page = answer.get_data(as_text=True)
    _phone_ready(page)
    return page


def test_a_resident_finds_programmes_by_tier_with_fee_next_session_and_rating(
    client, programme, session_of, resident, host
):
    programmes.create_programme(host, name="苏大夜校", tier="free", capacity=30)
    db.session.commit()
    session_of(programme)
    sign_in(client, resident.phone)
    page = _get(client, "/programmes")
    assert "瑜伽课" in page and "¥40.00" in page and "苏大夜校" in page
    assert "剩余 3 个名额" in page and "评分还不够多" in page
    free_only = _get(client, "/programmes?tier=free")
    assert "苏大夜校" in free_only and "瑜伽课" not in free_only
    assert "请从列表中选择" in client.get("/programmes?tier=gold").get_data(as_text=True)


def test_a_resident_signs_up_for_a_session_and_for_the_term(
    client, programme, session_of, resident
):
    first, second = session_of(programme, days=1), session_of(programme, days=2)
    sign_in(client, resident.phone)
    page = _get(client, f"/programmes/{programme.id}")
    assert "报名这一场" in page and "报名整期" in page
    token = csrf_token(client, f"/programmes/{programme.id}")
    client.post(f"/programmes/sessions/{first.id}/signup", data={"csrf_token": token})
    assert programmes.is_signed_up(first, resident)
    db.session.commit()  # SQLite: the test's read lets go before the next request
    client.post(f"/programmes/{programme.id}/term", data={"csrf_token": token})
    assert programmes.in_term(programme, resident) and programmes.is_signed_up(second, resident)
    db.session.commit()
    assert "您已报名整期" in _get(client, f"/programmes/{programme.id}")


def test_a_host_starts_a_programme_and_a_bad_fee_is_named_on_the_form(client, host, room):
    sign_in(client, host.phone)
    form = {
        "csrf_token": csrf_token(client, "/programmes/new"),
        "name": "女性工坊",
        "description": "手工编织",
        "tier": "free",
        "fee_fen": "10",
        "capacity": "12",
        "space_id": str(room.id),
    }
    refused = client.post("/programmes/new", data=form)
    assert refused.status_code == 422
    assert "公益项目对居民免费" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 0
    db.session.commit()
    made = client.post("/programmes/new", data={**form, "tier": "low_fee"})
    assert made.status_code == 302
    programme = db.session.scalar(sa.select(Programme))
    assert (programme.fee_fen, programme.space_id) == (1000, room.id)


def test_a_host_holds_a_session_in_a_booking_from_the_schedule_page(client, programme, book):
    booking = book(programme.host, days=2)
    booking_id, programme_id, phone = booking.id, programme.id, programme.host.phone
    db.session.commit()
    sign_in(client, phone)
    page = _get(client, f"/programmes/{programme_id}/schedule")
    assert "在这个时段开展" in page
    client.post(
        f"/programmes/{programme_id}/schedule",
        data={"csrf_token": csrf_token(client, "/programmes"), "booking_id": str(booking_id)},
    )
    [session] = programmes.upcoming_sessions(programme)
    assert session.booking_id == booking.id


def test_a_resident_may_not_open_the_hosts_pages(client, programme, resident):
    sign_in(client, resident.phone)
    for path in (
        "/programmes/new",
        f"/programmes/{programme.id}/edit",
        f"/programmes/{programme.id}/ratings",
        "/staff/complaints",
    ):
        assert client.get(path).status_code == 403, path


def test_the_home_page_says_please_rate_once_a_session_is_over(
    client, programme, book, resident, monkeypatch
):
    from datetime import timedelta

    booking = book(programme.host, days=1)
    session = programmes.schedule_session(programme, booking_id=booking.id, actor=programme.host)
    db.session.commit()
    attend(session, resident, actor=programme.host)
    # Seen from the day after the session: home asks for the rating, the page takes it.
    later = after(session, 3)
    db.session.commit()
    monkeypatch.setattr(programmes, "utcnow", lambda: later)
    sign_in(client, resident.phone)
    home = _get(client, "/")
    assert "请为瑜伽课评分" in home
    token = csrf_token(client, f"/programmes/sessions/{session.id}/rate")
    sent = client.post(
        f"/programmes/sessions/{session.id}/rate",
        data={"csrf_token": token, "stars": "5", "comment": "很放松"},
    )
    assert sent.status_code == 302
    assert db.session.scalar(sa.select(Rating.stars)) == 5
    db.session.commit()
    assert "请为瑜伽课评分" not in _get(client, "/")
    again = client.post(
        f"/programmes/sessions/{session.id}/rate", data={"csrf_token": token, "stars": "1"}
    )
    assert again.status_code == 422 and "已经为这场活动评过分" in again.get_data(as_text=True)
    assert later - session.activity.ends_at == timedelta(hours=3)


@pytest.mark.parametrize("stars", ["", "9", "x"])
def test_a_rating_without_good_stars_is_refused_on_the_stars_field(
    client, programme, session_of, resident, monkeypatch, stars
):
    session = session_of(programme)
    attend(session, resident, actor=programme.host)
    when = after(session)
    db.session.commit()
    monkeypatch.setattr(programmes, "utcnow", lambda: when)
    sign_in(client, resident.phone)
    token = csrf_token(client, "/programmes")
    answer = client.post(
        f"/programmes/sessions/{session.id}/rate", data={"csrf_token": token, "stars": stars}
    )
    assert answer.status_code == 422
    assert re.search(r'class="error"[^>]*>请选择1到5星', answer.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


def test_the_host_reads_ratings_and_the_social_worker_decides_the_complaint(
    client, programme, session_of, resident, make_member, social_worker, monkeypatch
):
    session = session_of(programme)
    other = make_member()
    for member in (resident, other):
        attend(session, member, actor=programme.host)
    programmes.rate_session(session, other, stars=5, comment="很棒", now=after(session))
    programmes.rate_session(
        session, resident, stars=2, comment="迟到了", complaint=True, now=after(session)
    )
    when = after(session, 4)
    db.session.commit()
    monkeypatch.setattr(programmes, "utcnow", lambda: when)  # seen after the session
    sign_in(client, programme.host.phone)
    page = _get(client, f"/programmes/{programme.id}/ratings")
    assert "3.5" in page and "很棒" in page and "迟到了" in page and "50%" in page
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, social_worker.phone)
    queue = _get(client, "/staff/complaints")
    assert "迟到了" in queue and "瑜伽课" in queue
    assert "项目投诉" in _get(client, "/")
    rating_id = db.session.scalar(sa.select(Rating.id).where(Rating.complaint_status == "open"))
    db.session.commit()
    client.post(
        f"/staff/complaints/{rating_id}",
        data={
            "csrf_token": csrf_token(client, "/staff/complaints"),
            "decision": "uphold",
            "reason": "核实属实",
        },
    )
    db.session.expire_all()
    decided = db.session.get(Rating, rating_id)
    assert (decided.complaint_status, decided.decided_by) == ("upheld", social_worker.id)


def test_the_assessment_board_shows_the_hosts_participants_beside_the_colour(
    client, programme, social_worker
):
    from points.members import quarterly

    quarter = quarterly.current_quarter()
    db.session.commit()
    sign_in(client, social_worker.phone)
    page = _get(client, f"/staff/assessments?quarter={quarter}")
    assert "宋老师" in page and "项目参与居民：0 人" in page
