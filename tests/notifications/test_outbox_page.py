"""Operators see the outbox: counts per channel and status, what failed or may not have gone
with its reason, logged SMS in full and marked as NOT sent; Retry queues one again. A social
worker sees only their community's members; residents see nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from points.errors import Conflict
from points.extensions import db
from points.notifications import delivery, outbox, quiet
from points.notifications.models import Delivery
from tests.conftest import csrf_token, sign_in
from tests.notifications.conftest import MORNING, offer, only_delivery


def _failed_offer(member, standin):
    offer(member)
    standin.fail_next("FailedOperation.PhoneNumberInBlacklist", "phone number in blacklist")
    delivery.deliver_due(now=MORNING)


def test_a_social_worker_sees_a_failed_sms_with_its_reason_and_sends_it_again(
    client, sms_on, make_member, social_worker
):
    member = make_member(name="王阿姨")
    _failed_offer(member, sms_on)
    sign_in(client, social_worker.phone)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/outbox"' in home  # in the staff menu
    page = client.get("/outbox").get_data(as_text=True)
    assert "王阿姨" in page and "PhoneNumberInBlacklist" in page
    assert "发送失败" in page and member.phone not in page  # the number is masked
    assert member.phone[:3] + "****" + member.phone[-4:] in page
    failed = only_delivery()
    answer = client.post(
        f"/outbox/{failed.id}/retry", data={"csrf_token": csrf_token(client, "/outbox")}
    )
    assert answer.status_code == 302
    again = only_delivery()
    assert (again.status, again.attempts) == ("queued", 0)
    # The worker sends it on its next round (the member was taken off the blacklist); the
    # retry is due at once, out of quiet hours.
    assert delivery.deliver_due(now=quiet.quiet_end(max(again.due_at, MORNING))) == 1
    assert only_delivery().status == "sent" and len(sms_on.sent) == 1


def test_the_counts_show_each_channel_and_status(client, sms_on, make_member, social_worker):
    member = make_member()
    _failed_offer(member, sms_on)  # failed
    offer(member)  # sent
    delivery.deliver_due(now=MORNING)
    offer(member)
    sms_on.fail_next("RequestLimitExceeded")
    delivery.deliver_due(now=MORNING)  # failing, will be tried again
    table = outbox.counts(social_worker, now=MORNING)
    assert table["sms"]["failed"] == 1
    assert table["sms"]["failing"] == 1
    assert table["sms"]["sent_today"] == 1
    assert table["email"] == dict.fromkeys(outbox.BUCKETS, 0)
    sign_in(client, social_worker.phone)
    page = client.get("/outbox").get_data(as_text=True)
    assert "发送未成功，稍后再试" in page


def test_a_logged_sms_is_shown_in_full_and_marked_not_sent(client, make_member, social_worker):
    offer(make_member())
    delivery.deliver_due(now=MORNING)  # no SMS provider configured
    sign_in(client, social_worker.phone)
    page = client.get("/outbox").get_data(as_text=True)
    assert "未发送（未配置短信服务）" in page
    text = re.search(r'<pre class="message-text">(.*?)</pre>', page, re.S).group(1)
    assert text.startswith("您等候的活动室空出来了")


def test_another_communitys_deliveries_are_not_seen_nor_retried(
    client, places, sms_on, make_member, social_worker
):
    elsewhere = make_member(name="赵大爷", community=places[1])
    _failed_offer(elsewhere, sms_on)
    sign_in(client, social_worker.phone)
    page = client.get("/outbox").get_data(as_text=True)
    assert "赵大爷" not in page
    failed = only_delivery()
    client.post(f"/outbox/{failed.id}/retry", data={"csrf_token": csrf_token(client, "/outbox")})
    assert only_delivery().status == "failed"
    admin = make_member("13900000009", role="admin")
    assert [t.member_name for t in outbox.troubles(admin)] == ["赵大爷"]


def test_a_sent_delivery_cannot_be_sent_again(sms_on, make_member, social_worker):
    offer(make_member())
    delivery.deliver_due(now=MORNING)
    sent = only_delivery()
    try:
        outbox.retry(sent.id, social_worker)
    except Conflict as error:
        assert error.key == "notification.not_retryable"
        assert "delivery" in error.errors
    else:
        raise AssertionError("a sent delivery was queued again")


def test_a_retry_at_night_waits_for_the_morning(sms_on, make_member, social_worker):
    _failed_offer(make_member(), sms_on)
    night = MORNING.replace(hour=23)
    outbox.retry(only_delivery().id, social_worker, now=night)
    db.session.commit()
    assert delivery.deliver_due(now=night) == 0
    assert only_delivery().due_at == (MORNING + timedelta(days=1)).replace(hour=8)
    assert delivery.deliver_due(now=(MORNING + timedelta(days=1)).replace(hour=8)) == 1
    assert only_delivery().status == "sent"


def test_residents_may_not_see_the_outbox(client, make_member):
    resident = make_member()
    sign_in(client, resident.phone)
    assert client.get("/outbox").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
