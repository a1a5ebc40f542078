"""A 低偿 / 市场 session's fee, recorded by the host at the door: income in the ledger with the
fund's 反哺 share (points.fund), once per participant and session."""

from __future__ import annotations

import pytest

from points import clock
from points.database import utcnow
from points.errors import Forbidden, InvalidInput
from points.extensions import db
from points.fund import services as fund
from points.ledger import services as ledger
from points.programmes import services as programmes
from tests.conftest import sign_in


@pytest.fixture
def market_rate(make_member, places):
    admin = make_member("13900000006", role="admin", name="周站长")
    fund.set_rate(
        admin, places[0].id, basis="market", rate_bp=2000, starts_on=clock.today(), now=utcnow()
    )
    db.session.commit()


def _balance(account) -> int:
    return ledger.balance_of(account).balance


def test_a_fee_is_the_hosts_income_with_the_funds_share_and_is_recorded_once(
    programme, session_of, resident, host, market_rate
):
    session = session_of(programme)  # 瑜伽课, 市场 ¥40
    programmes.sign_up_session(session, resident)
    db.session.commit()
    first = programmes.record_fee(session, resident.id, actor=host, method="cash")
    again = programmes.record_fee(session, resident.id, actor=host, method="cash")
    db.session.commit()
    assert again.id == first.id
    # ¥40 at 20 %: ¥8 owed to the fund, ¥32 kept by the host.
    assert (first.amount_fen, first.share_fen) == (4000, 800)
    community = programme.community_id
    assert _balance(fund.due_account(community, host.id)) == 800
    assert _balance(fund.collected_account(host.id)) == 3200
    assert programmes.fees_paid(session) == {resident.id: first}


def test_a_fee_is_refused_for_a_free_programme_a_stranger_or_another_host(
    host, other_host, resident, session_of, programme, market_rate, make_member
):
    free = programmes.create_programme(host, name="苏大夜校", tier="free", fee_fen=0, capacity=5)
    db.session.commit()
    free_session = session_of(free, start="14:00")
    programmes.sign_up_session(free_session, resident)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        programmes.record_fee(free_session, resident.id, actor=host, method="cash")
    assert "member_id" in refused.value.errors
    session = session_of(programme)
    stranger = make_member(name="路人")
    with pytest.raises(InvalidInput):
        programmes.record_fee(session, stranger.id, actor=host, method="cash")
    programmes.sign_up_session(session, resident)
    with pytest.raises(Forbidden):
        programmes.record_fee(session, resident.id, actor=other_host, method="cash")
    db.session.rollback()


def test_the_host_records_a_fee_at_the_door_on_the_fees_page(
    client, programme, session_of, resident, host, market_rate
):
    session = session_of(programme)
    programmes.sign_up_session(session, resident)
    db.session.commit()
    sign_in(client, host.phone, "demo1234")
    page = client.get(f"/programmes/sessions/{session.id}/fees").get_data(as_text=True)
    assert "陈小明" in page and "¥40.00" in page
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/programmes/sessions/{session.id}/fees")
    answer = client.post(
        f"/programmes/sessions/{session.id}/fees",
        data={
            "csrf_token": token,
            "member_id": resident.id,
            "method": "transfer",
            "reference": "WX123",
        },
    )
    assert answer.status_code == 302
    page = client.get(f"/programmes/sessions/{session.id}/fees").get_data(as_text=True)
    assert "WX123" in page
    assert len(programmes.fees_paid(session)) == 1


def test_the_public_fund_page_lists_the_programmes_with_their_average_once_rated_enough(
    client, programme, session_of, host, make_member, market_rate
):
    from tests.programmes.conftest import after, attend

    session = session_of(programme)
    page = client.get(f"/communities/{programme.community_id}/fund").get_data(as_text=True)
    assert "瑜伽课" in page and "¥40.00" in page and "/ 5" not in page  # no rating yet
    for n, stars in enumerate((5, 4, 3)):
        member = make_member(name=f"学员{n}")
        attend(session, member, actor=host)
        programmes.rate_session(session, member, stars=stars, now=after(session))
    db.session.commit()
    page = client.get(f"/communities/{programme.community_id}/fund").get_data(as_text=True)
    assert "4.0 / 5" in page  # (5 + 4 + 3) / 3, shown from three ratings on


def test_the_fund_api_and_downloads_list_the_programmes_ratings_as_the_page_does(
    client, programme, session_of, host, other_host, make_member
):
    import csv
    import io

    from openpyxl import load_workbook

    from tests.programmes.conftest import after, attend

    few = programmes.create_programme(other_host, name="书法", tier="free", capacity=5)
    session, theirs = session_of(programme), session_of(few, days=2)
    for n, stars in enumerate((5, 4, 4)):
        member = make_member(name=f"学员{n}")
        attend(session, member, actor=host)
        programmes.rate_session(session, member, stars=stars, now=after(session))
    lone = make_member(name="学员9")
    attend(theirs, lone, actor=other_host)
    programmes.rate_session(theirs, lone, stars=1, now=after(theirs))
    db.session.commit()
    cid = programme.community_id

    page = client.get(f"/communities/{cid}/fund").get_data(as_text=True)
    assert "4.3 / 5" in page  # (5 + 4 + 4) / 3
    listed = client.get(f"/api/v1/communities/{cid}/fund").get_json()["programmes"]
    assert [(p["name"], p["tier"], p["fee_fen"], p["ratings"], p["average"]) for p in listed] == [
        ("书法", "free", 0, 1, None),  # one rating: too few to show its average
        ("瑜伽课", "market", 4000, 3, 4.3),
    ]
    text = client.get(f"/communities/{cid}/fund.csv?table=programmes").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1:] == [["书法", "公益", "0.00", "1", ""], ["瑜伽课", "市场", "40.00", "3", "4.3"]]
    book = load_workbook(io.BytesIO(client.get(f"/communities/{cid}/fund.xlsx").data))
    sheet = list(book.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert [(name, ratings, average) for name, _tier, _fee, ratings, average in sheet] == [
        ("书法", 1, None),
        ("瑜伽课", 3, 4.3),
    ]


def test_a_fee_recorded_by_mistake_is_reversed_and_recorded_again(
    client, programme, session_of, resident, host, market_rate, social_worker
):
    session = session_of(programme)
    programmes.sign_up_session(session, resident)
    db.session.commit()
    wrong = programmes.record_fee(session, resident.id, actor=host, method="cash")
    db.session.commit()
    fund.reverse_income(social_worker, wrong.id, reason="记到了别的学员")
    db.session.commit()
    assert programmes.fees_paid(session) == {}, "a reversed fee is not paid"
    sign_in(client, host.phone, "demo1234")
    page = client.get(f"/programmes/sessions/{session.id}/fees").get_data(as_text=True)
    assert 'name="member_id"' in page, "the fee can be recorded again"

    right = programmes.record_fee(session, resident.id, actor=host, method="transfer")
    again = programmes.record_fee(session, resident.id, actor=host, method="transfer")
    db.session.commit()
    assert right.id != wrong.id and again.id == right.id
    assert programmes.fees_paid(session) == {resident.id: right}
    # The host's receivable holds the one live fee's share (¥8), not two.
    assert _balance(fund.due_account(programme.community_id, host.id)) == 800
