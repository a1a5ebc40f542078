"""Merchants never see the whole code of a voucher that can still be used: whoever stands
behind the counter could otherwise confirm it without its owner."""

from __future__ import annotations

from points.extensions import db
from points.marketplace import services as market
from tests.conftest import api_token, sign_in


def test_a_usable_voucher_is_masked_in_the_statement_page_csv_and_api(
    app, client, rich_member, make_benefit, barber_staff
):
    owner = rich_member(100, name="王阿姨")
    benefit = make_benefit(points=10)
    used = market.redeem(owner, benefit_id=benefit.id)
    waiting = market.redeem(owner, benefit_id=benefit.id)
    db.session.flush()
    market.confirm(used.code, staff=barber_staff)
    db.session.commit()
    used_code, waiting_code = used.display_code, waiting.display_code

    sign_in(client, barber_staff.phone)
    page = client.get("/merchant/statement").get_data(as_text=True)
    csv = client.get("/merchant/statement.csv").data.decode("utf-8-sig")
    headers = api_token(app.test_client(), barber_staff.phone)
    api = app.test_client().get("/api/v1/merchant/statement", headers=headers)
    lines = {v["id"]: v for v in api.get_json()["vouchers"]}
    for shown in (page, csv):
        assert used_code in shown  # confirmed: no longer usable, shown whole
        assert waiting_code not in shown and waiting_code[:3] + "-***-***" in shown
    assert lines[used.id]["display_code"] == used_code
    assert lines[waiting.id]["display_code"] == waiting_code[:3] + "-***-***"
    assert waiting.code not in api.get_data(as_text=True)
