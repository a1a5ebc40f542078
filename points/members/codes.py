"""Signing in, and resetting a password, with a 6-digit code sent by SMS.

A member asks for a code for their mobile number; the code is sent through the
notifications outbox (`SIGN_IN_CODE`: SMS always, at once) and only its HMAC-SHA-256 under
SECRET_KEY is stored, one row per member and purpose (`SignInCode`), so asking again
replaces the previous code. A code is valid for CODE_MINUTES, works once, and
CODE_ATTEMPTS wrong tries end it. Using it locks its row (PostgreSQL: FOR UPDATE; SQLite
takes the write lock at the start of every transaction) and sets `used_at` only where it is
still empty, so two requests racing with one code sign in once.

No account enumeration: asking for a code for a number with no account, or a suspended or
exited one, does the same work (a code is drawn and hashed) and answers the same, but
nothing is stored or sent; every code that does not work is refused with one message.

The code's plaintext is in the outbox (the notification's `code` parameter) only while it
can be used: using or replacing a code scrubs it from its notification at once, and the
housekeeping sweep (`forget_codes`) scrubs it from every notification older than
CODE_MINUTES; a delivery still queued then is skipped rather than sent without its code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from points import messages as shared
from points import validate
from points.database import utcnow
from points.errors import InvalidInput, Unauthorized, WrongAttempt
from points.extensions import db
from points.members import messages as M
from points.members import services
from points.members.models import CODE_PURPOSES, Member, SignInCode
from points.notifications import services as notifications

CODE_MINUTES = 5
CODE_ATTEMPTS = 5
# After signing in with a code, a new password needs no old one for this long.
FRESH_MINUTES = 10


def _hash(member_id: int, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{member_id}:{purpose}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _purpose(value) -> str:
    if value not in CODE_PURPOSES:
        raise InvalidInput(shared.ONE_OF, field="purpose", values=CODE_PURPOSES)
    return value


def _code(value) -> str:
    """Six digits as typed: full-width digits and spaces are fine ("１２３ ４５６")."""
    digits = validate.folded(value).replace(" ", "").strip() if isinstance(value, str) else ""
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()):
        raise InvalidInput(M.CODE_SHAPE, field="code")
    return digits


def _subject(row: SignInCode) -> str:
    return f"sign_in_code:{row.id}"


def _member(phone) -> Member | None:
    return services.find_by_phone(validate.mobile(phone))


def send_code(phone, *, purpose: str = "sign_in", now: datetime | None = None) -> None:
    """Send a new code to the active member with this number, replacing their previous
    one; for any other number do the same work and send nothing. Answers nothing either
    way, so the caller cannot tell them apart."""
    purpose = _purpose(purpose)
    member = _member(phone)
    now = now or utcnow()
    code = f"{secrets.randbelow(10**6):06d}"
    digest = _hash(member.id if member else 0, purpose, code)
    if member is None or not member.is_active:
        return
    row = _locked(member.id, purpose)
    if row is None:
        row = SignInCode(member_id=member.id, purpose=purpose, code_hash=digest, attempts=0)
        try:
            with db.session.begin_nested():
                row.created_at, row.expires_at = now, now + timedelta(minutes=CODE_MINUTES)
                db.session.add(row)
                db.session.flush()
        except IntegrityError:  # another request made the row at the same instant
            row = _locked(member.id, purpose)
    else:
        notifications.forget_param(M.SIGN_IN_CODE, "code", subject=_subject(row), now=now)
    row.code_hash, row.attempts, row.used_at = digest, 0, None
    row.created_at, row.expires_at = now, now + timedelta(minutes=CODE_MINUTES)
    notifications.notify(
        member, M.SIGN_IN_CODE, subject=_subject(row), now=now, code=code, minutes=CODE_MINUTES
    )


def _locked(member_id: int, purpose: str) -> SignInCode | None:
    return db.session.scalar(
        sa.select(SignInCode)
        .where(SignInCode.member_id == member_id, SignInCode.purpose == purpose)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def use_code(phone, code, *, purpose: str = "sign_in", now: datetime | None = None) -> Member:
    """The member whose live code for `purpose` this is; the code is used up.

    A wrong code counts against the live one and raises WrongAttempt: the caller commits
    that count (and nothing else was written) and answers 401. Every code that does not
    work gets the same answer, whatever the reason."""
    purpose = _purpose(purpose)
    member = _member(phone)
    code = _code(code)
    now = now or utcnow()
    row = _locked(member.id, purpose) if member is not None else None
    given = _hash(member.id if member else 0, purpose, code)
    matches = hmac.compare_digest(given, row.code_hash if row is not None else "0" * 64)
    live = (
        row is not None
        and row.used_at is None
        and row.expires_at > now
        and row.attempts < CODE_ATTEMPTS
    )
    if not (live and matches):
        if live:
            row.attempts += 1
            db.session.flush()
        raise WrongAttempt(M.WRONG_CODE, field="code")
    # Compare-and-set: only the request that finds used_at empty uses the code.
    used = db.session.execute(
        sa.update(SignInCode)
        .where(SignInCode.id == row.id, SignInCode.used_at.is_(None))
        .values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    if used.rowcount != 1:
        raise WrongAttempt(M.WRONG_CODE, field="code")
    row.used_at = now
    notifications.forget_param(M.SIGN_IN_CODE, "code", subject=_subject(row), now=now)
    if not member.is_active:
        raise Unauthorized(M.ACCOUNT_CLOSED, field="phone", status=member.status)
    return member


def reset_password(phone, code, new_password, *, now: datetime | None = None) -> Member:
    """Set a new password with a reset code; every sign-in of the member ends. The new
    password is checked first, so a password the rules refuse does not use the code."""
    phone = validate.mobile(phone)
    services.check_password(new_password, "new_password", phone)
    member = use_code(phone, code, purpose="reset", now=now)
    services.set_password(member, new_password)
    services.end_sign_ins(member)
    return member


def forget_codes(*, now: datetime | None = None) -> int:
    """Scrub the plaintext code from every notification whose code has expired (the sweep's
    "codes_forgotten"); returns how many were scrubbed."""
    now = now or utcnow()
    return notifications.forget_param(
        M.SIGN_IN_CODE, "code", created_before=now - timedelta(minutes=CODE_MINUTES), now=now
    )
