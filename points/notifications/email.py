"""Email over SMTP, for staff and merchants: the standard library's smtplib and
email.message.EmailMessage (well kept, part of Python: no extra dependency).

`send(to_address, subject, text, *, reference)` returns a SendResult (results.py). Without
MAIL_SERVER nothing is sent: the message goes to the app log, `logged`. An SMTP error the
server gave before it took the message (connection, sign-in, a 4xx) is worth another try, a
5xx refusal is for good; a connection lost while the message was being handed over may have
delivered it, so it is `unknown`.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

from points.notifications.results import SendResult

log = logging.getLogger("points.notifications")


def configured() -> bool:
    return bool(current_app.config["MAIL_SERVER"])


def compose(to_address: str, subject: str, text: str, *, reference: str) -> EmailMessage:
    config = current_app.config
    sender = config["MAIL_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # The delivery's id in the Message-ID ties a bounce or a complaint back to the outbox.
    message["Message-ID"] = make_msgid(idstring=f"delivery-{reference}", domain=domain)
    message.set_content(text)
    return message


def send(to_address: str, subject: str, text: str, *, reference: str) -> SendResult:
    """Send one plain-text email; never raises for what the server or the network did."""
    message = compose(to_address, subject, text, reference=reference)
    if not configured():
        log.info(
            "EMAIL NOT SENT (no mail server configured) to %s [%s]: %s\n%s",
            to_address,
            reference,
            subject,
            text,
        )
        return SendResult(ok=True, logged=True, reason="no mail server configured")
    config = current_app.config
    opener = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        server = opener(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_S"]
        )
    except (OSError, smtplib.SMTPException) as error:
        return SendResult(ok=False, reason=f"cannot connect: {error!r}"[:500])
    try:
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                server.starttls()
            if config["MAIL_USERNAME"]:
                server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except smtplib.SMTPAuthenticationError as error:
            return SendResult(ok=False, reason=_said(error), permanent=True)
        except (OSError, smtplib.SMTPException) as error:
            return SendResult(ok=False, reason=f"before sending: {error!r}"[:500])
        try:
            server.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            reason = "; ".join(f"{a}: {c} {m!r}" for a, (c, m) in error.recipients.items())
            return SendResult(ok=False, reason=reason[:500], permanent=min(codes) >= 500)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            return SendResult(ok=False, reason=_said(error), permanent=error.smtp_code >= 500)
        except (OSError, smtplib.SMTPException) as error:
            return SendResult(ok=False, reason=f"while sending: {error!r}"[:500], unknown=True)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return SendResult(ok=True, provider_ref=message["Message-ID"])


def _said(error: smtplib.SMTPResponseException) -> str:
    said = error.smtp_error
    said = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
    return f"{error.smtp_code} {said}"[:500]
