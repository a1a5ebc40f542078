"""A voucher on a phone: the QR code and the code (one line) first, then the shop with its
address and opening hours, cancelling last behind a second button; the small status answer
the page's script asks for (its owner's only); home says how many vouchers wait."""

from __future__ import annotations

import re

import pytest

from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import services as members
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def barber(ctx, places):
    shop = market.ensure_provider(
        code="yunxi-barber",
        kind="merchant",
        name_zh="云溪老街理发店",
        name_en="Yunxi Old Street Barber",
        community=places[0].name,
        address_zh="胜浦路 128 号",
        hours_zh="周二至周日 9:00–19:00，周一休息",
        hours_en="Tue–Sun 9:00–19:00, closed on Mondays",
    )
    market.ensure_benefit(
        provider=shop.code,
        category="haircut",
        title_zh="老人免费理发一次",
        title_en="A free haircut for an elder",
        points=30,
        min_level="resident",
    )
    db.session.commit()
    return shop


@pytest.fixture
def wang(make_member, barber):
    """王阿姨 with 100 points and one voucher at the barber's."""
    member = make_member("13900000004", name="王阿姨", level="volunteer")
    ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance"),
        destination=ledger.member_wallet(member.id),
        amount=100,
    )
    db.session.commit()
    return member


def redeem(member):
    voucher = market.redeem(member, benefit_id=market.benefits()[0].id)
    db.session.commit()
    return voucher


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_qr_and_the_code_come_first_then_the_shop_then_cancelling(client, wang):
    voucher = redeem(wang)
    sign_in(client, wang.phone)
    html = client.get(f"/me/vouchers/{voucher.id}").get_data(as_text=True)
    main = html[html.index("<main") :]
    qr, code = main.index("<svg"), main.index(voucher.display_code)
    shop, cancel = main.index("云溪老街理发店"), main.index('<details class="cancel-voucher"')
    assert qr < code < shop < cancel, "QR, code, shop, and cancelling last"
    assert re.search(rf'<p class="voucher-code big"[^>]*>{voucher.display_code}</p>', main)
    text = words(main)
    assert "地址 胜浦路 128 号" in text
    assert "营业时间 周二至周日 9:00–19:00，周一休息" in text
    # Cancelling is folded away: its button sits inside the <details>, after its question.
    fold = main[cancel : main.index("</details>", cancel)]
    assert "<summary>取消这张兑换券</summary>" in fold
    assert "确定取消吗？取消后这张券不能再用，30 分会退回给您。" in words(fold)
    assert re.search(r'<button type="submit">确定取消这张兑换券</button>', fold)
    assert main.count('<button type="submit"') == 1, "no other button near the code"
    assert re.search(r'<script src="/static/voucher\.js\?v=[0-9a-f]{12}" defer></script>', html)


def test_cancelling_from_the_confirmation_gives_the_points_back(client, wang):
    voucher = redeem(wang)
    sign_in(client, wang.phone)
    page = f"/me/vouchers/{voucher.id}"
    done = client.post(
        f"{page}/cancel", data={"csrf_token": csrf_token(client, page)}, follow_redirects=True
    )
    html = done.get_data(as_text=True)
    assert "兑换券已取消" in html and "<svg" not in html and "cancel-voucher" not in html
    assert market.spendable(wang) == 100


def test_the_english_voucher_names_the_shop_and_its_hours_in_english(client, wang):
    voucher = redeem(wang)
    sign_in(client, wang.phone)
    client.post("/language/en", data={"csrf_token": csrf_token(client), "next": "/"})
    text = words(client.get(f"/me/vouchers/{voucher.id}").get_data(as_text=True))
    assert "Yunxi Old Street Barber" in text and "Tue–Sun 9:00–19:00, closed on Mondays" in text
    assert "Opening hours" in text and "Cancel this voucher" in text


def test_the_status_answer_says_used_once_the_shop_confirms(client, make_member, wang, barber):
    voucher = redeem(wang)
    sign_in(client, wang.phone)
    path = f"/me/vouchers/{voucher.id}/status"
    before = client.get(path)
    assert before.status_code == 200 and before.headers["Cache-Control"] == "no-store"
    assert before.get_json() == {"id": voucher.id, "status": "held", "label": "未使用"}

    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=barber.id)
    market.confirm(voucher.code, staff=staff)
    db.session.commit()
    after = client.get(path).get_json()
    # The shop may still undo it for five minutes: the page is told how long to keep asking.
    assert 290 <= after.pop("undo_seconds") <= 300
    assert after == {"id": voucher.id, "status": "confirmed", "label": "已核销"}
    # Without the script, a refresh shows it too.
    html = client.get(f"/me/vouchers/{voucher.id}").get_data(as_text=True)
    assert "已核销" in words(html) and "<svg" not in html


def test_only_the_vouchers_owner_hears_its_status(app, client, make_member, wang):
    voucher = redeem(wang)
    path = f"/me/vouchers/{voucher.id}/status"
    nobody = client.get(path)
    assert nobody.status_code == 401 and "code" not in nobody.get_json()
    other = make_member(name="李大爷")
    someone = app.test_client()
    sign_in(someone, other.phone)
    answer = someone.get(path)
    assert answer.status_code == 404 and answer.get_json() == {"status": "not_found"}
    assert voucher.code not in answer.get_data(as_text=True)


def test_home_says_how_many_vouchers_wait_and_links_to_them(client, wang):
    redeem(wang)
    redeem(wang)
    sign_in(client, wang.phone)
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<a class="button" href="/me/vouchers">2 张券待使用</a>', html)


def test_the_status_answer_says_usable_again_after_the_shop_undoes(
    app, client, make_member, wang, barber
):
    voucher = redeem(wang)
    sign_in(client, wang.phone)
    path = f"/me/vouchers/{voucher.id}/status"
    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=barber.id)
    market.confirm(voucher.code, staff=staff)
    db.session.commit()
    assert client.get(path).get_json()["status"] == "confirmed"

    market.undo_confirmation(voucher, staff=staff)
    db.session.commit()
    again = client.get(path).get_json()
    assert again == {"id": voucher.id, "status": "held", "label": "未使用"}
    assert "<svg" in client.get(f"/me/vouchers/{voucher.id}").get_data(as_text=True)


def test_once_the_undo_window_is_over_the_status_answer_stops_asking_for_more(
    app, client, make_member, wang, barber
):
    app.config["COUNTER_UNDO_MINUTES"] = 0
    voucher = redeem(wang)
    sign_in(client, wang.phone)
    staff = make_member("13900000002", name="张店长")
    members.grant_role(staff, "merchant_staff", merchant_id=barber.id)
    market.confirm(voucher.code, staff=staff)
    db.session.commit()
    answer = client.get(f"/me/vouchers/{voucher.id}/status").get_json()
    assert answer == {"id": voucher.id, "status": "confirmed", "label": "已核销"}
