"""Nobody who has read this repository can sign in as someone else: no public signing key,
CSRF however a browser is signed in, sign-ins that end on the server, throttled wrong
passwords (across worker processes), passwords that are not guessable."""

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from points import create_app
from points.extensions import db
from points.keys import WeakKey
from points.members import services as members
from points.members.models import ApiToken
from tests.conftest import IsolatedClient, api_token, app_config, csrf_token, sign_in


@pytest.fixture
def wang(make_member):
    return make_member("13800000004", name="王阿姨", level="volunteer")


@pytest.fixture
def admin(make_member):
    return make_member("13900000006", role="admin", name="周站长")


def _production_app(db_url, tmp_path, monkeypatch, **config):
    """The app as `make run` builds it: not TESTING, instance folder of its own."""
    monkeypatch.setenv("POINTS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "HOUSEKEEPING_INTERVAL_S": 0, **config})
    app.test_client_class = IsolatedClient
    return app


def _another_app(db_url, **config):
    app = create_app(app_config(db_url, **config))
    app.test_client_class = IsolatedClient
    return app


def _session_cookie(key: str, payload: dict) -> str:
    interface = SecureCookieSessionInterface()
    signer = URLSafeTimedSerializer(
        key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": interface.digest_method},
    )
    return signer.dumps(payload)


# ---------------------------------------------------------------------------- the key


def test_without_secret_key_the_app_makes_its_own_once_readable_by_the_owner_only(
    db_url, tmp_path, monkeypatch, ctx
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = _production_app(db_url, tmp_path, monkeypatch)
    again = _production_app(db_url, tmp_path, monkeypatch)
    key_file = tmp_path / "instance" / "secret_key.key"
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    for app in (first, again):
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("key", ["dev-only-change-me", "", "   ", "short-but-not-public"])
def test_a_public_empty_or_short_secret_key_is_refused_at_start(
    db_url, tmp_path, monkeypatch, key, ctx
):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(WeakKey, match="SECRET_KEY"):
        _production_app(db_url, tmp_path, monkeypatch)


def test_a_cookie_forged_with_the_old_default_key_signs_nobody_in(
    db_url, tmp_path, monkeypatch, admin
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = _production_app(db_url, tmp_path, monkeypatch)
    client = app.test_client()
    for payload in ({"_user_id": str(admin.id), "_fresh": True}, {"_user_id": "1"}):
        client.set_cookie("session", _session_cookie("dev-only-change-me", payload))
        assert client.get("/api/v1/me").status_code == 401
    # Even with the real key, a cookie naming a member's id (not a live sign-in) is no one.
    forged = _session_cookie(app.config["SECRET_KEY"], {"_user_id": str(admin.id)})
    client.set_cookie("session", forged)
    assert client.get("/api/v1/me").status_code == 401
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------------------- CSRF, cookies


def _remember_cookie(client) -> str:
    cookie = client.get_cookie("remember_token")
    assert cookie is not None, "signing in sets the remember cookie"
    return cookie.value


def test_a_cross_site_write_with_only_the_remember_cookie_is_refused(app, wang):
    browser = app.test_client()
    sign_in(browser, wang.phone)
    forger = app.test_client()  # another site's form: the browser sends the cookies it has
    forger.set_cookie("remember_token", _remember_cookie(browser))
    assert forger.get("/api/v1/me").get_json()["id"] == wang.id  # the cookie signs in
    refused = forger.post("/api/v1/bookings/1/cancel")
    assert refused.status_code == 400  # CSRF, not "booking not found"
    token = csrf_token(forger, "/")
    allowed = forger.post("/api/v1/bookings/1/cancel", headers={"X-CSRFToken": token})
    assert allowed.status_code == 404


def test_a_made_up_bearer_header_does_not_let_the_cookie_skip_csrf(app, wang):
    browser = app.test_client()
    sign_in(browser, wang.phone)
    made_up = {"Authorization": "Bearer not-a-real-token-but-long-enough-0123456789"}
    answer = browser.post("/api/v1/bookings/1/cancel", headers=made_up)
    assert answer.status_code == 401  # the header decides alone: nobody
    assert browser.post("/api/v1/bookings/1/cancel").status_code == 400
    assert browser.get("/api/v1/me", headers=made_up).status_code == 401


def test_a_valid_bearer_token_is_its_own_member_whatever_cookie_comes_with_it(app, wang, admin):
    browser = app.test_client()
    sign_in(browser, admin.phone)
    headers = api_token(app.test_client(), wang.phone)
    assert browser.get("/api/v1/me", headers=headers).get_json()["id"] == wang.id


def _set_cookie_headers(answer, name: str) -> list[str]:
    return [h for h in answer.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def test_sign_in_cookies_are_httponly_lax_and_secure_only_over_https(app, wang):
    plain = app.test_client()
    answer = sign_in(plain, wang.phone)
    for name in ("remember_token", "session"):
        (cookie,) = _set_cookie_headers(answer, name)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    spoofed = app.test_client()
    token = csrf_token(spoofed, "/login")
    answer = spoofed.post(
        "/login",
        data={"phone": wang.phone, "password": "demo1234", "csrf_token": token},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert "Secure" not in _set_cookie_headers(answer, "remember_token")[0]  # no proxy trusted
    secure = app.test_client()
    token = csrf_token(secure, "/login")
    answer = secure.post(
        "/login",
        base_url="https://localhost",
        data={"phone": wang.phone, "password": "demo1234", "csrf_token": token},
        headers={"Referer": "https://localhost/login"},  # Flask-WTF's check over https
    )
    for name in ("remember_token", "session"):
        assert "Secure" in _set_cookie_headers(answer, name)[0]


def test_behind_a_configured_proxy_x_forwarded_proto_makes_cookies_secure(db_url, tmp_path, wang):
    app = _another_app(db_url, TRUSTED_PROXIES=1)
    client = app.test_client()
    token = csrf_token(client, "/login")
    answer = client.post(
        "/login",
        data={"phone": wang.phone, "password": "demo1234", "csrf_token": token},
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
            "Referer": "https://localhost/login",
        },
    )
    assert "Secure" in _set_cookie_headers(answer, "remember_token")[0]
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------------------- ending sign-ins


def _signed_in(client) -> bool:
    return client.get("/api/v1/me").status_code == 200


def _three_sign_ins(app, member):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, member.phone)
    sign_in(laptop, member.phone)
    remembered = app.test_client()
    remembered.set_cookie("remember_token", _remember_cookie(laptop))
    return phone, laptop, remembered, api_token(app.test_client(), member.phone)


def test_changing_the_password_ends_every_other_session_cookie_and_token(app, wang):
    phone, laptop, remembered, headers = _three_sign_ins(app, wang)
    assert all(_signed_in(c) for c in (phone, laptop, remembered))
    answer = phone.post(
        "/password",
        data={
            "current_password": "demo1234",
            "new_password": "a-new-long-one",
            "csrf_token": csrf_token(phone, "/password"),
        },
    )
    assert answer.status_code == 302
    assert _signed_in(phone)  # the one that changed it stays
    assert not _signed_in(laptop) and not _signed_in(remembered)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(app.test_client(), wang.phone, "a-new-long-one").status_code == 302


def test_signing_out_ends_the_session_on_the_server_not_only_in_the_browser(app, wang):
    browser = app.test_client()
    sign_in(browser, wang.phone)
    stolen_session = browser.get_cookie("session").value
    stolen_remember = _remember_cookie(browser)
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")})
    assert not _signed_in(browser)
    thief = app.test_client()
    thief.set_cookie("session", stolen_session)
    thief.set_cookie("remember_token", stolen_remember)
    assert not _signed_in(thief)


def test_sign_out_everywhere_ends_every_sign_in_this_one_too(app, wang):
    phone, laptop, remembered, headers = _three_sign_ins(app, wang)
    page = phone.get("/me").get_data(as_text=True)
    assert "/logout/everywhere" in page
    answer = phone.post("/logout/everywhere", data={"csrf_token": csrf_token(phone, "/me")})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert not any(_signed_in(c) for c in (phone, laptop, remembered))
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_a_suspension_ends_every_sign_in_and_reinstating_does_not_bring_them_back(
    app, ctx, wang, social_worker
):
    phone, laptop, remembered, headers = _three_sign_ins(app, wang)
    members.set_status(wang, "suspended", reason="test", actor=social_worker)
    db.session.commit()
    members.set_status(wang, "active", reason="back", actor=social_worker)
    db.session.commit()
    assert not any(_signed_in(c) for c in (phone, laptop, remembered))
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_an_operator_password_reset_ends_every_sign_in(app, ctx, wang):
    phone, laptop, remembered, headers = _three_sign_ins(app, wang)
    result = app.test_cli_runner().invoke(
        args=["members", "reset-password", "--phone", wang.phone, "--password", "fresh-start-7"]
    )
    assert result.exit_code == 0, result.output
    assert not any(_signed_in(c) for c in (phone, laptop, remembered))
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(app.test_client(), wang.phone, "fresh-start-7").status_code == 302
    refused = app.test_cli_runner().invoke(
        args=["members", "reset-password", "--phone", "13899999999", "--password", "x-y-z-1-2-3"]
    )
    assert refused.exit_code != 0 and "--phone" in refused.output


def test_web_sessions_are_stored_hashed(app, ctx, wang):
    browser = app.test_client()
    sign_in(browser, wang.phone)
    rows = db.session.scalars(sa.select(ApiToken).filter_by(kind="web")).all()
    assert len(rows) == 1 and len(rows[0].token_hash) == 64
    assert rows[0].token_hash not in browser.get_cookie("session").value


# ---------------------------------------------------------------------------- throttling


def _wrong_on_page(client, phone="13800000004"):
    return client.post(
        "/login",
        data={"phone": phone, "password": "wrong-pass", "csrf_token": csrf_token(client, "/login")},
    )


def _wrong_on_api(client, phone="13800000004"):
    return client.post("/api/v1/auth/token", json={"phone": phone, "password": "wrong-pass"})


def test_wrong_passwords_for_one_phone_are_throttled_on_page_and_api_together(app, wang):
    client = app.test_client()
    for _ in range(3):
        assert _wrong_on_page(client).status_code == 401
    for _ in range(2):
        assert _wrong_on_api(client).status_code == 401
    refused = client.post("/api/v1/auth/token", json={"phone": wang.phone, "password": "demo1234"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert refused.get_json()["code"] == "too_many_requests"
    page = sign_in(app.test_client(), wang.phone)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "分钟后再试" in page.get_data(as_text=True)
    # Another member's phone is not held up by wang's attacker.
    other = app.test_client().post(
        "/api/v1/auth/token", json={"phone": "13800000005", "password": "wrong-pass"}
    )
    assert other.status_code == 401


def test_wrong_passwords_from_one_address_are_throttled_across_phones(db_url, wang):
    app = _another_app(db_url, SIGN_IN_ADDRESS_LIMIT="4 per minute")
    client = app.test_client()
    for n in range(4):
        assert _wrong_on_api(client, f"1380000100{n}").status_code == 401
    assert _wrong_on_api(client, "13800001009").status_code == 429
    elsewhere = app.test_client().post(
        "/api/v1/auth/token",
        json={"phone": wang.phone, "password": "demo1234"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert elsewhere.status_code == 200
    with app.app_context():
        db.engine.dispose()


def _worker(config: dict, attempts: int, results) -> None:
    """One gunicorn-like worker: its own app, its own process, the same database."""
    app = create_app(config)
    client = app.test_client()
    results.put([_wrong_on_api(client).status_code for _ in range(attempts)])
    with app.app_context():
        db.engine.dispose()


def test_the_sign_in_limit_holds_across_worker_processes(db_url, wang):
    config = app_config(db_url)
    results = multiprocessing.get_context("fork").Queue()
    for attempts in (3, 3):  # 3 in one worker, then 3 in another: the 6th is over 5
        child = multiprocessing.get_context("fork").Process(
            target=_worker, args=(config, attempts, results)
        )
        child.start()
        child.join(timeout=60)
        assert child.exitcode == 0
    assert results.get(timeout=5) == [401, 401, 401]
    assert results.get(timeout=5) == [401, 401, 429]


# ---------------------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short1", "at least 8 characters"),
        ("aaaaaaaaaa", "one character repeated"),
        ("x13812345678", "mobile number"),
        ("13812345678", "mobile number"),
        ("password", "most common"),
        ("Qwerty123", "most common"),
        ("iloveyou", "most common"),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(client, ctx, password, rule):
    answer = client.post(
        "/api/v1/auth/register",
        json={"phone": "13812345678", "password": password, "name": "王"},
    )
    assert answer.status_code == 422
    assert any(rule in message for message in answer.get_json()["errors"]["password"])


def test_the_register_page_says_which_password_rule_in_chinese(client, ctx, places):
    answer = client.post(
        "/register",
        data={
            "phone": "13812345678",
            "name": "王",
            "password": "13812345678",
            "community_id": places[0].id,
            "grid_id": 0,
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert answer.status_code == 422
    assert "不要把手机号放进密码" in answer.get_data(as_text=True)


def test_a_new_password_follows_the_same_rules(app, wang):
    browser = app.test_client()
    sign_in(browser, wang.phone)
    answer = browser.post(
        "/password",
        data={
            "current_password": "demo1234",
            "new_password": "password1",
            "csrf_token": csrf_token(browser, "/password"),
        },
    )
    assert answer.status_code == 422
    assert sign_in(app.test_client(), wang.phone, "demo1234").status_code == 302


def test_the_shared_counters_count_expire_and_clear(app, monkeypatch):
    from points import ratelimits

    storage = ratelimits.DatabaseStorage(
        "pointsdb://", url=app.config["RATELIMIT_STORAGE_OPTIONS"]["url"]
    )
    monkeypatch.setattr(ratelimits.random, "random", lambda: 0.0)  # purge on every count
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimits.time, "time", lambda: clock[0])
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") == 1_000_060.0
    clock[0] += 61  # the window is over: the count starts again
    assert storage.get("k") == 0
    assert storage.incr("k", 60, amount=2) == 2
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_limits_are_skipped_only_where_no_view_has_one(app):
    from points import ratelimits

    with app.test_request_context("/"):
        unlimited = ratelimits.unlimited_endpoints(app)
    # Every limited call of the app (sign-in, codes, the counter, calendar feeds, Open311)
    # is checked; calls without a limit are not.
    limited = {
        "auth.login",
        "auth.login_code",
        "auth_api.token",
        "auth_api.code",
        "market.confirm",
        "marketplace_api.confirm",
        "space_reports.feed",
        "open311.submit",
        "open311.services",
    }
    assert limited <= set(app.view_functions)
    assert not limited & unlimited
    assert {"system.health", "me_api.me", "marketplace_api.redeem"} <= unlimited


def test_the_sweep_forgets_sign_ins_that_ended_a_month_ago(app, ctx, wang):
    from datetime import timedelta

    from points import housekeeping
    from points.database import utcnow

    browser = app.test_client()
    sign_in(browser, wang.phone)
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")})
    api_token(app.test_client(), wang.phone)  # still live
    assert housekeeping.sweep()["sign_ins_forgotten"] == 0
    later = utcnow() + timedelta(days=31)
    assert housekeeping.sweep(now=later)["sign_ins_forgotten"] == 1  # the signed-out one
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
