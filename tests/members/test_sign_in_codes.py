"""SMS codes (points/members/codes.py): valid 5 minutes, used once, ended by five wrong tries
or by a newer code, stored only as an HMAC, sent to nobody for a number without an active
account, scrubbed from the outbox once expired, and used once however many race for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from points import housekeeping
from points.database import utcnow
from points.errors import InvalidInput, Unauthorized, WrongAttempt
from points.extensions import db
from points.members import codes
from points.members import services as members
from points.members.models import ApiToken, SignInCode
from points.notifications.models import Delivery, Notification
from tests.concurrency import race, tally

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def sent_code(member) -> str:
    """The code as the member's phone receives it: from the newest queued notification."""
    notification = db.session.scalars(
        sa.select(Notification)
        .where(Notification.member_id == member.id, Notification.kind == "members.sign_in_code")
        .order_by(Notification.id.desc())
        .execution_options(populate_existing=True)
    ).first()
    assert notification is not None, "no code was sent"
    return notification.params["code"]


def _codes_sent() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.kind == "members.sign_in_code")
    )


@pytest.fixture
def wang(make_member):
    return make_member("13800000004", name="王阿姨")


def test_a_code_is_sent_by_sms_at_once_and_stored_only_as_an_hmac(wang):
    codes.send_code(wang.phone, now=NOW)
    db.session.commit()
    code = sent_code(wang)
    assert len(code) == 6 and code.isdigit()
    row = db.session.scalar(sa.select(SignInCode))
    assert (row.member_id, row.purpose, row.attempts, row.used_at) == (wang.id, "sign_in", 0, None)
    assert row.expires_at == NOW + timedelta(minutes=5)
    assert code not in row.code_hash and len(row.code_hash) == 64
    (delivery,) = db.session.scalars(sa.select(Delivery)).all()
    assert (delivery.channel, delivery.address, delivery.due_at) == ("sms", wang.phone, NOW)
    assert codes.use_code(wang.phone, code, now=NOW + timedelta(minutes=1)).id == wang.id


def test_a_code_works_once(wang):
    codes.send_code(wang.phone, now=NOW)
    code = sent_code(wang)
    codes.use_code(wang.phone, code, now=NOW)
    db.session.commit()
    with pytest.raises(WrongAttempt):
        codes.use_code(wang.phone, code, now=NOW)


def test_a_code_expires_after_five_minutes(wang):
    codes.send_code(wang.phone, now=NOW)
    code = sent_code(wang)
    with pytest.raises(WrongAttempt) as refused:
        codes.use_code(wang.phone, code, now=NOW + timedelta(minutes=5))
    assert refused.value.errors == {"code": [refused.value.message]}
    assert codes.use_code(wang.phone, code, now=NOW + timedelta(minutes=4, seconds=59))


def test_five_wrong_tries_end_the_code_and_each_is_counted(wang):
    codes.send_code(wang.phone, now=NOW)
    code = sent_code(wang)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for n in range(1, 6):
        with pytest.raises(WrongAttempt):
            codes.use_code(wang.phone, wrong, now=NOW)
        db.session.commit()  # what the entry points do with a wrong try: keep its count
        assert db.session.scalar(sa.select(SignInCode.attempts)) == n
    with pytest.raises(WrongAttempt):
        codes.use_code(wang.phone, code, now=NOW)  # even the right code, now


def test_a_new_code_replaces_the_old_one_and_scrubs_it_from_the_outbox(wang):
    codes.send_code(wang.phone, now=NOW)
    old = sent_code(wang)
    codes.send_code(wang.phone, now=NOW + timedelta(minutes=1))
    new = sent_code(wang)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInCode)) == 1
    first, second = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert "code" not in first.params and first.deliveries[0].status == "skipped"
    assert second.params["code"] == new
    if old != new:
        with pytest.raises(WrongAttempt):
            codes.use_code(wang.phone, old, now=NOW + timedelta(minutes=2))
    assert codes.use_code(wang.phone, new, now=NOW + timedelta(minutes=2)).id == wang.id


def test_using_a_code_scrubs_it_from_its_notification(wang):
    codes.send_code(wang.phone, now=NOW)
    codes.use_code(wang.phone, sent_code(wang), now=NOW)
    db.session.commit()
    notification = db.session.scalar(sa.select(Notification))
    assert "code" not in notification.params and notification.settled_at is not None


def test_the_sweep_scrubs_codes_that_expired_from_the_outbox(wang, make_member):
    other = make_member("13800000005")
    codes.send_code(wang.phone, now=NOW)
    codes.send_code(other.phone, now=NOW + timedelta(minutes=3))
    db.session.commit()
    done = housekeeping.sweep(now=NOW + timedelta(minutes=5))
    db.session.commit()
    assert done["codes_forgotten"] == 1
    mine, theirs = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert "code" not in mine.params and "code" in theirs.params
    assert housekeeping.sweep(now=NOW + timedelta(minutes=9))["codes_forgotten"] == 1


def test_codes_for_sign_in_and_for_a_reset_are_apart(wang):
    codes.send_code(wang.phone, purpose="reset", now=NOW)
    with pytest.raises(WrongAttempt):
        codes.use_code(wang.phone, sent_code(wang), purpose="sign_in", now=NOW)
    with pytest.raises(InvalidInput) as refused:
        codes.send_code(wang.phone, purpose="login", now=NOW)
    assert set(refused.value.errors) == {"purpose"}


def test_no_code_is_stored_or_sent_for_an_unknown_or_suspended_number(wang, make_member):
    admin = make_member("13900000006", role="admin")
    members.set_status(wang, "suspended", reason="test", actor=admin)
    db.session.commit()
    for phone in (wang.phone, "13811112222"):
        assert codes.send_code(phone, now=NOW) is None
    db.session.commit()
    assert _codes_sent() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInCode)) == 0
    for phone in (wang.phone, "13811112222"):
        with pytest.raises(WrongAttempt):
            codes.use_code(phone, "123456", now=NOW)


def test_a_code_asked_for_before_a_suspension_does_not_sign_in(wang, make_member):
    admin = make_member("13900000006", role="admin")
    codes.send_code(wang.phone, now=NOW)
    code = sent_code(wang)
    members.set_status(wang, "suspended", reason="test", actor=admin)
    with pytest.raises(Unauthorized) as refused:
        codes.use_code(wang.phone, code, now=NOW)
    assert not isinstance(refused.value, WrongAttempt)


@pytest.mark.parametrize("typed", ["１２３", "12345a", "", None, 123456])
def test_a_code_that_is_not_six_digits_names_the_field_and_counts_nothing(wang, typed):
    codes.send_code(wang.phone, now=NOW)
    with pytest.raises(InvalidInput) as refused:
        codes.use_code(wang.phone, typed, now=NOW)
    assert set(refused.value.errors) == {"code"}
    assert db.session.scalar(sa.select(SignInCode.attempts)) == 0


def test_full_width_digits_and_spaces_are_fine(wang):
    codes.send_code(wang.phone, now=NOW)
    code = sent_code(wang)
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    typed = f"{code[:3]} {code[3:]}".translate(full_width)
    assert codes.use_code("１３８０００００００４", typed, now=NOW).id == wang.id


def test_a_reset_sets_the_password_and_ends_every_sign_in(wang):
    raw, _ = members.issue_token(wang)
    codes.send_code(wang.phone, purpose="reset", now=NOW)
    code = sent_code(wang)
    with pytest.raises(InvalidInput) as weak:
        codes.reset_password(wang.phone, code, "short", now=NOW)
    assert set(weak.value.errors) == {"new_password"}
    codes.reset_password(wang.phone, code, "a-new-secret-77", now=NOW)
    db.session.commit()
    assert members.member_for_token(raw) is None
    assert members.authenticate(wang.phone, "a-new-secret-77").id == wang.id


def test_a_member_without_a_password_cannot_sign_in_by_password(places):
    member = members.register_member(phone="13812345678", password=None, name="李阿婆")
    db.session.commit()
    assert not member.has_password
    for given in ("", "anything-at-all", None):
        with pytest.raises(Unauthorized) as refused:
            members.authenticate(member.phone, given)
        assert refused.value.key == "members.wrong_password"  # as for any wrong password
    with pytest.raises(InvalidInput) as refused:
        members.change_password(member, current=None, new="a-new-secret-77")
    assert set(refused.value.errors) == {"current_password"}
    members.change_password(member, current=None, new="a-new-secret-77", proven=True)
    assert members.authenticate(member.phone, "a-new-secret-77").id == member.id


@pytest.mark.parametrize("n", [2, 8])
def test_racing_requests_with_one_code_sign_in_once(app, ctx, wang, n):
    phone = wang.phone
    codes.send_code(phone, now=utcnow())
    code = sent_code(wang)
    db.session.commit()

    def attempt(_i):
        member = codes.use_code(phone, code)
        members.issue_token(member)
        return member.id

    outcomes = race(app, attempt, n, "threads")
    assert tally(outcomes) == {"ok": 1, "WrongAttempt": n - 1}, outcomes
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    assert db.session.scalar(sa.select(SignInCode.used_at)) is not None

