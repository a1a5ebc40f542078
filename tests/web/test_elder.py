"""长辈版 (elder mode): a switch on every page, remembered per member and, before signing in,
by a cookie that signing in keeps; the page gets the `elder` class; lists show fewer items a
page; the home page leads with the few big things; the API shows and sets the choice. And the
English pages: stored memos, community names and tier names read in English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from points import clock, seeding
from points.activities import services as claims
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import services as members
from points.members.models import Member
from tests.conftest import csrf_token, load_catalogue, sign_in


def switch(client, on: bool, page: str = "/benefits?category=meal"):
    return client.post(
        "/elder",
        data={"on": "1" if on else "0", "next": page, "csrf_token": csrf_token(client, page)},
    )


def is_elder(html: str) -> bool:
    return bool(re.search(r'<html[^>]*class="elder"', html))


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def english(client) -> None:
    client.post("/language/en", data={"csrf_token": csrf_token(client)})


def fresh(member) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member.id)


def earn(member, points: int) -> None:
    ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance"),
        destination=ledger.member_wallet(member.id),
        amount=points,
    )


@pytest.fixture
def catalogue(ctx, places):
    """The seeded benefits of 胜浦街道."""
    members.ensure_place("胜浦街道", "金苑社区", ["金苑一网格"])
    ledger.system_account("issuance")
    seeding.load_benefits()
    db.session.commit()


def test_every_page_has_the_switch_and_a_visitor_is_remembered_by_a_cookie(client, places):
    page = client.get("/activities/types").get_data(as_text=True)
    assert 'action="/elder"' in page and "长辈版" in page and not is_elder(page)

    answer = switch(client, True, "/activities/types")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/activities/types")
    assert "elder=1" in answer.headers["Set-Cookie"]
    page = client.get("/activities/types").get_data(as_text=True)
    assert is_elder(page) and 'class="elder"' in page[page.index("<body") :]
    assert "标准版" in page, "the switch now offers the standard view back"

    switch(client, False, "/activities/types")
    assert not is_elder(client.get("/activities/types").get_data(as_text=True))


def test_the_switch_only_returns_to_a_page_of_this_site(client, places):
    token = csrf_token(client)
    answer = client.post("/elder", data={"on": "1", "next": "//evil.example/", "csrf_token": token})
    assert answer.headers["Location"] == "/"


def test_a_members_choice_is_kept_with_the_account_on_another_phone(app, make_member):
    member = make_member("13900000004", name="王阿姨")
    members.set_password(member, "demo1234-elder")
    db.session.commit()
    phone = app.test_client()
    sign_in(phone, member.phone, "demo1234-elder")
    switch(phone, True, "/")
    assert fresh(member).elder_mode is True

    other = app.test_client()  # another phone: no cookie, the account says 长辈版
    sign_in(other, member.phone, "demo1234-elder")
    assert is_elder(other.get("/").get_data(as_text=True))
    switch(other, False, "/me")
    assert fresh(member).elder_mode is False


def test_signing_in_keeps_the_choice_made_before(client, make_member):
    member = make_member("13900000005", name="陈小明")
    members.set_password(member, "demo1234-elder")
    db.session.commit()
    switch(client, True, "/login")
    sign_in(client, member.phone, "demo1234-elder")
    assert fresh(member).elder_mode is True
    assert is_elder(client.get("/").get_data(as_text=True))


def test_the_api_shows_and_sets_the_choice(client, make_member):
    member = make_member("13900000004", name="王阿姨")
    members.set_password(member, "demo1234-elder")
    db.session.commit()
    token = client.post(
        "/api/v1/auth/token", json={"phone": member.phone, "password": "demo1234-elder"}
    ).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).get_json()["elder_mode"] is False

    answer = client.patch("/api/v1/me", json={"elder_mode": True}, headers=auth)
    assert answer.status_code == 200 and answer.get_json()["elder_mode"] is True
    assert fresh(member).elder_mode is True

    for bad in ({"elder_mode": "yes"}, {"elder_mode": 1}, {}, {"elder_mode": True, "name": "x"}):
        answer = client.patch("/api/v1/me", json=bad, headers=auth)
        assert answer.status_code == 422, bad
        assert set(answer.get_json()["errors"]) & {"elder_mode", "name"}, answer.get_json()
    assert fresh(member).elder_mode is True, "a refused change changes nothing"


def test_lists_show_fewer_items_a_page_in_elder_mode(app, client, make_member, catalogue):
    member = make_member(level="volunteer")
    members.set_password(member, "demo1234-elder")
    earn(member, 400)
    for _ in range(7):
        earn(member, 1)
    db.session.commit()
    sign_in(client, member.phone, "demo1234-elder")
    size = app.config["ELDER_PAGE_SIZE"]

    usual = client.get("/benefits").get_data(as_text=True)
    statement = client.get("/me/statement").get_data(as_text=True)
    assert usual.count('class="card offer"') == 20
    assert statement.count('<tr class="moved">') == 8

    switch(client, True)
    elder = client.get("/benefits").get_data(as_text=True)
    assert elder.count('class="card offer"') == size
    assert 'rel="next"' in elder
    statement = client.get("/me/statement").get_data(as_text=True)
    assert statement.count('<tr class="moved">') == size
    assert "Older movements" in statement or "更早" in statement or "cursor=" in statement

    for _ in range(size + 1):
        market.redeem(member, benefit_id=market.benefits(member, affordable=True)[0].id)
    db.session.commit()
    vouchers = client.get("/me/vouchers").get_data(as_text=True)
    assert vouchers.count('<section class="card">') == size
    second = client.get("/me/vouchers?page=2").get_data(as_text=True)
    assert second.count('<section class="card">') == 1
    assert client.get("/me/vouchers?page=x").status_code == 200


def test_the_elder_home_leads_with_the_big_things_and_folds_the_rest(client, make_member):
    member = make_member("13900000004", name="王阿姨", level="volunteer")
    members.set_password(member, "demo1234-elder")
    earn(member, 42)
    db.session.commit()
    sign_in(client, member.phone, "demo1234-elder")
    switch(client, True, "/")
    html = client.get("/").get_data(as_text=True)
    main = html[html.index("<main") :]
    big = main[main.index('class="elder-home"') : main.index('<details class="more">')]
    text = words(big)
    assert "42 分可以用" in text, "plain words for the points she can use"
    for link in ("/me/statement", "/me/vouchers", "/activities", "/report", "/order"):
        assert f'href="{link}"' in big, link
    folded = main[main.index('<details class="more">') :]
    assert "申报积分" not in text and "我做了服务，申请积分" in words(folded)


def test_plain_words_are_used_on_the_voucher_in_elder_mode(client, make_member, catalogue):
    member = make_member(level="volunteer")
    members.set_password(member, "demo1234-elder")
    earn(member, 400)
    db.session.commit()
    voucher = market.redeem(member, benefit_id=market.benefits(member, affordable=True)[0].id)
    db.session.commit()
    sign_in(client, member.phone, "demo1234-elder")
    usual = words(client.get(f"/me/vouchers/{voucher.id}").get_data(as_text=True))
    assert "到店出示此页面" in usual and "取消这张兑换券" in usual
    switch(client, True, f"/me/vouchers/{voucher.id}")
    plain = words(client.get(f"/me/vouchers/{voucher.id}").get_data(as_text=True))
    assert "把这一页给店员看。" in plain and "不要了，把积分退给我" in plain


# ---------------------------------------------------------------------------- English


@pytest.fixture
def activity_types(ctx, backend, db_url, tmp_path_factory):
    load_catalogue(backend, db_url, tmp_path_factory)


def test_english_statement_reads_claims_and_vouchers_in_english(
    client, make_member, social_worker, catalogue, activity_types
):
    member = make_member(level="volunteer")
    members.set_password(member, "demo1234-elder")
    claim = claims.submit_claim(
        member,
        activity_type="elder-companionship",
        occurred_on=clock.today() - timedelta(days=1),
        quantity=1.5,
    )
    claims.approve_claim(claim, actor=social_worker)
    earn(member, 300)
    db.session.commit()
    voucher = market.redeem(member, benefit_id=market.benefits(member, affordable=True)[0].id)
    staff = make_member()
    members.grant_role(staff, "merchant_staff", merchant_id=voucher.provider_id)
    market.confirm(voucher.code, staff=staff)
    db.session.commit()
    sign_in(client, member.phone, "demo1234-elder")

    chinese = words(client.get("/me/statement").get_data(as_text=True))
    assert f"积分申报 #{claim.id}" in chinese, "Chinese pages show the ledger's memo"

    english(client)
    page = client.get("/me/statement").get_data(as_text=True)
    text = words(page[page.index("<main") :])
    assert f"Claim #{claim.id}: Elder care" in text or f"Claim #{claim.id}:" in text
    assert "1.5 hours" in text
    assert f"Redeemed: {voucher.benefit.title_en} ×1" in text
    assert "积分申报" not in text and "小时" not in text
    home = words(client.get("/").get_data(as_text=True))
    assert "积分申报" not in home


def test_english_pages_name_communities_and_tiers_in_english(client, make_member, courses):
    members.ensure_place("胜浦街道", "云溪社区", [], "Yunxi Community")
    member = make_member("13900000005", name="陈小明")
    members.set_password(member, "demo1234-elder")
    db.session.commit()
    sign_in(client, member.phone, "demo1234-elder")
    assert "云溪社区" in words(client.get("/me").get_data(as_text=True))
    english(client)
    profile = words(client.get("/me").get_data(as_text=True))
    assert "Yunxi Community" in profile and "云溪社区" not in profile
    register = client.get("/register")  # signed in: the list is still drawn or redirected
    assert register.status_code in (200, 302)
    from points.web.labels import SERVICE_TIER_NAMES, TIER_NAMES

    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["lang"] = "en"
        for name in [*TIER_NAMES.values(), *SERVICE_TIER_NAMES.values()]:
            assert not re.search(r"[\u4e00-\u9fff]", str(name)), name


def test_english_pages_say_what_a_verified_award_was_for(client, make_member, activity_types):
    from points.activities.models import Claim

    member = make_member(level="volunteer")
    members.set_password(member, "demo1234-elder")
    claim = claims.submit_claim(
        member, activity_type="elder-companionship", occurred_on=clock.today(), quantity=1
    )
    claim.source, claim.note = "ticket-report:12", "随手拍 #12"  # as the tickets domain writes it
    db.session.commit()
    sign_in(client, member.phone, "demo1234-elder")
    assert "随手拍 #12" in words(client.get("/me/claims").get_data(as_text=True))
    english(client)
    text = words(client.get("/me/claims").get_data(as_text=True))
    assert "Report (随手拍) #12" in text
    assert db.session.get(Claim, claim.id).note == "随手拍 #12", "the stored note is kept"
