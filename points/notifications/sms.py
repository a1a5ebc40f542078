"""SMS: one small interface, `send(to_phone, template_id, params, *, session_context)`, in
front of Tencent Cloud SMS (SendSms, API version 2021-01-11, through its official SDK).

Chinese SMS providers send only templates approved beforehand, filled with parameters: the
kind's `sms` names them in order (points/notifications/kinds.py), SMS_TEMPLATES maps each
kind's key (and "digest") to the approved template's id, and seed/sms_templates.json keeps
each template's text as submitted for approval, with its number of parameters (a test checks
that every kind has one that fits).

Unconfigured (SMS_PROVIDER ""), nothing is sent: the message is written to the app log and the
result says `logged`, which the outbox page shows as NOT sent.

What a result means for sending again: points/notifications/results.py. The provider's
error codes in TRANSIENT are worth another try; the others are refused for good. A network
error is `unknown` unless it shows the request never left (NEVER_CONNECTED).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import current_app

from points.notifications.results import SendResult

log = logging.getLogger("points.notifications")

TEMPLATE_FILE = Path(__file__).resolve().parent.parent.parent / "seed" / "sms_templates.json"
PHONE = re.compile(r"^\+861\d{10}$")

# Provider error codes (or their family) worth trying again: nothing was sent.
TRANSIENT = (
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded",
    "ResourceUnavailable",
    "ServerNetworkError",
    "FailedOperation.InsufficientBalanceInSmsPackage",
)
# The SDK's ClientNetworkError carries the HTTP library's message: these say the request
# never left (no connection), so trying again cannot send twice. Anything else (a read
# timeout, a connection cut while waiting) may have reached the provider.
NEVER_CONNECTED = (
    "NewConnectionError",
    "Connection refused",
    "ConnectTimeout",
    "NameResolutionError",
    "Name or service not known",
)


def configured() -> bool:
    return current_app.config["SMS_PROVIDER"] == "tencent"


def phone_number(address: str) -> str:
    """A mainland number as the provider wants it: +86 and the 11 digits."""
    digits = address.strip().replace(" ", "")
    if digits.startswith("+"):
        return digits
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return "+86" + digits


def template_ids() -> dict[str, str]:
    """SMS_TEMPLATES: kind key (or "digest") → the approved template's id."""
    value = current_app.config["SMS_TEMPLATES"]
    chosen = json.loads(value) if isinstance(value, str) else dict(value)
    return {str(k): str(v) for k, v in chosen.items()}


@cache
def templates() -> dict[str, dict]:
    """The checked-in templates, by kind key: {"id", "kind", "text", "params"}."""
    rows = json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))["templates"]
    return {row["kind"]: row for row in rows}


def text_of(kind_key: str, params: list[str]) -> str | None:
    """The SMS as the phone would show it (the checked-in template filled), or None."""
    template = templates().get(kind_key)
    if template is None:
        return None
    text = template["text"]
    for n, value in enumerate(params, start=1):
        text = text.replace(f"{{{n}}}", value)
    return text


def send(
    to_phone: str,
    template_id: str,
    params: list[str],
    *,
    session_context: str,
    text: str = "",
) -> SendResult:
    """Send one templated SMS; never raises for what the provider or the network did.
    `text` (the message as the phone would show it) is what the log gets when unconfigured."""
    to_phone = phone_number(to_phone)
    if not configured():
        log.info(
            "SMS NOT SENT (no SMS provider configured) to %s [%s]: %s",
            to_phone,
            session_context,
            text or params,
        )
        return SendResult(ok=True, logged=True, reason="no SMS provider configured")
    return _send_tencent(to_phone, template_id, params, session_context)


def _client():
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import sms_client

    config = current_app.config
    http = HttpProfile(
        protocol=config["TENCENT_SMS_SCHEME"],
        endpoint=config["TENCENT_SMS_ENDPOINT"],
        reqTimeout=config["TENCENT_SMS_TIMEOUT_S"],
    )
    # No retryer: the SDK never sends a request twice by itself (at most once, see above).
    profile = ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http)
    secret = credential.Credential(config["TENCENT_SECRET_ID"], config["TENCENT_SECRET_KEY"])
    return sms_client.SmsClient(secret, config["TENCENT_SMS_REGION"], profile)


def _send_tencent(to_phone, template_id, params, session_context) -> SendResult:
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.sms.v20210111 import models

    config = current_app.config
    request = models.SendSmsRequest()
    request.PhoneNumberSet = [to_phone]
    request.SmsSdkAppId = config["TENCENT_SMS_APP_ID"]
    request.SignName = config["TENCENT_SMS_SIGN_NAME"]
    request.TemplateId = str(template_id)
    request.TemplateParamSet = [str(p) for p in params]
    request.SessionContext = session_context
    try:
        response = _client().SendSms(request)
    except TencentCloudSDKException as error:
        code, message = error.get_code() or "", error.get_message() or ""
        reason = f"{code}: {message}"[:500]
        if code == "ClientNetworkError":
            if any(sign in message for sign in NEVER_CONNECTED):
                return SendResult(ok=False, reason=reason)
            return SendResult(ok=False, reason=reason, unknown=True)
        return SendResult(ok=False, reason=reason, permanent=not _transient(code))
    statuses = response.SendStatusSet or []
    if not statuses:
        return SendResult(ok=False, reason="no send status in the answer", unknown=True)
    status = statuses[0]
    if status.Code == "Ok":
        return SendResult(ok=True, provider_ref=status.SerialNo or response.RequestId or "")
    reason = f"{status.Code}: {status.Message}"[:500]
    return SendResult(ok=False, reason=reason, permanent=not _transient(status.Code))


def _transient(code: str) -> bool:
    return any(code == t or code.startswith(t + ".") for t in TRANSIENT)


def receipt(
    to_phone: str, session_context: str, since: datetime, until: datetime
) -> SendResult | None:
    """What the provider's delivery receipts say of a message we may have sent (by its
    SessionContext, to this number, between `since` and `until`): sent, or failed on the
    carrier's side; None when there is no receipt (yet) or nobody to ask — which proves
    nothing: receipts come after the carrier's report, minutes later at times.
    Tencent's PullSmsSendStatusByPhoneNumber only reads receipts (it does not consume them)."""
    if not configured():
        return None
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.sms.v20210111 import models

    request = models.PullSmsSendStatusByPhoneNumberRequest()
    request.PhoneNumber = phone_number(to_phone)
    request.SmsSdkAppId = current_app.config["TENCENT_SMS_APP_ID"]
    request.BeginTime = int(since.timestamp())
    request.EndTime = int(until.timestamp()) + 1
    request.Offset = 0
    request.Limit = 100
    try:
        response = _client().PullSmsSendStatusByPhoneNumber(request)
    except TencentCloudSDKException as error:
        log.warning("receipts for %s could not be read: %s", session_context, error)
        return None
    for status in response.PullSmsSendStatusSet or []:
        if status.SessionContext != session_context:
            continue
        said = f"delivery receipt: {status.ReportStatus} {status.Description or ''}".strip()
        if status.ReportStatus == "SUCCESS":
            return SendResult(ok=True, provider_ref=status.SerialNo or "", reason=said)
        return SendResult(ok=False, provider_ref=status.SerialNo or "", reason=said, permanent=True)
    return None
