"""The booking journey: asking whether a time is free and what it costs, waiting for every
week of a series, cancelling a whole series, and the pages that use them (a taken time
offers the waiting list, cancelling asks first, times without seconds, the week from today)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.errors import Conflict, NotFound
from points.extensions import db
from points.spaces import series, waitlist
from points.spaces import services as spaces
from points.spaces.models import Booking, SpaceWait
from tests.conftest import csrf_token
from tests.spaces.conftest import balances, post_booking_form


def _book(host, room, start, end, tier="low_fee", **kw):
    return spaces.book(
        host, space_id=room.id, start=start, end=end, tier=tier, title="青年夜校", **kw
    )


def test_a_time_is_free_until_a_booking_holds_part_of_it(room, make_host, at):
    host = make_host(points=100)
    assert spaces.is_free(room, at(3, "19:00"), at(3, "20:00"))
    _book(host, room, at(3, "19:30"), at(3, "20:00"))
    db.session.commit()
    assert not spaces.is_free(room, at(3, "19:00"), at(3, "20:00"))
    assert spaces.is_free(room, at(3, "18:00"), at(3, "19:30"))


def test_the_quote_is_what_booking_then_charges(room, make_host, at):
    host = make_host(points=100, minutes=30)
    quoted = spaces.quote(host, room, at(3, "19:00"), at(3, "21:00"))
    assert (quoted["low_fee"].minutes, quoted["low_fee"].points) == (30, 30)
    assert (quoted["market"].minutes, quoted["market"].points) == (30, 90)
    assert (quoted["free"].minutes, quoted["free"].points) == (0, 0)
    _book(host, room, at(3, "19:00"), at(3, "21:00"))
    db.session.commit()
    assert balances(host) == (70, 0)


def test_waiting_for_every_week_waits_on_the_taken_weeks_and_names_the_free_ones(
    room, make_host, at
):
    holder, host = make_host(points=500), make_host(points=100)
    _book(holder, room, at(3, "19:00"), at(3, "20:00"))
    _book(holder, room, at(17, "19:00"), at(17, "20:00"))
    db.session.commit()
    done = waitlist.wait_weekly(
        host,
        weeks=3,
        space_id=room.id,
        start=at(3, "19:00"),
        end=at(3, "20:00"),
        tier="low_fee",
        title="读书会",
    )
    db.session.commit()
    assert [w.start_at for w in done.waits] == [at(3, "19:00"), at(17, "19:00")]
    assert done.free == [at(10, "19:00").date()]
    again = waitlist.wait_weekly(
        host,
        weeks=3,
        space_id=room.id,
        start=at(3, "19:00"),
        end=at(3, "20:00"),
        tier="low_fee",
        title="读书会",
    )
    assert again.waits == [] and len(again.already) == 2
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpaceWait)) == 2


def test_waiting_for_a_series_that_is_all_free_is_refused(room, make_host, at):
    host = make_host(points=100)
    with pytest.raises(Conflict, match="free"):
        waitlist.wait_weekly(
            host,
            weeks=2,
            space_id=room.id,
            start=at(3, "19:00"),
            end=at(3, "20:00"),
            tier="low_fee",
            title="读书会",
        )


def test_cancelling_a_series_cancels_every_week_not_begun_and_refunds(room, make_host, at):
    host = make_host(points=500)
    done = series.book_weekly(
        host,
        weeks=3,
        space_id=room.id,
        start=at(3, "19:00"),
        end=at(3, "20:00"),
        tier="low_fee",
        title="读书会",
    )
    other = _book(host, room, at(4, "19:00"), at(4, "20:00"))
    db.session.commit()
    assert balances(host) == (420, 0)
    cancelled = series.cancel_series(done.bookings[1], host=host)
    db.session.commit()
    assert len(cancelled) == 3
    statuses = db.session.scalars(
        sa.select(Booking.status).where(Booking.series_id == done.series_id)
    ).all()
    assert statuses == ["cancelled"] * 3
    assert db.session.get(Booking, other.id).status == "confirmed"
    assert balances(host) == (480, 0)


def test_a_series_cancel_refused_for_another_host_changes_nothing(room, make_host, at):
    host, stranger = make_host(points=500), make_host()
    done = series.book_weekly(
        host,
        weeks=2,
        space_id=room.id,
        start=at(3, "19:00"),
        end=at(3, "20:00"),
        tier="low_fee",
        title="读书会",
    )
    db.session.commit()
    with pytest.raises(NotFound):
        series.cancel_series(done.bookings[0], host=stranger)
    db.session.rollback()
    assert {b.status for b in series.series(done.series_id, host)} == {"confirmed"}


# ---------------------------------------------------------------------------- pages


def test_a_taken_time_says_so_and_offers_the_waiting_list_not_booking(
    client, room, host_client, make_host, at
):
    holder = make_host(points=100)
    _book(holder, room, at(2, "19:00"), at(2, "20:00"))
    db.session.commit()
    host_client()
    page = client.get(f"/spaces/{room.id}/book?start={at(2, '19:00').isoformat()}")
    text = page.get_data(as_text=True)
    assert "19:00–20:00 已被预约" in text
    assert 'value="wait"' in text and 'value="wait_weekly"' in text
    assert 'value="book"' not in text
    free = client.get(f"/spaces/{room.id}/book?start={at(2, '17:00').isoformat()}")
    text = free.get_data(as_text=True)
    assert 'value="book"' in text and 'value="wait"' not in text


def test_waiting_for_every_week_from_the_booking_page(client, room, host_client, make_host, at):
    holder = make_host(points=500)
    _book(holder, room, at(2, "19:00"), at(2, "20:00"))
    _book(holder, room, at(9, "19:00"), at(9, "20:00"))
    db.session.commit()
    host = host_client()
    answer = post_booking_form(client, room, at, weeks="3", action="wait_weekly")
    page = answer.get_data(as_text=True)
    assert "2 周" in page
    assert f"{at(16, '19:00'):%m-%d}" in page  # the free week, to book instead
    starts = db.session.scalars(
        sa.select(SpaceWait.start_at).where(SpaceWait.member_id == host.id)
    ).all()
    assert sorted(starts) == [
        at(2, "19:00"),
        at(9, "19:00"),
    ]


def test_end_times_start_after_the_start_and_the_cost_is_shown(client, room, host_client, at):
    host_client(points=100, minutes=30)
    page = client.get(f"/spaces/{room.id}/book?start={at(2, '19:00').isoformat()}")
    text = page.get_data(as_text=True)
    end_select = text[text.index('name="end"') :]
    end_select = end_select[: end_select.index("</select>")]
    assert 'value="19:00"' not in end_select and 'value="18:30"' not in end_select
    assert 'value="19:30"' in end_select
    assert "30 分钟空间使用权 + 10 分" in text
    refused = post_booking_form(client, room, at, start="20:00", end="19:00").get_data(as_text=True)
    assert 'class="field has-error"' in refused
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_cancelling_asks_first_and_then_names_the_date(client, room, host_client, at):
    host = host_client(points=100)
    booking = _book(host, room, at(2, "19:00"), at(2, "20:00"))
    db.session.commit()
    listed = client.get("/me/bookings").get_data(as_text=True)
    assert f'href="/me/bookings/{booking.id}/cancel"' in listed
    asked = client.get(f"/me/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert db.session.get(Booking, booking.id).status == "confirmed"
    when = f"{at(2, '19:00').month}月{at(2, '19:00').day}日 19:00–20:00"
    assert when in asked
    assert 'name="scope" value="series"' not in asked
    done = client.post(
        f"/me/bookings/{booking.id}/cancel",
        data={"csrf_token": csrf_token(client, "/me/bookings"), "scope": "one"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"已取消 {when} 的预约" in done
    assert db.session.get(Booking, booking.id).status == "cancelled"
    assert balances(host) == (100, 0)


def test_a_whole_series_is_cancelled_from_a_booking_of_it(client, room, host_client, at):
    host = host_client(points=500)
    done = series.book_weekly(
        host,
        weeks=3,
        space_id=room.id,
        start=at(3, "19:00"),
        end=at(3, "20:00"),
        tier="low_fee",
        title="读书会",
    )
    db.session.commit()
    second = done.bookings[1]
    asked = client.get(f"/me/bookings/{second.id}/cancel").get_data(as_text=True)
    assert 'name="scope" value="series"' in asked and "3" in asked
    page = client.post(
        f"/me/bookings/{second.id}/cancel",
        data={"csrf_token": csrf_token(client, "/me/bookings"), "scope": "series"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "3" in page and f"{at(17, '19:00').day}日 19:00–20:00" in page
    assert {b.status for b in series.series(done.series_id, host)} == {"cancelled"}
    assert balances(host) == (500, 0)


def test_my_bookings_show_times_without_seconds(client, room, host_client, make_host, at):
    host = host_client(points=100)
    _book(host, room, at(2, "19:00"), at(2, "20:00"))
    holder = make_host(points=100)
    _book(holder, room, at(3, "10:00"), at(3, "11:00"))
    db.session.commit()
    post_booking_form(client, room, at, day=3, start="10:00", end="11:00", action="wait")
    page = client.get("/me/bookings").get_data(as_text=True)
    assert "19:00 – 20:00" in page and "10:00 – 11:00" in page
    assert not re.search(r"\d:\d\d:\d\d", page)


def test_the_week_page_starts_today_and_shows_seven_days(client, room, host_client, at):
    host_client()
    page = client.get(f"/spaces/{room.id}").get_data(as_text=True)
    headings = re.findall(r'<section class="card day">\s*<h2>([^<]+)</h2>', page)
    today, last, yesterday = at(0, "08:00"), at(6, "08:00"), at(-1, "08:00")
    assert len(headings) == 7
    assert headings[0].startswith(f"{today.month}月{today.day}日")
    assert headings[-1].startswith(f"{last.month}月{last.day}日")
    assert not any(h.startswith(f"{yesterday.month}月{yesterday.day}日") for h in headings)
    later = client.get(f"/spaces/{room.id}?week={at(7, '08:00').date()}").get_data(as_text=True)
    monday = at(7, "08:00") - timedelta(days=at(7, "08:00").weekday())
    first = re.findall(r'<section class="card day">\s*<h2>([^<]+)</h2>', later)[0]
    assert first.startswith(f"{monday.month}月{monday.day}日")  # a later week starts on Monday


def test_the_change_form_offers_only_ends_after_the_start(client, room, host_client, at):
    host = host_client(points=100)
    booking = _book(host, room, at(2, "19:00"), at(2, "20:00"))
    db.session.commit()
    text = client.get(f"/me/bookings/{booking.id}/change").get_data(as_text=True)
    end_select = text[text.index('name="end"') :]
    end_select = end_select[: end_select.index("</select>")]
    assert 'value="19:00"' not in end_select and '<option selected value="20:00">' in end_select


def test_in_english_the_taken_time_and_the_cancel_question_read_in_english(
    client, room, host_client, make_host, at
):
    host = host_client(points=100)
    mine = _book(host, room, at(2, "19:00"), at(2, "20:00"))
    db.session.commit()
    client.post("/language/en", data={"csrf_token": csrf_token(client), "next": "/"})
    taken = client.get(f"/spaces/{room.id}/book?start={at(2, '19:00').isoformat()}")
    assert "19:00–20:00 is taken." in taken.get_data(as_text=True)
    asked = client.get(f"/me/bookings/{mine.id}/cancel").get_data(as_text=True)
    assert f"Cancel the booking of {at(2, '19:00'):%b} {at(2, '19:00').day} 19:00–20:00?" in asked
