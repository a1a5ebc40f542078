"""A 市场 booking's market rent, recorded by the space's managers as the fund's income with its
反哺 share: on the booking's page and over the API, once, and again only after a reversal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points import clock
from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.fund import services as fund
from points.fund.models import IncomeEntry
from points.ledger import services as ledger
from points.spaces import rent
from points.spaces import services as spaces
from tests.conftest import api_token, csrf_token, sign_in


@pytest.fixture
def staff(make_member, places):
    """李社工 of the room's community, and a 20 % 市场 rate from today."""
    worker = make_member("13900000001", role="social_worker", name="李社工")
    admin = make_member("13900000006", role="admin", name="周站长")
    fund.set_rate(
        admin, places[0].id, basis="market", rate_bp=2000, starts_on=clock.today(), now=utcnow()
    )
    db.session.commit()
    return worker


@pytest.fixture
def market(make_host, room, at):
    """A confirmed 市场 booking of the room by 宋老师."""
    host = make_host(points=500, phone="13900000003", name="宋老师")
    booking = spaces.book(
        host, space_id=room.id, start=at(2, "10:00"), end=at(2, "12:00"), tier="market",
        title="瑜伽工作坊",
    )
    db.session.commit()
    return booking


def entries() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IncomeEntry))


def test_the_rent_is_the_funds_income_with_its_share_once(staff, market):
    entry = rent.record_rent(market, actor=staff, amount_fen=30_000, method="transfer")
    again = rent.record_rent(market, actor=staff, amount_fen=30_000, method="transfer")
    db.session.commit()
    assert again.id == entry.id and entries() == 1
    assert (entry.source, entry.tier, entry.booking_id) == ("market_rent", "market", market.id)
    assert (entry.collector_id, entry.payer_name, entry.share_fen) == (staff.id, "宋老师", 6000)
    # The office collected it: the share is in the fund at once.
    fund_account = fund.fund_account(market.space.community_id)
    assert ledger.balance_of(fund_account).balance == 6000
    with pytest.raises(Conflict) as refused:
        rent.record_rent(market, actor=staff, amount_fen=35_000, method="cash")
    assert refused.value.key == "spaces.rent_recorded_already"
    assert "¥300.00" in str(refused.value.message)
    db.session.rollback()
    assert entries() == 1 and not rent.rent_due(market)


def test_only_the_spaces_managers_record_it_for_a_confirmed_market_booking(
    staff, market, make_host, room, at
):
    with pytest.raises(Forbidden) as refused:
        rent.record_rent(market, actor=market.host, amount_fen=30_000, method="cash")
    assert refused.value.key == "spaces.rent_not_allowed"
    low = spaces.book(
        market.host, space_id=room.id, start=at(3, "10:00"), end=at(3, "11:00"), tier="low_fee",
        title="读书会",
    )
    with pytest.raises(Conflict) as refused:
        rent.record_rent(low, actor=staff, amount_fen=100, method="cash")
    assert refused.value.key == "spaces.rent_not_market"
    with pytest.raises(InvalidInput) as refused:
        rent.record_rent(market, actor=staff, amount_fen=0, method="cash")
    assert "amount_fen" in refused.value.errors
    spaces.cancel(market, host=market.host)
    with pytest.raises(Conflict) as refused:
        rent.record_rent(market, actor=staff, amount_fen=30_000, method="cash")
    assert refused.value.key == "spaces.rent_not_confirmed"
    db.session.rollback()
    assert entries() == 0


def test_the_booking_page_offers_the_form_then_shows_what_was_recorded(client, staff, market):
    sign_in(client, "13900000001")
    page = client.get(f"/bookings/{market.id}").get_data(as_text=True)
    assert f'action="/bookings/{market.id}/rent"' in page
    token = csrf_token(client, f"/bookings/{market.id}")
    form = {"csrf_token": token, "amount": "3百", "method": "transfer", "paid_on": "2026-11-20"}
    refused = client.post(f"/bookings/{market.id}/rent", data=form)
    assert refused.status_code == 422
    assert 'id="amount-error"' in refused.get_data(as_text=True) and entries() == 0
    form["amount"] = "300"
    form["paid_on"] = clock.today().isoformat()
    form["reference"] = "WX-77"
    assert client.post(f"/bookings/{market.id}/rent", data=form).status_code == 302
    page = client.get(f"/bookings/{market.id}").get_data(as_text=True)
    assert "¥300.00" in page and "李社工" in page and "¥60.00" in page
    assert f'action="/bookings/{market.id}/rent"' not in page  # not offered again
    again = client.post(f"/bookings/{market.id}/rent", data={**form, "amount": "350"})
    assert again.status_code == 422 and "租金已登记" in again.get_data(as_text=True)
    db.session.expire_all()
    assert entries() == 1

    # The booking's host sees it recorded, without the form.
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "13900000003")
    mine = client.get("/me/bookings").get_data(as_text=True)
    assert f'href="/bookings/{market.id}"' in mine
    page = client.get(f"/bookings/{market.id}").get_data(as_text=True)
    assert "¥300.00" in page and f'action="/bookings/{market.id}/rent"' not in page


def test_another_host_does_not_see_the_booking(client, staff, market, make_host):
    other = make_host(phone="13900000007", name="刘老师")
    sign_in(client, other.phone)
    assert client.get(f"/bookings/{market.id}").status_code == 404


def test_after_a_reversal_the_rent_can_be_recorded_again(staff, market):
    first = rent.record_rent(market, actor=staff, amount_fen=30_000, method="cash")
    fund.reverse_income(staff, first.id, reason="金额录错")
    db.session.commit()
    assert rent.rent_due(market) and rent.recorded_rent(market) is None
    second = rent.record_rent(market, actor=staff, amount_fen=25_000, method="cash")
    db.session.commit()
    assert second.id != first.id and rent.recorded_rent(market).id == second.id
    assert [e.id for e in rent.rent_entries(market)] == [first.id, second.id]


def test_the_api_records_and_lists_a_bookings_rent(client, staff, market):
    worker = api_token(client, "13900000001")
    url = f"/api/v1/bookings/{market.id}/rent"
    body = {"amount_fen": 30_000, "method": "transfer", "reference": "WX-1"}
    first = client.post(url, json=body, headers=worker)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["share_fen"] == 6000 and first.get_json()["booking_id"] == market.id
    assert client.post(url, json=body, headers=worker).get_json()["id"] == first.get_json()["id"]
    other = client.post(url, json={**body, "amount_fen": 1}, headers=worker)
    assert other.status_code == 409 and "booking" in other.get_json()["errors"]
    bad = client.post(url, json={**body, "amount_fen": "lots"}, headers=worker)
    assert bad.status_code == 422 and "amount_fen" in bad.get_json()["errors"]
    host = api_token(client, "13900000003")
    assert [e["id"] for e in client.get(url, headers=host).get_json()] == [first.get_json()["id"]]
    assert client.post(url, json=body, headers=host).status_code == 403
