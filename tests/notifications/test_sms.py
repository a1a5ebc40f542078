"""SMS through Tencent Cloud's SDK, against a local stand-in that checks what the real API
checks: a member waiting for a space is told by SMS, in their language, once; a wrong key,
template or parameter count is caught; no provider configured means logged, NOT sent."""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from datetime import timedelta

import points
from points.extensions import db
from points.notifications import delivery, sms
from points.notifications import services as notifications
from points.notifications.kinds import KINDS
from points.notifications.messages import DIGEST
from points.notifications.models import Delivery
from points.spaces.messages import OFFERED
from tests.notifications.conftest import MORNING, attempts_of, offer, only_delivery
from tests.notifications.sms_standin import ROOT, SmsStandIn


def test_every_kind_that_goes_by_sms_has_a_checked_in_template_with_its_parameters():
    # Every domain's kinds, whatever else this process happened to import before.
    for module in pkgutil.walk_packages(points.__path__, "points."):
        if module.name.endswith(".messages"):
            importlib.import_module(module.name)
    data = json.loads((ROOT / "seed" / "sms_templates.json").read_text(encoding="utf-8"))
    by_kind = {row["kind"]: row for row in data["templates"]}
    assert DIGEST.key in by_kind
    for kind in KINDS.values():
        if not kind.sms:
            continue
        assert kind.key in by_kind, f"{kind.key} has no SMS template in seed/sms_templates.json"
        template = by_kind[kind.key]
        assert template["params"] == len(kind.sms), kind.key
        placeholders = [f"{{{n}}}" for n in range(1, template["params"] + 1)]
        assert all(p in template["text"] for p in placeholders), kind.key
        assert f"{{{template['params'] + 1}}}" not in template["text"], kind.key
    ids = [row["id"] for row in data["templates"]]
    assert len(ids) == len(set(ids))


def test_phone_numbers_go_to_the_provider_with_the_country_code():
    assert sms.phone_number("13800000001") == "+8613800000001"
    assert sms.phone_number("+8613800000001") == "+8613800000001"
    assert sms.phone_number("8613800000001") == "+8613800000001"


def test_an_offer_goes_by_sms_once_with_its_template_and_parameters(sms_on, make_member):
    member = make_member()
    offer(member)
    assert delivery.deliver_due(now=MORNING) == 1
    (message,) = sms_on.sent
    sent = only_delivery()
    assert message["phone"] == "+86" + member.phone
    assert message["template"] == "2301001"
    assert message["params"][0] == "活动室"
    # The fourth is the page to accept on, whole.
    assert message["params"][3] == "http://localhost:5000/me/bookings"
    assert len(message["params"]) == 4
    assert message["context"] == str(sent.id)  # the provider's record ties back
    assert (sent.status, sent.provider_ref, sent.attempts) == ("sent", message["serial"], 1)
    assert sent.sent_at is not None
    assert [a.outcome for a in attempts_of(sent)] == ["sent"]
    # Nothing more is due: another round sends nothing.
    assert delivery.deliver_due(now=MORNING + timedelta(hours=1)) == 0
    assert len(sms_on.sent) == 1


def test_an_english_speaking_member_gets_the_parameters_in_english(sms_on, make_member):
    member = make_member()
    member.locale = "en"
    db.session.commit()
    offer(member)
    delivery.deliver_due(now=MORNING)
    assert sms_on.sent[0]["params"][0] == "Activity room"


def test_a_wrong_secret_key_is_refused_by_the_provider_for_good(app, sms_on, make_member):
    app.config["TENCENT_SECRET_KEY"] = "not-the-key"
    offer(make_member())
    delivery.deliver_due(now=MORNING)
    failed = only_delivery()
    assert failed.status == "failed"
    assert failed.last_error.startswith("AuthFailure.SignatureFailure")
    (attempt,) = attempts_of(failed)
    assert attempt.outcome == "refused" and "SignatureFailure" in attempt.reason
    assert sms_on.sent == []
    # Refused for good: never tried again.
    delivery.deliver_due(now=MORNING + timedelta(days=1))
    assert len(sms_on.requests) == 1


def test_a_template_id_the_console_does_not_know_is_refused(app, sms_on, make_member):
    app.config["SMS_TEMPLATES"] = json.dumps({OFFERED.key: "999999"})
    offer(make_member())
    delivery.deliver_due(now=MORNING)
    failed = only_delivery()
    assert failed.status == "failed"
    assert failed.last_error.startswith("FailedOperation.TemplateIncorrectOrUnapproved")
    assert sms_on.sent == []


def test_a_template_approved_with_other_parameters_is_refused(app, make_member):
    with SmsStandIn(templates={"2301001": 2, "2301002": 1}) as standin:
        app.config.update(standin.app_config())
        offer(make_member())
        delivery.deliver_due(now=MORNING)
        assert standin.sent == []
    failed = only_delivery()
    assert failed.status == "failed"
    assert "TemplateParamSetNotMatchApprovedTemplate" in failed.last_error


def test_a_kind_with_no_template_configured_fails_naming_the_kind(app, sms_on, make_member):
    app.config["SMS_TEMPLATES"] = "{}"
    offer(make_member())
    delivery.deliver_due(now=MORNING)
    failed = only_delivery()
    assert failed.status == "failed"
    assert OFFERED.key in failed.last_error and "SMS_TEMPLATES" in failed.last_error
    assert sms_on.requests == []


def test_without_a_provider_the_sms_is_logged_with_its_text_and_not_sent(make_member, caplog):
    offer(make_member())
    with caplog.at_level(logging.INFO, logger="points.notifications"):
        assert delivery.deliver_due(now=MORNING) == 1
    logged = only_delivery()
    assert (logged.status, logged.sent_at) == ("logged", None)
    assert "NOT SENT" in caplog.text
    assert "您等候的活动室空出来了" in caplog.text


def test_a_busy_provider_is_tried_again_after_a_backoff(sms_on, make_member):
    offer(make_member())
    sms_on.fail_next("RequestLimitExceeded", "too many requests")
    delivery.deliver_due(now=MORNING)
    waiting = only_delivery()
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.due_at == MORNING + timedelta(minutes=1)
    assert waiting.last_error.startswith("RequestLimitExceeded")
    assert delivery.deliver_due(now=MORNING + timedelta(seconds=30)) == 0  # not yet
    assert delivery.deliver_due(now=MORNING + timedelta(minutes=1)) == 1
    sent = only_delivery()
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert [a.outcome for a in attempts_of(sent)] == ["failed", "sent"]
    assert len(sms_on.sent) == 1


def test_after_the_last_attempt_a_transient_failure_is_final(app, sms_on, make_member):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    offer(make_member())
    sms_on.fail_next("InternalError.BackendError", times=2)
    delivery.deliver_due(now=MORNING)
    delivery.deliver_due(now=MORNING + timedelta(minutes=1))
    failed = only_delivery()
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert sms_on.sent == []


def test_no_answer_from_the_provider_leaves_it_uncertain_and_never_sent_again(
    app, sms_on, make_member
):
    app.config["TENCENT_SMS_TIMEOUT_S"] = 1
    offer(make_member())
    sms_on.hold()
    delivery.deliver_due(now=MORNING)
    sms_on.release()
    uncertain = only_delivery()
    assert uncertain.status == "uncertain"
    assert [a.outcome for a in attempts_of(uncertain)] == ["unknown"]
    delivery.deliver_due(now=MORNING + timedelta(days=1))
    assert len(sms_on.sent) == 1  # the provider had it: it went once


def test_a_provider_that_cannot_be_reached_is_tried_again(app, make_member):
    with SmsStandIn() as gone:
        config = gone.app_config()
    app.config.update(config)  # its port is closed now
    offer(make_member())
    delivery.deliver_due(now=MORNING)
    waiting = only_delivery()
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.last_error.startswith("ClientNetworkError")


def test_an_sms_due_in_quiet_hours_waits_for_the_morning(sms_on, make_member):
    offer(make_member())
    night = MORNING.replace(hour=22)
    assert delivery.deliver(only_delivery().id, now=night) == "queued"
    waiting = only_delivery()
    assert waiting.due_at == (MORNING + timedelta(days=1)).replace(hour=8)
    assert waiting.attempts == 0 and sms_on.requests == []


def test_a_member_who_turned_sms_off_since_is_not_sent_it(sms_on, make_member):
    member = make_member()
    offer(member)
    notifications.choose(member, OFFERED.key, "sms", False)
    db.session.commit()
    assert delivery.deliver_due(now=MORNING) == 1
    assert only_delivery().status == "skipped"
    assert sms_on.requests == []


def test_digest_deliveries_due_together_go_as_one_message(sms_on, make_member):
    member, other = make_member(), make_member()
    for _ in range(3):
        offer(member)
    offer(other)
    db.session.execute(Delivery.__table__.update().values(digest=True))
    db.session.commit()
    assert delivery.deliver_due(now=MORNING) == 4
    assert sorted((m["phone"], m["template"], m["params"][0]) for m in sms_on.sent) == sorted(
        [("+86" + member.phone, "2301002", "3"), ("+86" + other.phone, "2301002", "1")]
    )
    db.session.expire_all()
    rows = db.session.query(Delivery).all()
    assert {d.status for d in rows} == {"sent"}
    mine = {d.provider_ref for d in rows if d.notification.member_id == member.id}
    assert len(mine) == 1 and mine != {""}


def test_a_digest_sms_also_waits_for_quiet_hours_to_end(sms_on, make_member):
    offer(make_member())
    # A digest time (NOTIFY_DIGEST_AT) inside quiet hours.
    early = MORNING.replace(hour=7)
    db.session.execute(Delivery.__table__.update().values(digest=True, due_at=early))
    db.session.commit()
    assert delivery.deliver_due(now=early) == 0
    assert only_delivery().due_at == MORNING.replace(hour=8)
    assert sms_on.requests == []


def test_a_delivery_not_yet_due_is_left_alone(sms_on, make_member):
    offer(make_member())
    queued = only_delivery()
    assert delivery.deliver(queued.id, now=MORNING - timedelta(minutes=1)) == "queued"
    assert delivery.deliver(queued.id + 1000, now=MORNING) == ""  # no such delivery
    assert only_delivery().attempts == 0 and sms_on.requests == []
    assert delivery.deliver(queued.id, now=MORNING) == "sent"
    assert delivery.deliver(queued.id, now=MORNING) == "sent"  # and only once
    assert len(sms_on.sent) == 1


def test_an_offer_answered_or_past_its_deadline_is_not_sent_by_sms(sms_on, make_member):
    """An offer made at night waits for the morning; if the host accepted it in the inbox
    meanwhile, or its deadline passed, the SMS would only mislead: it is skipped."""
    night = MORNING.replace(hour=23)
    answered = offer(make_member(), now=night)
    notifications.settle("booking:1")
    db.session.commit()
    lapsed = offer(make_member(), now=night, deadline=night + timedelta(hours=1))
    assert delivery.deliver_due(now=(MORNING + timedelta(days=1)).replace(hour=8)) == 2
    db.session.expire_all()
    for notification in (answered, lapsed):
        assert [d.status for d in notification.deliveries] == ["skipped"]
    assert sms_on.sent == []
