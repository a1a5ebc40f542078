"""Configuration: defaults in code, environment overrides, tests pass a mapping.

Nothing here is read at import time by other modules; `create_app` calls `load_config`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "points.sqlite3")
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Route plain `postgres://` / `postgresql://` URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(instance_path: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Build the app's configuration: defaults, then environment, then `overrides`."""
    config: dict[str, Any] = {
        # Signs sessions and remember cookies. Unset: made once in the instance folder
        # (points/keys.py); a public, empty or short key is refused at start.
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        # Keys the ledger's hash chain (HMAC): someone with only the database cannot rewrite
        # history unseen. Unset: made once in the instance folder, like SECRET_KEY.
        "LEDGER_CHAIN_KEY": os.environ.get("LEDGER_CHAIN_KEY"),
        # Where the chain head is written after each sweep and by `ledger anchor`, outside
        # the database, so `ledger verify` finds transfers cut off the end of the chain.
        "LEDGER_ANCHOR_PATH": os.environ.get(
            "LEDGER_ANCHOR_PATH", str(Path(instance_path) / "ledger-anchor.json")
        ),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # SQLite: how long a writer waits for the write lock before giving up (ms).
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "30000")),
        "SQLITE_SYNCHRONOUS": os.environ.get("SQLITE_SYNCHRONOUS", "FULL"),
        # The community's clock: times are shown in this zone, stored in UTC.
        "COMMUNITY_TIMEZONE": os.environ.get("COMMUNITY_TIMEZONE", "Asia/Shanghai"),
        # The worker (`flask --app points worker`, beside gunicorn; points/worker.py) runs the
        # housekeeping sweep (overdue holds, vouchers, no-shows …) this often (seconds), once
        # across every machine (points/jobs.py); 0 turns it off. Never on a member's request.
        "HOUSEKEEPING_INTERVAL_S": os.environ.get("HOUSEKEEPING_INTERVAL_S", "60"),
        # How often the worker sends the notifications whose time has come (seconds).
        "NOTIFY_POLL_S": os.environ.get("NOTIFY_POLL_S", "1"),
        # Set (redis://host:6379/0): the background work goes over Redis as a Huey queue —
        # deliveries are enqueued as their transaction commits, the sweep is a periodic task —
        # and `flask worker` is the Huey consumer; every machine may run one. Unset: nothing
        # imports redis or Huey, and `flask worker` is a plain loop.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # The Huey queue's name: its Redis keys are huey.*.<name> (letters, digits, _ only).
        "HUEY_NAME": os.environ.get("HUEY_NAME", "points"),
        # Notifications: no SMS in quiet hours (the community's clock; equal ends: none);
        # low-priority kinds chosen for SMS or email go out once a day, at NOTIFY_DIGEST_AT.
        "NOTIFY_QUIET_HOURS": os.environ.get("NOTIFY_QUIET_HOURS", "21:00-08:00"),
        "NOTIFY_DIGEST_AT": os.environ.get("NOTIFY_DIGEST_AT", "19:00"),
        # The delivery worker (`flask --app points notifications deliver --loop`,
        # points/notifications/delivery.py): a transient failure is tried again after these
        # many minutes (the last one repeats), at most NOTIFY_MAX_ATTEMPTS times in all; a
        # claim older than NOTIFY_CLAIM_TIMEOUT_S seconds belongs to a worker that died
        # mid-send (its delivery becomes `uncertain`, never sent again by itself); the loop
        # looks for due deliveries every NOTIFY_POLL_S seconds when it found none. Keep the
        # claim timeout well above TENCENT_SMS_TIMEOUT_S and MAIL_TIMEOUT_S (30 s each).
        "NOTIFY_BACKOFF_MINUTES": os.environ.get("NOTIFY_BACKOFF_MINUTES", "1,5,30,120"),
        "NOTIFY_MAX_ATTEMPTS": int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5")),
        "NOTIFY_CLAIM_TIMEOUT_S": float(os.environ.get("NOTIFY_CLAIM_TIMEOUT_S", "120")),
        # Links in emails are absolute: this is where members reach the site.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000"),
        # SMS (points/notifications/sms.py). "" (the default): nothing is sent; each SMS is
        # written to the app log and shown on /outbox as NOT sent (status `logged`).
        # "tencent": Tencent Cloud SMS with the API key pair (CAM), the SMS application's
        # SdkAppId and the approved signature's name.
        "SMS_PROVIDER": os.environ.get("SMS_PROVIDER", ""),
        "TENCENT_SECRET_ID": os.environ.get("TENCENT_SECRET_ID", ""),
        "TENCENT_SECRET_KEY": os.environ.get("TENCENT_SECRET_KEY", ""),
        "TENCENT_SMS_APP_ID": os.environ.get("TENCENT_SMS_APP_ID", ""),
        "TENCENT_SMS_SIGN_NAME": os.environ.get("TENCENT_SMS_SIGN_NAME", ""),
        "TENCENT_SMS_REGION": os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou"),
        # host[:port] and scheme of the API (tests: the local stand-in's, over http); how long
        # to wait for its answer (s).
        "TENCENT_SMS_ENDPOINT": os.environ.get("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com"),
        "TENCENT_SMS_SCHEME": os.environ.get("TENCENT_SMS_SCHEME", "https"),
        "TENCENT_SMS_TIMEOUT_S": int(os.environ.get("TENCENT_SMS_TIMEOUT_S", "30")),
        # JSON: notification kind's key → the approved template's id in the provider's
        # console, plus "digest" (seed/sms_templates.json holds each template's text).
        "SMS_TEMPLATES": os.environ.get("SMS_TEMPLATES", "{}"),
        # Email (points/notifications/email.py), for staff and merchants. MAIL_SERVER ""
        # (the default): emails are logged, NOT sent. MAIL_USE_TLS: STARTTLS on a plain
        # connection (port 587); MAIL_USE_SSL: TLS from the start (port 465).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") in ("1", "true", "yes"),
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "") in ("1", "true", "yes"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "社区主理人 <noreply@localhost>"),
        "MAIL_TIMEOUT_S": int(os.environ.get("MAIL_TIMEOUT_S", "30")),
        # Languages: Chinese first, English by switch.
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("COMMUNITY_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": {"zh_Hans_CN": "中文", "en": "English"},
        # Sign-in: API tokens and web sessions (the remember cookie lasts as long) end after
        # these many days. Cookies are HttpOnly, SameSite=Lax, and Secure whenever the
        # request came over https (see TRUSTED_PROXIES).
        "TOKEN_DAYS": int(os.environ.get("TOKEN_DAYS", "30")),
        "SESSION_DAYS": int(os.environ.get("SESSION_DAYS", "30")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host.
        # 0 (the default): those headers are not believed, so nobody can claim https or
        # another address by sending them.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Wrong passwords, on the sign-in page and POST /api/v1/auth/token together: per
        # mobile number and per client address. Counted across all workers (see
        # RATELIMIT_STORAGE_URI).
        "SIGN_IN_PHONE_LIMIT": os.environ.get("SIGN_IN_PHONE_LIMIT", "5 per 15 minutes"),
        "SIGN_IN_ADDRESS_LIMIT": os.environ.get("SIGN_IN_ADDRESS_LIMIT", "30 per 15 minutes"),
        # SMS codes asked for (sign-in or password reset), on the pages and POST
        # /api/v1/auth/code together: per mobile number and per client address. Every
        # request counts, whether the number has an account or not. Wrong codes count
        # against the sign-in limits above.
        "CODE_PHONE_LIMIT": os.environ.get("CODE_PHONE_LIMIT", "1 per minute;5 per hour"),
        "CODE_ADDRESS_LIMIT": os.environ.get("CODE_ADDRESS_LIMIT", "20 per hour"),
        "WTF_CSRF_TIME_LIMIT": None,
        # The growth ladder (see points/members/progression.py)
        "LADDER_TALENT_MIN_HOURS": float(os.environ.get("LADDER_TALENT_MIN_HOURS", "20")),
        "LADDER_HOURS_WINDOW_DAYS": int(os.environ.get("LADDER_HOURS_WINDOW_DAYS", "365")),
        "LADDER_NOTICE_DAYS": int(os.environ.get("LADDER_NOTICE_DAYS", "5")),
        # An admin may reverse a demotion for this many days after it.
        "LEVEL_REVERSAL_DAYS": int(os.environ.get("LEVEL_REVERSAL_DAYS", "30")),
        # Earning: how old a claim may be, the most occurrences in one claim, evidence photos.
        "CLAIM_MAX_AGE_DAYS": int(os.environ.get("CLAIM_MAX_AGE_DAYS", "60")),
        "CLAIM_MAX_OCCURRENCES": int(os.environ.get("CLAIM_MAX_OCCURRENCES", "20")),
        "EVIDENCE_MAX_BYTES": int(os.environ.get("EVIDENCE_MAX_BYTES", str(5 * 1024 * 1024))),
        # Photos are decoded to strip them (EXIF, GPS, appended bytes); more pixels than this
        # is refused before decoding (a 12 MP phone photo is 4000 × 3000).
        "EVIDENCE_MAX_PIXELS": int(os.environ.get("EVIDENCE_MAX_PIXELS", "40000000")),
        # Uploads larger than this are refused before they reach a view (413).
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        # Check-in at scheduled activities: a QR code lives this long (s); check-in opens
        # this many minutes before the start and closes as long after the end.
        "CHECK_IN_TOKEN_SECONDS": int(os.environ.get("CHECK_IN_TOKEN_SECONDS", "300")),
        "CHECK_IN_OPENS_MINUTES": int(os.environ.get("CHECK_IN_OPENS_MINUTES", "30")),
        # Marketplace: a space-use right credits the host's minutes when community staff
        # confirm it ("staff") or as soon as it is redeemed ("instant").
        "SPACE_RIGHTS_CONFIRM": os.environ.get("SPACE_RIGHTS_CONFIRM", "staff"),
        # The counter: a confirmation (核销) may be undone (撤销) this many minutes after it.
        "COUNTER_UNDO_MINUTES": int(os.environ.get("COUNTER_UNDO_MINUTES", "5")),
        # 长辈版: list pages show this many items a page at most (points/web/elder.py).
        "ELDER_PAGE_SIZE": int(os.environ.get("ELDER_PAGE_SIZE", "5")),
        # Wrong voucher codes typed at the counter, per staff member and per address.
        "CONFIRM_WRONG_CODE_LIMIT": os.environ.get("CONFIRM_WRONG_CODE_LIMIT", "10 per minute"),
        # Open311 (/open311/v2): every call per client address, and wrong api_keys.
        "OPEN311_LIMIT": os.environ.get("OPEN311_LIMIT", "120 per minute"),
        "OPEN311_WRONG_KEY_LIMIT": os.environ.get("OPEN311_WRONG_KEY_LIMIT", "10 per 15 minutes"),
        # Flask-Limiter's counters. Unset: in the app's own database (PostgreSQL), or in a
        # SQLite file beside the embedded one, so every gunicorn worker shares them
        # (points/ratelimits.py). redis://… to use Redis; memory:// counts per process.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", ""),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Booking shared space: least notice (minutes), furthest ahead (days), the refund
        # deadline before the start (hours) and the share refunded after it (percent).
        "BOOKING_MIN_NOTICE_MINUTES": int(os.environ.get("BOOKING_MIN_NOTICE_MINUTES", "60")),
        "BOOKING_MAX_ADVANCE_DAYS": int(os.environ.get("BOOKING_MAX_ADVANCE_DAYS", "60")),
        "BOOKING_REFUND_HOURS": int(os.environ.get("BOOKING_REFUND_HOURS", "24")),
        "BOOKING_LATE_REFUND_PERCENT": int(os.environ.get("BOOKING_LATE_REFUND_PERCENT", "50")),
        # Grants above this many fen are shown publicly for FUND_PUBLIC_DAYS before paying.
        "FUND_PUBLIC_THRESHOLD_FEN": int(os.environ.get("FUND_PUBLIC_THRESHOLD_FEN", "200000")),
        "FUND_PUBLIC_DAYS": int(os.environ.get("FUND_PUBLIC_DAYS", "5")),
        # Hours one host may book per local week across all spaces (0: no quota).
        "BOOKING_WEEKLY_QUOTA_HOURS": int(os.environ.get("BOOKING_WEEKLY_QUOTA_HOURS", "12")),
        # Check-in opens this long before the start; a booking not checked in this long
        # after the start is released as a no-show.
        "BOOKING_CHECK_IN_EARLY_MINUTES": int(
            os.environ.get("BOOKING_CHECK_IN_EARLY_MINUTES", "15")
        ),
        "BOOKING_NO_SHOW_MINUTES": int(os.environ.get("BOOKING_NO_SHOW_MINUTES", "15")),
        # How long a waiting host has to accept a freed slot before it goes to the next.
        "BOOKING_OFFER_MINUTES": int(os.environ.get("BOOKING_OFFER_MINUTES", "120")),
        # Weekly recurrence: at most this many occurrences in one request.
        "BOOKING_MAX_WEEKS": int(os.environ.get("BOOKING_MAX_WEEKS", "12")),
        # Calendar feeds (/calendar/<token>.ics): the domain in each event's UID (default:
        # the host the feed was fetched from) and how many wrong addresses one client
        # address may try before it is slowed down.
        "CALENDAR_UID_DOMAIN": os.environ.get("CALENDAR_UID_DOMAIN", ""),
        "CALENDAR_WRONG_TOKEN_LIMIT": os.environ.get("CALENDAR_WRONG_TOKEN_LIMIT", "20 per minute"),
        # Reports: the points economy warns when what the catalogue can still supply (active
        # benefits' stock × price) covers less than this share of the points outstanding.
        "REPORTS_COVERAGE_WARNING": float(os.environ.get("REPORTS_COVERAGE_WARNING", "1.0")),
        # A balance with no movement for this many days counts as dormant.
        "REPORTS_DORMANT_DAYS": int(os.environ.get("REPORTS_DORMANT_DAYS", "90")),
        # flask-smorest / OpenAPI
        "API_TITLE": "社区主理人 Points API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    if overrides:
        config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=config["SESSION_DAYS"]))
    _check_clock_times(config)
    return config


class ConfigError(ValueError):
    """A setting cannot be used; the message names it and shows what it should look like."""


def _check_clock_times(config: dict) -> None:
    """Wall-clock settings are read at every notification; refuse bad ones at start."""
    from datetime import time

    def wall(name: str, value: str, example: str) -> None:
        try:
            time.fromisoformat(value.strip())
        except (AttributeError, ValueError):
            raise ConfigError(f"{name} must look like {example}, not {value!r}") from None

    quiet = config["NOTIFY_QUIET_HOURS"]
    parts = quiet.split("-") if isinstance(quiet, str) else []
    if len(parts) != 2:
        raise ConfigError(f"NOTIFY_QUIET_HOURS must look like 21:00-08:00, not {quiet!r}")
    for part in parts:
        wall("NOTIFY_QUIET_HOURS", part, "21:00-08:00")
    wall("NOTIFY_DIGEST_AT", config["NOTIFY_DIGEST_AT"], "19:00")
