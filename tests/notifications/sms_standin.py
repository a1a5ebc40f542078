"""A local stand-in of Tencent Cloud's SendSms HTTP API (version 2021-01-11), for tests and
the benchmark: a small threaded HTTP server that checks a request as the real one would and
answers in its JSON shape.

It checks the TC3-HMAC-SHA256 Authorization header by recomputing the signature from the
request with the secret it was given (a wrong key is AuthFailure.SignatureFailure), the
action and version headers, the SMS application id, the signature name, the template id and
its number of parameters (it is configured with the template set, as the provider's console
would be) and each phone number's form. It records every message it accepted (`sent`, in the
order received) and every SendSms request (`requests`), answers receipt queries
(PullSmsSendStatusByPhoneNumber) from what it sent unless `receipts` is off, and can be told
to fail the next requests (`fail_next`) or to hold its answers (`hold`, `release`) — a
request held has been received, and counts as sent, as at the real provider.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ACTION, VERSION = "SendSms", "2021-01-11"
PULL = "PullSmsSendStatusByPhoneNumber"  # delivery receipts of one number, by time
PHONE = re.compile(r"^\+861\d{10}$")
AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)

SECRET_ID = "AKIDstandinstandinstandin0000"
SECRET_KEY = "standin-secret-key-0123456789"
APP_ID = "1400000001"
SIGN_NAME = "社区主理人"


def checked_in_templates() -> dict[str, int]:
    """seed/sms_templates.json as the console would hold it: template id → parameters."""
    data = json.loads((ROOT / "seed" / "sms_templates.json").read_text(encoding="utf-8"))
    return {row["id"]: row["params"] for row in data["templates"]}


def template_config() -> str:
    """SMS_TEMPLATES for the checked-in set (kind → id)."""
    data = json.loads((ROOT / "seed" / "sms_templates.json").read_text(encoding="utf-8"))
    return json.dumps({row["kind"]: row["id"] for row in data["templates"]})


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(secret_key: str, *, method: str, path: str, query: str, headers: dict,
                  signed: list[str], payload: bytes, timestamp: int, service: str) -> str:
    """The TC3-HMAC-SHA256 signature of a request, from Tencent Cloud's published algorithm."""
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed)
    canonical = "\n".join(
        [method, path, query, canonical_headers, ";".join(signed),
         hashlib.sha256(payload).hexdigest()]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope,
         hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    key = _hmac(key, service)
    key = _hmac(key, "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class Refusal(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


class SmsStandIn:
    def __init__(
        self,
        *,
        secret_id: str = SECRET_ID,
        secret_key: str = SECRET_KEY,
        app_id: str = APP_ID,
        sign_name: str = SIGN_NAME,
        templates: dict[str, int] | None = None,
    ):
        self.secret_id, self.secret_key = secret_id, secret_key
        self.app_id, self.sign_name = app_id, sign_name
        self.templates = checked_in_templates() if templates is None else dict(templates)
        self.sent: list[dict] = []  # messages accepted: phone, template, params, context
        self.requests: list[dict] = []  # every request: its body and the code answered
        self.latency = 0.0  # seconds each answer takes, as a real provider's would
        self.receipts = True  # whether the carrier has reported on what was sent
        self.pulls: list[dict] = []  # receipt queries (PullSmsSendStatusByPhoneNumber)
        self._failures: deque[tuple[str, str]] = deque()
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ control

    def __enter__(self) -> SmsStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def app_config(self, **over) -> dict:
        """The app's configuration for sending through this stand-in."""
        config = {
            "SMS_PROVIDER": "tencent",
            "TENCENT_SECRET_ID": self.secret_id,
            "TENCENT_SECRET_KEY": self.secret_key,
            "TENCENT_SMS_APP_ID": self.app_id,
            "TENCENT_SMS_SIGN_NAME": self.sign_name,
            "TENCENT_SMS_ENDPOINT": self.endpoint,
            "TENCENT_SMS_SCHEME": "http",
            "SMS_TEMPLATES": template_config(),
        }
        config.update(over)
        return config

    def fail_next(self, code: str, message: str = "scripted failure", times: int = 1) -> None:
        """Answer the next `times` requests with this error (Response.Error), sending nothing:
        e.g. InternalError.Timeout (transient) or FailedOperation.PhoneNumberInBlacklist."""
        for _ in range(times):
            self._failures.append((code, message))

    def hold(self) -> None:
        """Receive (and count as sent) but do not answer until `release`."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        """Wait until `count` requests have arrived."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    # ------------------------------------------------------------------ the API

    def _check(self, method, path, query, headers, payload) -> dict:
        match = AUTH.match(headers.get("authorization", ""))
        if match is None:
            raise Refusal("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
        if match["id"] != self.secret_id:
            raise Refusal("AuthFailure.SecretIdNotFound", "The SecretId is not found")
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            raise Refusal("AuthFailure.InvalidAuthorization", "X-TC-Timestamp missing") from None
        if abs(time.time() - timestamp) > 300:
            raise Refusal("AuthFailure.SignatureExpire", "Signature expired")
        if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != match["date"]:
            raise Refusal("AuthFailure.SignatureFailure", "credential date is not the timestamp's")
        signed = match["signed"].split(";")
        if "host" not in signed or "content-type" not in signed:
            raise Refusal("AuthFailure.SignatureFailure", "host and content-type must be signed")
        expected = tc3_signature(
            self.secret_key, method=method, path=path, query=query, headers=headers,
            signed=signed, payload=payload, timestamp=timestamp, service=match["service"],
        )
        if not hmac.compare_digest(expected, match["signature"]):
            raise Refusal(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature "
                "is correct.",
            )
        if headers.get("x-tc-action") not in (ACTION, PULL):
            raise Refusal("InvalidAction", f"action {headers.get('x-tc-action')!r} not found")
        if headers.get("x-tc-version") != VERSION:
            raise Refusal("NoSuchVersion", f"version {headers.get('x-tc-version')!r} not found")
        if not headers.get("x-tc-region"):
            raise Refusal("InvalidParameter.MissingRegion", "X-TC-Region is missing")
        try:
            body = json.loads(payload)
        except ValueError:
            raise Refusal("InvalidParameter", "body is not JSON") from None
        if body.get("SmsSdkAppId") != self.app_id:
            raise Refusal("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exist.")
        if headers.get("x-tc-action") == PULL:
            return body
        if body.get("SignName") != self.sign_name:
            raise Refusal(
                "FailedOperation.SignatureIncorrectOrUnapproved",
                "signature format is incorrect or signature is not approved.",
            )
        template = body.get("TemplateId")
        if template not in self.templates:
            raise Refusal(
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "template format is incorrect or template is not approved.",
            )
        given = body.get("TemplateParamSet") or []
        if len(given) != self.templates[template]:
            raise Refusal(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                f"the template needs {self.templates[template]} parameters, {len(given)} given",
            )
        if not body.get("PhoneNumberSet"):
            raise Refusal("MissingParameter.EmptyPhoneNumberSet", "PhoneNumberSet is empty")
        return body

    def _answer(self, method, path, query, headers, payload) -> dict:
        request_id = str(uuid.uuid4())
        record: dict = {"headers": headers, "body": payload.decode("utf-8", "replace")}
        try:
            body = self._check(method, path, query, headers, payload)
            if headers.get("x-tc-action") == PULL:
                return self._receipts(body, request_id)
            if self._failures:
                raise Refusal(*self._failures.popleft())
        except Refusal as refusal:
            record["code"] = refusal.code
            self._arrive(record)
            error = {"Code": refusal.code, "Message": refusal.message}
            return {"Response": {"Error": error, "RequestId": request_id}}
        statuses = []
        for phone in body["PhoneNumberSet"]:
            if not PHONE.match(phone):
                statuses.append(
                    {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "IsoCode": "",
                     "SessionContext": body.get("SessionContext", ""),
                     "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                     "Message": "incorrect phone number"}
                )
                continue
            serial = f"2433:{uuid.uuid4().int % 10**20}"
            statuses.append(
                {"SerialNo": serial, "PhoneNumber": phone, "Fee": 1, "IsoCode": "CN",
                 "SessionContext": body.get("SessionContext", ""), "Code": "Ok",
                 "Message": "send success"}
            )
            with self._lock:
                self.sent.append(
                    {"phone": phone, "template": body["TemplateId"],
                     "params": list(body.get("TemplateParamSet") or []),
                     "context": body.get("SessionContext", ""), "serial": serial,
                     "at": time.time()}
                )
        record["code"] = statuses[0]["Code"]
        self._arrive(record)
        return {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}

    def _receipts(self, body: dict, request_id: str) -> dict:
        """PullSmsSendStatusByPhoneNumber: the receipts of messages sent to one number between
        BeginTime and EndTime — none at all while `receipts` is off (the carrier has not
        reported yet)."""
        self.pulls.append(body)
        found = []
        for message in list(self.sent) if self.receipts else []:
            if message["phone"] != body.get("PhoneNumber"):
                continue
            if not body.get("BeginTime", 0) <= message["at"] <= body.get("EndTime", 2**40):
                continue
            found.append(
                {"UserReceiveTime": time.strftime("%Y-%m-%d %H:%M:%S"), "CountryCode": "86",
                 "SubscriberNumber": message["phone"][3:], "PhoneNumber": message["phone"],
                 "SerialNo": message["serial"], "ReportStatus": "SUCCESS",
                 "Description": "DELIVRD", "SessionContext": message["context"]}
            )
        offset, limit = int(body.get("Offset", 0)), int(body.get("Limit", 100))
        page = found[offset : offset + limit]
        return {"Response": {"PullSmsSendStatusSet": page, "RequestId": request_id}}

    def _arrive(self, record: dict) -> None:
        with self._arrived:
            self.requests.append(record)
            self._arrived.notify_all()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                payload = self.rfile.read(length)
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = standin._answer("POST", path, query, headers, payload)
                standin._open.wait(timeout=60)
                if standin.latency:
                    time.sleep(standin.latency)
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client went away while we held the answer
                    pass

            def log_message(self, *args):  # quiet
                pass

        return Handler
