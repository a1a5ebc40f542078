"""代办 for space: a helper holding `book` books a space for the resident (a host) — the
booking is hers, her minutes and points pay, it says who booked it and she is told; without
the scope it is refused and nothing changes. Over the pages and with On-Behalf-Of."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points.errors import Forbidden
from points.extensions import db
from points.ledger.models import Transfer
from points.members import messages as M
from points.notifications.models import Notification
from points.spaces import messages as SM
from points.spaces import services as spaces
from points.spaces.models import Booking
from tests.conftest import api_token, csrf_token, sign_in
from tests.marketplace.conftest import available
from tests.spaces.conftest import at, make_host, room  # noqa: F401


@pytest.fixture
def host_wang(wang):
    """王阿姨 runs a programme: a community host with her 100 points."""
    wang.level = "host"
    db.session.commit()
    return wang


def _told(member) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.member_id == member.id, Notification.kind == M.HELPER_ACTED.key
            )
        )
    )


def _book(resident, room, at, **kw):  # noqa: F811
    return spaces.book(
        resident,
        space_id=room.id,
        start=at(2, "19:00"),
        end=at(2, "20:00"),
        tier="low_fee",
        title="剪纸课",
        **kw,
    )


def test_the_helper_books_for_the_resident_from_her_points(
    host_wang, daughter, grant, room, at  # noqa: F811
):
    made = grant(scopes=["book"])
    booking = _book(host_wang, room, at, actor=daughter)
    db.session.commit()
    assert booking.host_id == host_wang.id and booking.status == "confirmed"
    assert (booking.acted_by, booking.helper_grant_id) == (daughter.id, made.id)
    assert booking.cost_points == 20
    assert available(host_wang) == 80
    assert available(daughter) == 0
    paid = db.session.get(Transfer, booking.points_transfer_id)
    assert paid.actor_id == daughter.id
    (told,) = _told(host_wang)
    assert "王小红" in told.params["actor"]["$l"]["zh"]
    what = told.params["what"]["$l"]["zh"]
    assert "活动室" in what and "20 积分" in what
    assert spaces.bookings_of(host_wang) == [booking]
    assert spaces.bookings_of(daughter) == []


def test_without_the_book_scope_the_helper_is_refused_and_nothing_changes(
    host_wang, daughter, grant, room, at  # noqa: F811
):
    grant(scopes=["balance", "redeem"])
    with pytest.raises(Forbidden) as refused:
        _book(host_wang, room, at, actor=daughter)
    assert refused.value.key == M.HELPER_NOT_GRANTED.key
    db.session.rollback()
    assert db.session.scalars(sa.select(Booking)).all() == []
    assert available(host_wang) == 100
    assert _told(host_wang) == []


def test_the_residents_own_level_decides_not_the_helpers(
    wang, make_member, room, at, ctx  # noqa: F811
):
    """A volunteer cannot book; her helper being a host does not make her one."""
    from datetime import timedelta

    from points import clock
    from points.members import helpers

    son = make_member("13900000012", name="王小军", level="host")
    helpers.grant_helper(
        wang,
        helper_phone=son.phone,
        scopes=["book"],
        ends_on=clock.today() + timedelta(days=5),
        granted_by=wang,
    )
    db.session.commit()
    with pytest.raises(Forbidden) as refused:
        _book(wang, room, at, actor=son)
    assert refused.value.key == SM.LEVEL_REQUIRED.key
    db.session.rollback()
    assert db.session.scalars(sa.select(Booking)).all() == []


def _client(app, phone):
    client = app.test_client()
    assert sign_in(client, phone).status_code == 302
    return client


def test_the_helper_books_on_the_acting_pages_and_the_resident_sees_who(
    app, host_wang, daughter, grant, room, at  # noqa: F811
):
    grant(scopes=["book"])
    helper = _client(app, daughter.phone)
    home = helper.get(f"/helping/{host_wang.id}").get_data(as_text=True)
    assert f"/helping/{host_wang.id}/spaces" in home
    listed = helper.get(f"/helping/{host_wang.id}/spaces").get_data(as_text=True)
    path = f"/helping/{host_wang.id}/spaces/{room.id}/book"
    assert path in listed and "活动室" in listed
    form = helper.get(path).get_data(as_text=True)
    assert "正在为 王阿姨 代办" in form and 'name="weeks"' not in form
    answer = helper.post(
        path,
        data={
            "csrf_token": csrf_token(helper, path),
            "day": at(2, "19:00").date().isoformat(),
            "start": "19:00",
            "end": "20:00",
            "tier": "low_fee",
            "title": "剪纸课",
            "expected_attendance": "8",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.location.endswith(f"/helping/{host_wang.id}/spaces")
    booking = db.session.scalars(sa.select(Booking)).one()
    assert (booking.host_id, booking.acted_by) == (host_wang.id, daughter.id)
    assert "剪纸课" in helper.get(answer.location).get_data(as_text=True)
    assert available(host_wang) == 80
    mine = _client(app, host_wang.phone).get("/me/bookings").get_data(as_text=True)
    assert "剪纸课" in mine and "由 王小红 代办" in mine


def test_a_taken_time_on_the_acting_page_is_refused_with_its_message(
    app, host_wang, daughter, grant, room, at, make_host  # noqa: F811
):
    grant(scopes=["book"])
    other = make_host(points=100)
    _book(other, room, at)
    db.session.commit()
    helper = _client(app, daughter.phone)
    path = f"/helping/{host_wang.id}/spaces/{room.id}/book"
    answer = helper.post(
        path,
        data={
            "csrf_token": csrf_token(helper, path),
            "day": at(2, "19:00").date().isoformat(),
            "start": "19:00",
            "end": "20:00",
            "tier": "low_fee",
            "title": "剪纸课",
        },
    )
    assert answer.status_code == 422
    assert "19:00–20:00 已被预约" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1
    assert available(host_wang) == 100


def test_without_the_book_scope_the_acting_space_pages_are_refused(
    app, host_wang, daughter, grant, room  # noqa: F811
):
    grant(scopes=["redeem"])
    helper = _client(app, daughter.phone)
    assert f"/helping/{host_wang.id}/spaces" not in helper.get(
        f"/helping/{host_wang.id}"
    ).get_data(as_text=True)
    assert helper.get(f"/helping/{host_wang.id}/spaces").status_code == 403
    assert helper.get(f"/helping/{host_wang.id}/spaces/{room.id}/book").status_code == 403


def test_the_helper_books_over_the_api_with_on_behalf_of(
    client, host_wang, daughter, grant, room, at  # noqa: F811
):
    body = {
        "space_id": room.id,
        "start": at(2, "19:00").isoformat(),
        "end": at(2, "20:00").isoformat(),
        "tier": "low_fee",
        "title": "剪纸课",
    }
    grant(scopes=["balance"])
    hers = {**api_token(client, daughter.phone), "On-Behalf-Of": str(host_wang.id)}
    refused = client.post("/api/v1/bookings", json=body, headers=hers)
    assert refused.status_code == 403, refused.get_json()
    assert "for book" in refused.get_json()["message"]
    grant(scopes=["book"])
    made = client.post("/api/v1/bookings", json=body, headers=hers)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["host_id"] == host_wang.id
    assert made.get_json()["on_behalf"] == {
        "id": daughter.id,
        "name": "王小红",
        "at_counter": False,
    }
    assert available(host_wang) == 80
