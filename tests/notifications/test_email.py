"""Email over SMTP (a real local SMTP server, aiosmtpd): a member who chose email gets the
notification's title as the subject and its body with the next step's whole address, in
their language; a refused address fails for good, a busy server is tried again; no server
configured means logged, NOT sent."""

from __future__ import annotations

import email
import logging
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from points.extensions import db
from points.notifications import delivery
from points.notifications import services as notifications
from points.spaces.messages import OFFERED
from tests.notifications.conftest import MORNING, attempts_of, offer, only_delivery


class Mailbox:
    """An SMTP server's handler: keeps what it accepts; `refuse` answers RCPT with a code."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(app):
    box = Mailbox()
    port = _free_port()
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="社区 <noreply@example.org>"
    )
    yield box
    server.stop()


def _by_email(make_member, locale=None):
    member = make_member(role="social_worker")
    member.email = "worker@example.org"
    member.locale = locale
    db.session.commit()
    notifications.choose(member, OFFERED.key, "email", True)
    notifications.choose(member, OFFERED.key, "sms", False)
    db.session.commit()
    return member


def test_a_member_who_chose_email_gets_the_title_body_and_whole_link(mailbox, make_member):
    offer(_by_email(make_member))
    assert delivery.deliver_due(now=MORNING) == 1
    (message,) = mailbox.received
    assert message["To"] == "worker@example.org"
    assert message["Subject"] == "活动室 有空位留给您"
    body = message.get_content()
    assert "活动室" in body
    assert "http://localhost:5000/me/bookings" in body
    sent = only_delivery("email")
    assert sent.status == "sent" and sent.provider_ref == message["Message-ID"]
    assert f"delivery-{sent.id}" in message["Message-ID"]


def test_an_english_speaking_member_gets_the_email_in_english(app, mailbox, make_member):
    app.config["PUBLIC_BASE_URL"] = "https://points.example.org/"
    member = _by_email(make_member, locale="en")
    offer(member)
    delivery.deliver_due(now=MORNING)
    (message,) = mailbox.received
    assert message["Subject"] == "Activity room is free for you"
    assert "https://points.example.org/me/bookings" in message.get_content()


def test_an_address_the_server_refuses_fails_for_good(mailbox, make_member):
    mailbox.refuse = "550 5.1.1 no such mailbox"
    offer(_by_email(make_member))
    delivery.deliver_due(now=MORNING)
    failed = only_delivery("email")
    assert failed.status == "failed" and "550" in failed.last_error
    assert [a.outcome for a in attempts_of(failed)] == ["refused"]


def test_a_busy_mail_server_is_tried_again(mailbox, make_member):
    mailbox.refuse = "451 4.3.0 try again later"
    offer(_by_email(make_member))
    delivery.deliver_due(now=MORNING)
    waiting = only_delivery("email")
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    mailbox.refuse = None
    delivery.deliver_due(now=waiting.due_at)
    assert only_delivery("email").status == "sent"
    assert len(mailbox.received) == 1


def test_without_a_mail_server_the_email_is_logged_not_sent(make_member, caplog):
    offer(_by_email(make_member))
    with caplog.at_level(logging.INFO, logger="points.notifications"):
        delivery.deliver_due(now=MORNING)
    logged = only_delivery("email")
    assert (logged.status, logged.sent_at) == ("logged", None)
    assert "EMAIL NOT SENT" in caplog.text and "/me/bookings" in caplog.text
