"""Spending pages: browse and filter, redeem once from the page, the voucher's QR code,
cancel, 核销 at the counter by a typed code, and the merchant's statement with exports."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.marketplace.models import Benefit, Redemption
from points.members import services as members
from tests.conftest import csrf_token, load_benefits, sign_in

# ---------------------------------------------------------------------------- set-up


@pytest.fixture
def seeded(ctx, places, backend, db_url, tmp_path_factory):
    """The 346 seeded benefits; provider 1 is the barber 云溪老街理发店 (yunxi-barber)."""
    members.ensure_place("胜浦街道", "金苑社区", ["金苑一网格"])
    ledger.system_account("issuance")
    db.session.commit()
    load_benefits(backend, db_url, tmp_path_factory)


@pytest.fixture
def funded(make_member, seeded):
    """funded(points, **kw) → a volunteer holding `points`."""

    def make(points: int, **kw):
        kw.setdefault("level", "volunteer")
        member = make_member(**kw)
        ledger.transfer(
            kind="earn",
            source=ledger.system_account("issuance"),
            destination=ledger.member_wallet(member.id),
            amount=points,
        )
        db.session.commit()
        return member

    return make


@pytest.fixture
def staff_of(make_member, seeded):
    """staff_of(provider_id, phone) → a member who works the counter of that provider."""

    def make(provider_id: int, phone: str):
        staff = make_member(phone, name="张店长")
        members.grant_role(staff, "merchant_staff", merchant_id=provider_id)
        db.session.commit()
        return staff

    return make


def benefit_titled(title: str) -> Benefit:
    return db.session.scalar(sa.select(Benefit).filter_by(title_zh=title))


def available(member) -> int:
    return ledger.balance_of(ledger.member_wallet(member.id)).available


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client)})


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', page).group(1)


def voucher_for(member, title="老人免费理发一次") -> Redemption:
    voucher = market.redeem(member, benefit_id=benefit_titled(title).id)
    db.session.commit()
    return voucher


# ---------------------------------------------------------------------------- browsing


def test_visitors_browse_the_benefits_by_category(client, seeded):
    everything = client.get("/benefits")
    assert everything.status_code == 200
    assert "共 346 项权益" in everything.get_data(as_text=True)  # 20 a page

    page = client.get("/benefits?category=haircut").get_data(as_text=True)
    assert "老人免费理发一次" in page and "云溪老街理发店" in page
    assert "阳春面一碗" not in page  # a meal
    assert 'name="affordable"' not in page  # only members know what they can afford
    assert client.get("/benefits/1").status_code == 200
    assert client.get("/benefits/999999").status_code == 404


def test_i_can_afford_it_now_hides_what_costs_more_than_i_have(client, funded):
    member = funded(30)
    sign_in(client, member.phone)
    every = client.get("/benefits?category=haircut").get_data(as_text=True)
    assert "男士精剪一次" in every  # 40 points
    page = client.get("/benefits?category=haircut&affordable=1").get_data(as_text=True)
    assert "老人免费理发一次" in page and "传统修面刮胡一次" in page  # 30 and 10 points
    assert "男士精剪一次" not in page and "植物染发一次" not in page  # 40 and 120 points


def test_i_can_afford_it_now_hides_what_i_have_redeemed_up_to_its_limit(client, funded):
    member = funded(200)
    market.redeem(member, benefit_id=benefit_titled("儿童理发一次").id, quantity=3)  # 4 a month
    db.session.commit()
    sign_in(client, member.phone)
    path = "/benefits?category=haircut&affordable=1"
    assert "儿童理发一次" in client.get(path).get_data(as_text=True)  # one more this month
    market.redeem(member, benefit_id=benefit_titled("儿童理发一次").id)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "儿童理发一次" not in page and "老人免费理发一次" in page
    assert "儿童理发一次" in client.get("/benefits?category=haircut").get_data(as_text=True)


# ---------------------------------------------------------------------------- redeeming


def test_a_form_sent_twice_makes_one_voucher_which_can_be_cancelled(client, funded):
    member = funded(100, name="王阿姨")
    benefit_id = benefit_titled("儿童理发一次").id  # 20 points, 4 a month
    sign_in(client, member.phone)
    page = client.get(f"/benefits/{benefit_id}").get_data(as_text=True)
    form = {
        "csrf_token": hidden(page, "csrf_token"),
        "key": hidden(page, "key"),
        "quantity": "2",
    }
    first = client.post(f"/benefits/{benefit_id}/redeem", data=form)
    again = client.post(f"/benefits/{benefit_id}/redeem", data=form)
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1
    assert available(member) == 60

    voucher = db.session.scalar(sa.select(Redemption))
    shown = client.get(first.location).get_data(as_text=True)
    assert "<svg" in shown and "viewBox" in shown
    assert voucher.display_code in shown and "儿童理发一次" in shown
    assert voucher.display_code in client.get("/me/vouchers").get_data(as_text=True)

    done = client.post(
        f"/me/vouchers/{voucher.id}/cancel",
        data={"csrf_token": hidden(shown, "csrf_token")},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "<svg" not in done.get_data(as_text=True)
    assert available(member) == 100
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "cancelled"


def test_redeeming_without_enough_points_says_why_and_makes_nothing(client, funded):
    member = funded(10)
    benefit_id = benefit_titled("老人免费理发一次").id  # 30 points
    sign_in(client, member.phone)
    page = client.get(f"/benefits/{benefit_id}").get_data(as_text=True)
    answer = client.post(
        f"/benefits/{benefit_id}/redeem",
        data={"csrf_token": hidden(page, "csrf_token"), "key": hidden(page, "key")},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and 'class="flash error"' in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 0
    assert available(member) == 10


def test_another_members_voucher_is_not_found(client, funded):
    voucher = voucher_for(funded(100))
    sign_in(client, funded(100).phone)
    assert client.get(f"/me/vouchers/{voucher.id}").status_code == 404
    token = csrf_token(client, "/me/vouchers")
    assert (
        client.post(f"/me/vouchers/{voucher.id}/cancel", data={"csrf_token": token}).status_code
        == 404
    )


# ---------------------------------------------------------------------------- the counter


def test_staff_confirm_a_typed_code_once_and_only_at_their_own_counter(client, funded, staff_of):
    member = funded(100, name="王阿姨")
    voucher = voucher_for(member)
    code = voucher.code
    barber, noodles = staff_of(1, "13900000002"), staff_of(2, "13900000003")
    typed = f" {code[:3].lower()} {code[3:6]}-{code[6:].lower()} "

    sign_in(client, noodles.phone)
    elsewhere = client.post(
        "/merchant/confirm", data={"csrf_token": csrf_token(client, "/merchant"), "code": typed}
    )
    assert elsewhere.status_code == 404
    sign_out(client)

    sign_in(client, barber.phone)
    counter = client.get("/merchant").get_data(as_text=True)
    assert "autofocus" in counter
    done = client.post(
        "/merchant/confirm",
        data={"csrf_token": hidden(counter, "csrf_token"), "code": typed},
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and 'class="tick"' in page
    assert "老人免费理发一次" in page and "王**" in page and "王阿姨" not in page
    again = client.post(
        "/merchant/confirm", data={"csrf_token": hidden(page, "csrf_token"), "code": code}
    )
    assert again.status_code == 409
    assert 'class="flash error"' in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "confirmed"
    assert available(member) == 70


def test_the_counter_offers_camera_scanning_on_top_of_the_plain_form(client, funded, staff_of):
    member = funded(100, name="王阿姨")
    voucher = voucher_for(member)
    sign_in(client, staff_of(1, "13900000002").phone)
    page = client.get("/merchant").get_data(as_text=True)

    # The scanner: hidden until static/scan.js finds a browser that reads QR codes; its
    # buttons never send the form themselves; its messages come translated.
    assert re.search(r'<script src="/static/scan\.js\?v=[0-9a-f]{12}" defer></script>', page)
    scanner = re.search(r"<div class=\"scanner\" data-scanner hidden[^>]*>", page).group(0)
    assert f'data-code-alphabet="{market.CODE_ALPHABET}"' in scanner
    assert f'data-code-length="{market.CODE_LENGTH}"' in scanner
    assert 'data-not-voucher="这不是兑换券的二维码' in scanner
    assert 'data-denied="未获得摄像头权限' in scanner
    assert re.search(r'<button type="button"[^>]*data-scan-open>扫码</button>', page)
    assert re.search(r'<button type="button"[^>]*data-scan-close>关闭摄像头</button>', page)
    assert re.search(r'<video muted playsinline aria-label="摄像头画面">', page)
    assert re.search(r'<p class="scan-note" data-scan-note hidden>', page)
    script = client.get("/static/scan.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert "BarcodeDetector" in script.get_data(as_text=True)
    script.close()

    # Without JavaScript it is the same form as before: a code box and a submit button. What
    # a barcode scanner types (here with its start mark and Enter) is looked up as typed.
    form = re.search(r'<form method="post" action="/merchant/preview".*?</form>', page, re.S)
    assert 'name="code"' in form.group(0) and '<button type="submit"' in form.group(0)
    seen = client.post(
        "/merchant/preview",
        data={"csrf_token": hidden(page, "csrf_token"), "code": f"\x02{voucher.code.lower()}\r\n"},
    )
    assert seen.status_code == 200 and "确认核销" in seen.get_data(as_text=True)
    assert available(member) == 70  # held, as before: the preview used nothing
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "held"

    client.post("/language/en", data={"csrf_token": csrf_token(client, "/merchant"), "next": "/"})
    english = client.get("/merchant").get_data(as_text=True)
    assert "data-scan-open>Scan with camera</button>" in english
    assert 'data-looking="Point the camera at the QR code on the voucher."' in english


def test_the_counter_previews_confirms_and_undoes_within_the_window(app, client, funded, staff_of):
    member = funded(100, name="王阿姨")
    voucher = voucher_for(member)
    sign_in(client, staff_of(1, "13900000002").phone)
    counter = client.get("/merchant").get_data(as_text=True)

    # The preview: what the code is, nothing used yet, and one big 确认核销.
    seen = client.post(
        "/merchant/preview",
        data={"csrf_token": hidden(counter, "csrf_token"), "code": voucher.display_code},
    )
    page = seen.get_data(as_text=True)
    assert seen.status_code == 200
    assert "老人免费理发一次" in page and "×1" in page and "王**" in page and "王阿姨" not in page
    assert re.search(r"<dt>积分</dt><dd>30</dd>", page)
    assert re.search(r'<button type="submit" class="primary wide confirm-now">确认核销', page)
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "held" and available(member) == 70

    # 确认核销: a large tick and 撤销, with the window the configuration gives.
    done = client.post(
        "/merchant/confirm",
        data={"csrf_token": hidden(page, "csrf_token"), "code": hidden(page, "code")},
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert 'class="tick"' in page and "撤销" in page
    minutes = app.config["COUNTER_UNDO_MINUTES"]
    assert f"{minutes} 分钟内" in page
    app.config["COUNTER_UNDO_MINUTES"] = 7
    try:
        assert "7 分钟内" in client.get(done.request.path).get_data(as_text=True)
    finally:
        app.config["COUNTER_UNDO_MINUTES"] = minutes

    # 撤销: the voucher is usable again, the points held for it; the member is told.
    undone = client.post(
        f"/merchant/vouchers/{voucher.id}/undo",
        data={"csrf_token": hidden(page, "csrf_token")},
        follow_redirects=True,
    )
    assert undone.status_code == 200 and 'class="flash success"' in undone.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "held"
    b = ledger.balance_of(ledger.member_wallet(member.id))
    assert (b.balance, b.held) == (100, 30)
    sign_out(client)
    sign_in(client, member.phone)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "可以再次使用" in inbox


def test_undo_after_the_window_is_refused_and_says_so(app, client, funded, staff_of):
    member = funded(100, name="王阿姨")
    voucher = voucher_for(member)
    staff = staff_of(1, "13900000002")
    minutes = app.config["COUNTER_UNDO_MINUTES"]
    market.confirm(voucher.code, staff=staff, now=utcnow() - timedelta(minutes=minutes, seconds=5))
    db.session.commit()
    sign_in(client, staff.phone)
    page = client.get(f"/merchant/vouchers/{voucher.id}").get_data(as_text=True)
    assert 'class="tick"' in page and "已过" in page
    assert f"/merchant/vouchers/{voucher.id}/undo" not in page
    refused = client.post(
        f"/merchant/vouchers/{voucher.id}/undo",
        data={"csrf_token": csrf_token(client, "/merchant")},
        follow_redirects=True,
    )
    text = refused.get_data(as_text=True)
    assert 'class="flash error"' in text and f"{minutes} 分钟内" in text
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "confirmed"
    assert available(member) == 70


def test_another_merchants_staff_cannot_see_or_undo_a_confirmation(client, funded, staff_of):
    voucher = voucher_for(funded(100, name="王阿姨"))
    market.confirm(voucher.code, staff=staff_of(1, "13900000002"))
    db.session.commit()
    sign_in(client, staff_of(2, "13900000003").phone)
    assert client.get(f"/merchant/vouchers/{voucher.id}").status_code == 404
    answer = client.post(
        f"/merchant/vouchers/{voucher.id}/undo",
        data={"csrf_token": csrf_token(client, "/merchant")},
    )
    assert answer.status_code == 404
    db.session.expire_all()
    assert db.session.get(Redemption, voucher.id).status == "confirmed"


def test_the_statement_counts_the_confirmed_voucher_and_exports_it(client, funded, staff_of):
    voucher = voucher_for(funded(100, name="王阿姨"))
    staff = staff_of(1, "13900000002")
    market.confirm(voucher.code, staff=staff)
    db.session.commit()
    display = voucher.display_code
    sign_in(client, staff.phone)

    page = client.get("/merchant/statement").get_data(as_text=True)
    assert re.search(r'class="line-confirmed"><th>[^<]*</th><td>1</td><td>30</td>', page)
    assert display in page and "王**" in page

    csv = client.get("/merchant/statement.csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    assert ".csv" in csv.headers["Content-Disposition"]
    assert csv.data.startswith(b"\xef\xbb\xbf")
    text = csv.data.decode("utf-8-sig")
    assert display in text and "老人免费理发一次" in text and "王**" in text

    xlsx = client.get("/merchant/statement.xlsx")
    assert xlsx.status_code == 200 and ".xlsx" in xlsx.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == display and rows[1][1] == "老人免费理发一次"


def test_a_bad_month_falls_back_to_this_month(client, staff_of):
    sign_in(client, staff_of(1, "13900000002").phone)
    this_month = market.local_today().strftime("%Y-%m")
    answer = client.get("/merchant/statement?month=2026-13")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'class="flash error"' in page
    assert f'value="{this_month}"' in page
    export = client.get("/merchant/statement.csv?month=nonsense")
    assert export.status_code == 422, "a file cannot say the month was wrong, so it is refused"
    assert "<strong>month</strong>" in export.get_data(as_text=True)
    assert client.get(f"/merchant/statement.csv?month={this_month}").status_code == 200


def test_a_member_without_a_merchant_is_turned_away_from_the_counter(client, funded):
    sign_in(client, funded(100).phone)
    assert client.get("/merchant").status_code == 403
    assert client.get("/merchant/statement").status_code == 403
    token = csrf_token(client, "/benefits")
    assert (
        client.post("/merchant/confirm", data={"csrf_token": token, "code": "x"}).status_code == 403
    )


def test_guessing_codes_is_slowed_down_with_the_usual_error_page(app, client, staff_of):
    app.config["CONFIRM_WRONG_CODE_LIMIT"] = "2 per minute"
    sign_in(client, staff_of(1, "13900000002").phone)
    token = csrf_token(client, "/merchant")
    answers = [
        client.post("/merchant/confirm", data={"csrf_token": token, "code": "222-222-222"})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [404, 404, 429]
    assert 'class="nav"' in answers[-1].get_data(as_text=True)
