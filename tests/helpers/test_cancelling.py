"""代办: a helper holding `redeem` gives the resident's unused voucher back for her, under the
same rules as when she cancels it herself; the voucher and the ledger say who, and she is
told. Without the scope, or for a voucher already used, it is refused and nothing changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points.errors import Conflict, Forbidden
from points.extensions import db
from points.ledger.models import Hold
from points.marketplace import messages as MM
from points.marketplace import services as market
from points.members import messages as M
from points.notifications.models import Notification
from tests.conftest import api_token, csrf_token, sign_in
from tests.marketplace.conftest import available, barber_staff  # noqa: F401


def _told(member) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.member_id == member.id, Notification.kind == M.HELPER_ACTED.key
            )
        )
    )


@pytest.fixture
def voucher(wang, make_benefit):
    """王阿姨's own unused voucher for 30 points."""
    made = market.redeem(wang, benefit_id=make_benefit(points=30, title_zh="义剪一次").id)
    db.session.commit()
    return made


def test_the_helper_cancels_the_residents_voucher_and_her_points_come_back(
    wang, daughter, grant, voucher
):
    grant(scopes=["redeem"])
    assert available(wang) == 70
    market.cancel(voucher, member=wang, actor=daughter)
    db.session.commit()
    assert voucher.status == "cancelled" and voucher.cancelled_by == daughter.id
    assert available(wang) == 100
    assert db.session.get(Hold, voucher.hold_id).status == "voided"
    (told,) = _told(wang)
    assert "取消了 义剪一次" in told.params["what"]["$l"]["zh"]


def test_without_the_redeem_scope_the_cancel_is_refused_and_nothing_changes(
    wang, daughter, grant, voucher
):
    grant(scopes=["balance", "book"])
    with pytest.raises(Forbidden) as refused:
        market.cancel(voucher, member=wang, actor=daughter)
    assert refused.value.key == M.HELPER_NOT_GRANTED.key
    db.session.rollback()
    assert db.session.get(type(voucher), voucher.id).status == "held"
    assert available(wang) == 70
    assert _told(wang) == []


def test_a_used_voucher_cannot_be_cancelled_for_her_either(
    wang, daughter, grant, voucher, barber_staff  # noqa: F811
):
    grant(scopes=["redeem"])
    market.confirm(voucher.code, staff=barber_staff)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        market.cancel(voucher, member=wang, actor=daughter)
    assert refused.value.key == MM.ALREADY_USED.key
    db.session.rollback()
    assert _told(wang) == []


def _client(app, phone):
    client = app.test_client()
    assert sign_in(client, phone).status_code == 302
    return client


def test_the_helper_cancels_on_the_voucher_page_and_the_resident_sees_who(
    app, wang, daughter, grant, voucher
):
    grant(scopes=["redeem"])
    helper = _client(app, daughter.phone)
    path = f"/helping/{wang.id}/vouchers/{voucher.id}"
    page = helper.get(path).get_data(as_text=True)
    assert page.count(f"{path}/cancel") == 1, "one cancel form, below the voucher"
    title = page[page.index("<title>") : page.index("</title>")]
    assert "<" not in title[len("<title>") :], "the tab's title is text"
    answer = helper.post(f"{path}/cancel", data={"csrf_token": csrf_token(helper, path)})
    assert answer.status_code == 302 and answer.location.endswith(path)
    shown = helper.get(path).get_data(as_text=True)
    assert "已为 王阿姨 取消" in shown
    assert f"{path}/cancel" not in shown
    assert available(wang) == 100
    hers = _client(app, wang.phone).get(f"/me/vouchers/{voucher.id}").get_data(as_text=True)
    assert "王小红 为你取消" in hers


def test_the_helper_cancels_over_the_api_with_on_behalf_of(
    client, wang, daughter, grant, voucher
):
    grant(scopes=["balance"])
    hers = {**api_token(client, daughter.phone), "On-Behalf-Of": str(wang.id)}
    path = f"/api/v1/redemptions/{voucher.id}/cancel"
    refused = client.post(path, headers=hers)
    assert refused.status_code == 403, refused.get_json()
    assert available(wang) == 70
    grant(scopes=["redeem"])
    done = client.post(path, headers=hers)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "cancelled"
    assert done.get_json()["cancelled_by"] == {"id": daughter.id, "name": "王小红"}
    assert available(wang) == 100
