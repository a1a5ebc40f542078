"""代办 pages at a phone's width: the helper's home lists whom she helps; acting pages carry
the banner and are refused outside the grant (withdrawal ends it at once); the resident's
statement and voucher say who did it; the counter acts for a resident there in person."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from points import clock
from points.extensions import db
from points.marketplace.models import Redemption
from points.members import helpers
from tests.conftest import csrf_token, sign_in
from tests.marketplace.conftest import available


def _client(app, phone):
    client = app.test_client()
    assert sign_in(client, phone).status_code == 302
    return client


def _redeem(client, wang, benefit):
    path = f"/helping/{wang.id}/benefits/{benefit.id}"
    page = client.get(path).get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([^"]+)"', page).group(1)
    return client.post(
        f"{path}/redeem",
        data={"quantity": "1", "key": key, "csrf_token": csrf_token(client, path)},
    )


def test_the_helper_redeems_and_the_residents_statement_says_so(
    app, wang, daughter, grant, make_benefit
):
    grant(scopes=["balance", "redeem"])
    benefit = make_benefit(points=30, title_zh="义剪一次")
    helper = _client(app, daughter.phone)
    home = helper.get("/").get_data(as_text=True)
    assert "我帮助的人" in home and f"/helping/{wang.id}" in home
    acting = helper.get(f"/helping/{wang.id}").get_data(as_text=True)
    assert "正在为 王阿姨 代办" in acting and "结束代办" in acting
    answer = _redeem(helper, wang, benefit)
    assert answer.status_code == 302
    voucher = db.session.scalars(sa.select(Redemption)).one()
    assert answer.location.endswith(f"/helping/{wang.id}/vouchers/{voucher.id}")
    shown = helper.get(answer.location).get_data(as_text=True)
    assert voucher.display_code in shown and "正在为 王阿姨 代办" in shown
    assert available(wang) == 70
    resident = _client(app, wang.phone)
    statement = resident.get("/me/statement").get_data(as_text=True)
    assert "由 王小红 代办" in statement
    assert "由 王小红 代办" in resident.get(f"/me/vouchers/{voucher.id}").get_data(as_text=True)
    # the helper sees the same lines on the resident's statement while acting
    theirs = helper.get(f"/helping/{wang.id}/statement").get_data(as_text=True)
    assert "由 王小红 代办" in theirs and "王阿姨" in theirs


def test_a_helper_outside_her_scope_is_refused(app, wang, daughter, grant, make_benefit):
    grant(scopes=["balance"])
    benefit = make_benefit(points=30)
    helper = _client(app, daughter.phone)
    assert helper.get(f"/helping/{wang.id}/benefits").status_code == 403
    refused = helper.post(
        f"/helping/{wang.id}/benefits/{benefit.id}/redeem",
        data={"quantity": "1", "csrf_token": csrf_token(helper, f"/helping/{wang.id}")},
    )
    assert refused.status_code == 403
    assert helper.get(f"/helping/{wang.id}/claims/new").status_code == 403
    assert available(wang) == 100


def test_a_withdrawal_ends_the_acting_at_once(app, wang, daughter, grant):
    made = grant(scopes=["balance"])
    helper = _client(app, daughter.phone)
    assert helper.get(f"/helping/{wang.id}/statement").status_code == 200
    helpers.withdraw_grant(made, actor=wang)
    db.session.commit()
    assert helper.get(f"/helping/{wang.id}/statement").status_code == 403
    assert helper.get(f"/helping/{wang.id}").status_code == 403
    assert "我帮助的人" not in helper.get("/").get_data(as_text=True)


def test_a_stranger_cannot_open_a_residents_pages(app, wang, make_member):
    stranger = make_member("13900000099")
    client = _client(app, stranger.phone)
    assert client.get(f"/helping/{wang.id}").status_code == 403


def test_the_resident_names_a_helper_and_an_unknown_number_is_marked(app, wang, daughter):
    resident = _client(app, wang.phone)
    form = {
        "helper_phone": "13912345678",
        "scopes": ["redeem"],
        "ends_on": (clock.today() + timedelta(days=30)).isoformat(),
        "csrf_token": csrf_token(resident, "/me/helpers"),
    }
    refused = resident.post("/me/helpers", data=form)
    assert refused.status_code == 422
    assert 'id="helper_phone-error"' in refused.get_data(as_text=True)
    assert helpers.helpers_of(wang) == []
    form["helper_phone"] = daughter.phone
    assert resident.post("/me/helpers", data=form).status_code == 302
    assert helpers.may_act_for(daughter, wang, "redeem")
    assert "王小红" in resident.get("/me/helpers").get_data(as_text=True)
    past = dict(form, ends_on=(clock.today() - timedelta(days=1)).isoformat())
    past["csrf_token"] = csrf_token(resident, "/me/helpers")
    answer = resident.post("/me/helpers", data=past)
    assert answer.status_code == 422 and 'id="ends_on-error"' in answer.get_data(as_text=True)


def test_the_counter_acts_for_a_resident_there_in_person(app, wang, social_worker, make_benefit):
    benefit = make_benefit(points=20)
    worker = _client(app, social_worker.phone)
    found = worker.get(f"/counter/helping?phone={wang.phone}")
    assert "王阿姨" in found.get_data(as_text=True)
    started = worker.post(
        "/counter/helping",
        data={
            "phone": wang.phone,
            "start": "1",
            "csrf_token": csrf_token(worker, "/counter/helping"),
        },
    )
    assert started.location.endswith(f"/helping/{wang.id}")
    assert "柜台" in worker.get(f"/helping/{wang.id}").get_data(as_text=True)
    assert _redeem(worker, wang, benefit).status_code == 302
    voucher = db.session.scalars(sa.select(Redemption)).one()
    assert (voucher.acted_by, voucher.helper_grant_id) == (social_worker.id, None)
    resident = _client(app, wang.phone)
    statement = resident.get("/me/statement").get_data(as_text=True)
    assert "由社工 李社工 柜台代办（本人到场）" in statement
    # 结束代办 ends the visit: the next page for her is refused
    worker.post("/helping/end", data={"csrf_token": csrf_token(worker, "/")})
    assert worker.get(f"/helping/{wang.id}").status_code == 403


def test_the_counter_records_a_witnessed_grant(app, wang, daughter, social_worker):
    worker = _client(app, social_worker.phone)
    path = f"/counter/helping/{wang.id}/grant"
    form = {
        "helper_phone": daughter.phone,
        "scopes": ["claim"],
        "ends_on": (clock.today() + timedelta(days=7)).isoformat(),
        "csrf_token": csrf_token(worker, f"/counter/helping?phone={wang.phone}"),
    }
    assert worker.post(path, data=form).status_code == 302
    (grant,) = helpers.helpers_of(wang)
    assert grant.witnessed and grant.granted_by == social_worker.id
    assert helpers.may_act_for(daughter, wang, "claim")
    form["helper_phone"] = wang.phone
    refused = worker.post(path, data=form)
    assert refused.status_code == 422
    assert 'id="helper_phone-error"' in refused.get_data(as_text=True)
