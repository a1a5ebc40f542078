"""Identity and privacy: one account per number whatever digits were typed, no NUL or
control characters in free text, filters that say when a value is unknown, masked phone
numbers in staff lists, public notices."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from points.extensions import db
from points.members.models import Member, PhoneView
from tests.conftest import api_token, csrf_token, sign_in

FULL_WIDTH = "１３８１２３４５６７８"  # 13812345678 in full-width digits
ARABIC_INDIC = "١٣٨١٢٣٤٥٦٧٨"  # the same number in Arabic-Indic digits


def _register(client, phone, name="王阿姨", password="secret-99"):
    return client.post(
        "/api/v1/auth/register", json={"phone": phone, "password": password, "name": name}
    )


def test_full_width_digits_are_folded_so_one_number_is_one_account(client, ctx):
    answer = _register(client, FULL_WIDTH)
    assert answer.status_code == 201 and answer.get_json()["phone"] == "13812345678"
    again = _register(client, "13812345678", name="李")
    assert again.status_code == 422 and "already" in again.get_json()["errors"]["phone"][0]
    signed = client.post("/api/v1/auth/token", json={"phone": FULL_WIDTH, "password": "secret-99"})
    assert signed.status_code == 200


def test_digits_of_other_scripts_are_refused(client, ctx):
    answer = _register(client, ARABIC_INDIC)
    assert answer.status_code == 422 and "11-digit" in answer.get_json()["errors"]["phone"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0


def test_staff_find_a_member_by_full_width_digits(client, make_member, social_worker):
    make_member("13812345678", name="王阿姨")
    sign_in(client, social_worker.phone)
    page = client.get("/staff/members", query_string={"q": "５６７８"}).get_data(as_text=True)
    assert "王阿姨" in page


def test_look_alike_accounts_from_before_are_listed_for_an_admin(app, ctx, make_member):
    make_member("13812345678", name="王阿姨")
    db.session.add(
        Member(phone=FULL_WIDTH, name="王阿姨二号", password_hash=generate_password_hash("x"))
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["members", "look-alikes"])
    assert result.exit_code == 1
    assert "13812345678:" in result.output and "王阿姨二号" in result.output
    assert "王阿姨 " in result.output  # the plain account it collides with


def test_nul_anywhere_is_a_field_error_and_changes_nothing(client, ctx, make_member):
    answer = _register(client, "13812345678", name="王\x00阿姨")
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["name"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0
    make_member("13800000004", name="王阿姨", level="volunteer")
    headers = api_token(client, "13800000004")
    nested = client.post("/api/v1/claims/approve", json={"claims": [1, "\x00"]}, headers=headers)
    assert nested.status_code == 422 and "claims[1]" in nested.get_json()["errors"]
    query = client.get("/api/v1/me/claims?q=%00", headers=headers)
    assert query.status_code == 422 and "q" in query.get_json()["errors"]


def test_nul_in_a_page_form_shows_which_field(client, ctx, places):
    answer = client.post(
        "/register",
        data={
            "phone": "13812345678",
            "name": "王\x00",
            "password": "secret-99",
            "community_id": places[0].id,
            "grid_id": 0,
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "<strong>name</strong>" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0


def test_other_control_characters_are_refused_in_free_text(client, ctx):
    answer = _register(client, "13812345678", name="王\x1b[31m阿姨")
    assert answer.status_code == 422 and "control" in answer.get_json()["errors"]["name"][0]
    assert _register(client, "13812345678", name="王阿姨").status_code == 201


def test_an_unknown_filter_value_is_a_422_naming_the_parameter(client, social_worker):
    headers = api_token(client, social_worker.phone)
    answer = client.get("/api/v1/claims?status=xyz", headers=headers)
    assert answer.status_code == 422 and "status" in answer.get_json()["errors"]
    sign_in(client, social_worker.phone)
    page = client.get("/staff/claims?status=xyz")
    assert page.status_code == 422 and "<strong>status</strong>" in page.get_data(as_text=True)
    assert client.get("/staff/claims?status=all").status_code == 200


def test_staff_lists_mask_phones_and_the_record_page_shows_it_and_records_the_look(
    client, ctx, make_member, social_worker
):
    wang = make_member("13800000004", name="王阿姨")
    sign_in(client, social_worker.phone)
    listing = client.get("/staff/members").get_data(as_text=True)
    assert "138****0004" in listing and "13800000004" not in listing
    record = client.get(f"/staff/members/{wang.id}").get_data(as_text=True)
    assert "13800000004" in record
    views = db.session.scalars(sa.select(PhoneView)).all()
    assert [(v.viewer_id, v.member_id) for v in views] == [(social_worker.id, wang.id)]


def test_public_notices_are_readable_without_signing_in_and_objecting_needs_it(client, ctx):
    page = client.get("/notices")
    assert page.status_code == 200
    objection = client.post("/notices/1/object", data={"reason": "x"})
    assert objection.status_code in (302, 400)  # CSRF or the sign-in page, never a write


def test_unknown_level_and_category_filters_are_422_too(client, social_worker):
    assert client.get("/api/v1/benefits?category=xyz").status_code == 422
    assert "category" in client.get("/api/v1/benefits?category=xyz").get_json()["errors"]
    assert client.get("/benefits?category=xyz").status_code == 422
    sign_in(client, social_worker.phone)
    assert client.get("/staff/members?level=xyz").status_code == 422
    assert client.get("/staff/members?level=host").status_code == 200


def test_a_staff_list_filter_that_is_not_a_community_or_a_page_says_so(
    client, social_worker, places, make_member
):
    make_member(name="王阿姨")
    sign_in(client, social_worker.phone)
    for query in ({"community": "abc"}, {"community": "999"}, {"page": "two"}, {"page": "0"}):
        answer = client.get("/staff/members", query_string=query)
        page = answer.get_data(as_text=True)
        (name,) = query
        assert answer.status_code == 422, query
        assert f"<strong>{name}</strong>" in page and "王阿姨" not in page, query
    listed = client.get("/staff/members", query_string={"community": places[0].id, "page": "1"})
    assert listed.status_code == 200 and "王阿姨" in listed.get_data(as_text=True)


def test_benefits_of_a_merchant_that_does_not_exist_are_a_422_not_an_empty_page(client, ctx):
    answer = client.get("/benefits?provider_id=999")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "<strong>provider_id</strong>" in page and "没有这个商户" in page
    assert client.get("/benefits?provider_id=").status_code == 200
