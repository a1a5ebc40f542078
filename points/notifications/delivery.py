"""Sending the outbox: the worker's core. `deliver_due` sends every queued delivery whose time
has come, `deliver` one of them; the worker process (`flask --app points notifications
deliver --loop`) calls them. They run outside any request, so each commits its own short
transactions (the one place in the services that does; tests/test_boundary.py knows).

At most once per channel. Each delivery goes through three steps:

1. claim — one transaction moves it queued → sending with a compare-and-set
   (UPDATE … WHERE status = 'queued'), counts the attempt and writes a `DeliveryAttempt`
   with no outcome yet, renders the message, and commits. Of two workers, only one claims;
   the other sees it taken and leaves it. On PostgreSQL the next due row is picked with
   FOR UPDATE SKIP LOCKED, so workers do not queue behind each other's claim.
2. send — the provider is called outside any transaction.
3. record — one transaction writes what the provider said: sent (provider_ref, sent_at);
   refused for good → failed; a transient failure → queued again, due after a backoff
   (NOTIFY_BACKOFF_MINUTES), failed after NOTIFY_MAX_ATTEMPTS; no answer at all (a timeout
   once the request may have reached the provider) → `uncertain`.

A worker that dies between 1 and 3 leaves its delivery in `sending`. Once that claim is older
than NOTIFY_CLAIM_TIMEOUT_S, the next run settles it: an SMS whose delivery receipt the
provider has (looked up by SessionContext, the delivery's id) is `sent`; anything else is
marked `uncertain` and its attempt `crashed`: the message may or may not have gone, and
sending it again could make it two, so it is never sent again by itself. (No receipt proves
nothing: receipts come after the carrier's report.) An operator who has checked (with the
member, in the provider's console) sends it again from the outbox page
(`points/notifications/outbox.py: retry`).

At send time, too: an SMS is not sent in quiet hours (an operator's retry at night waits for
the morning); a channel the member turned off since the notification was written is
`skipped`; low-priority deliveries (digest) due together for one member on one channel go as
one message (DIGEST: "you have N new messages") and are all marked with its provider_ref.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from werkzeug.routing import BuildError

from points.database import utcnow
from points.extensions import db
from points.notifications import email, quiet, render, sms
from points.notifications import services as notifications
from points.notifications.kinds import KINDS
from points.notifications.messages import DIGEST
from points.notifications.models import Delivery, DeliveryAttempt, Notification
from points.notifications.models import NotificationPreference as Preference
from points.notifications.results import SendResult

log = logging.getLogger("points.notifications")

STALE_REASON = (
    "the worker stopped while sending (no answer recorded within the claim timeout): it may "
    "or may not have gone, so it is not sent again by itself"
)
FINISHED = ("sent", "logged", "failed", "uncertain", "skipped")


@dataclass
class Message:
    """What one claim sends: the channel's rendered message and the rows it settles."""

    channel: str
    address: str
    kind: str
    claims: list[tuple[int, int, int]] = field(default_factory=list)  # delivery, tries, attempt
    template_id: str | None = None  # SMS
    params: list[str] = field(default_factory=list)  # SMS
    subject: str = ""  # email
    text: str = ""  # the SMS as the phone shows it, or the email's body
    refused: str = ""  # a reason known before sending (no template configured for the kind)

    @property
    def delivery_id(self) -> int:
        return self.claims[0][0]


# ---------------------------------------------------------------------------- public


def deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """Send queued deliveries whose time has come (at most `limit` claims); settle claims left
    by dead workers. Returns how many deliveries it finished: sent, logged, failed,
    uncertain, skipped, tried and put back for a later retry, or settled after a dead
    worker's claim."""
    finished = settle_stale(now)
    claims = 0
    while claims < limit:
        at = now or utcnow()
        outcome = _claim(at)
        if outcome is None:
            break
        if isinstance(outcome, Message):
            claims += 1
            finished += _send_and_record(outcome, at)
        elif outcome in FINISHED:
            finished += 1
    return finished


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery if it is queued and due (else leave it alone); its status after."""
    at = now or utcnow()
    outcome = _claim(at, delivery_id)
    if isinstance(outcome, Message):
        _send_and_record(outcome, at)
    with _transaction():
        status = db.session.scalar(sa.select(Delivery.status).where(Delivery.id == delivery_id))
    return status or ""


def settle_stale(now: datetime | None = None) -> int:
    """Claims older than NOTIFY_CLAIM_TIMEOUT_S belong to workers that died mid-send. For an
    SMS the provider's delivery receipts are asked first (by SessionContext): a receipt
    settles it as sent (or failed on the carrier's side). Without one, the delivery becomes
    `uncertain` and its open attempt `crashed` — never sent again by itself. Returns how
    many it settled."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["NOTIFY_CLAIM_TIMEOUT_S"])
    with _transaction():
        stale = db.session.execute(
            sa.select(
                Delivery.id, Delivery.claimed_at, Delivery.channel, Delivery.address,
                Delivery.digest,
            )
            .where(Delivery.status == "sending", Delivery.claimed_at < cutoff)
            .order_by(Delivery.id)
        ).all()
    # A digest went as one message under its first delivery's id: ask once for the group.
    claims: dict[tuple, list[int]] = {}
    for delivery_id, claimed_at, channel, address, digest in stale:
        key = (claimed_at, channel, address) if digest else (delivery_id,)
        claims.setdefault(key, []).append(delivery_id)
    settled = 0
    for ids in claims.values():
        first = next(row for row in stale if row[0] == ids[0])
        _, claimed_at, channel, address, _ = first
        found = None
        if channel == "sms":
            since = claimed_at - timedelta(minutes=1)
            found = sms.receipt(address, str(ids[0]), since, now)  # outside a transaction
        settled += _settle(ids, claimed_at, found, now)
    return settled


def _settle(ids: list[int], claimed_at: datetime, found: SendResult | None, now) -> int:
    if found is None:
        values: dict = {"status": "uncertain", "last_error": STALE_REASON}
        outcome, reason = "crashed", STALE_REASON
    elif found.ok:
        values = {"status": "sent", "sent_at": claimed_at, "provider_ref": found.provider_ref,
                  "last_error": ""}
        outcome, reason = "sent", f"the worker stopped; settled by the provider's {found.reason}"
    else:
        values = {"status": "failed", "provider_ref": found.provider_ref,
                  "last_error": found.reason[:500]}
        outcome, reason = "refused", f"the worker stopped; settled by the provider's {found.reason}"
    settled = 0
    with _transaction():
        for delivery_id in ids:
            changed = db.session.execute(
                sa.update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.status == "sending",
                    Delivery.claimed_at == claimed_at,
                )
                .values(**values)
            ).rowcount
            if not changed:
                continue  # its worker answered after all, or another settled it
            settled += 1
            db.session.execute(
                sa.update(DeliveryAttempt)
                .where(
                    DeliveryAttempt.delivery_id == delivery_id,
                    DeliveryAttempt.outcome.is_(None),
                )
                .values(outcome=outcome, finished_at=now, reason=reason[:500])
            )
            log.warning("delivery %s: %s", delivery_id, reason)
    return settled


# ---------------------------------------------------------------------------- the steps


@contextmanager
def _transaction() -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _claim(now: datetime, delivery_id: int | None = None) -> Message | str | None:
    """Step 1, in a transaction of its own. Returns the Message claimed; or what became of
    a delivery not sent now ("skipped", "queued" till quiet hours end, "taken" by another
    worker); or None when there is nothing due (or `delivery_id` is not queued and due)."""
    with _transaction():
        query = sa.select(Delivery).where(Delivery.status == "queued", Delivery.due_at <= now)
        if delivery_id is not None:
            query = query.where(Delivery.id == delivery_id)
        query = query.order_by(Delivery.due_at, Delivery.id).limit(1)
        if _on_postgresql():
            query = query.with_for_update(skip_locked=True)
        delivery = db.session.scalars(query).first()
        if delivery is None:
            return None
        notification = delivery.notification
        kind = KINDS.get(notification.kind)
        if kind is None or not _still_wanted(notification, delivery.channel):
            why = "turned off by the member since" if kind else "no such kind any more"
            _set(delivery, status="skipped", last_error=why)
            return "skipped"
        if not delivery.digest and notifications.moot(notification, now):
            _set(delivery, status="skipped", last_error="answered, or its deadline passed")
            return "skipped"
        if delivery.channel == "sms" and (kind.quiet or delivery.digest) and quiet.is_quiet(now):
            _set(delivery, due_at=quiet.quiet_end(now))
            return "queued"
        group = _digest_group(delivery, now) if delivery.digest else [delivery]
        claimed = db.session.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_([d.id for d in group]), Delivery.status == "queued")
            .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
            .returning(Delivery.id, Delivery.attempts)
        ).all()
        if not claimed:
            return "taken"  # another worker claimed it between our read and our write
        message = _render([d for d in group if d.id in {i for i, _ in claimed}])
        for delivery_id_, attempts in sorted(claimed):
            attempt_id = db.session.scalar(
                sa.insert(DeliveryAttempt)
                .values(delivery_id=delivery_id_, started_at=now, reason="")
                .returning(DeliveryAttempt.id)
            )
            message.claims.append((delivery_id_, attempts, attempt_id))
    return message


def _set(delivery: Delivery, **values) -> None:
    """A change to a queued delivery, only if it is still queued (compare-and-set)."""
    db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.status == "queued")
        .values(**values)
    )


def _still_wanted(notification: Notification, channel: str) -> bool:
    kind = KINDS[notification.kind]
    choice = db.session.get(Preference, (notification.member_id, notification.kind, channel))
    return choice.wanted if choice is not None else channel in kind.default_channels()


def _digest_group(first: Delivery, now: datetime) -> list[Delivery]:
    """Every digest delivery due now for the same member on the same channel and still
    wanted; the others are skipped."""
    query = (
        sa.select(Delivery)
        .join(Notification)
        .where(
            Delivery.digest.is_(True),
            Delivery.status == "queued",
            Delivery.due_at <= now,
            Delivery.channel == first.channel,
            Notification.member_id == first.notification.member_id,
        )
        .order_by(Delivery.id)
    )
    if _on_postgresql():
        query = query.with_for_update(of=Delivery, skip_locked=True)
    group = []
    for delivery in db.session.scalars(query):
        if delivery.id == first.id or _still_wanted(delivery.notification, delivery.channel):
            group.append(delivery)
        else:
            _set(delivery, status="skipped", last_error="turned off by the member since")
    return group


def _render(group: list[Delivery]) -> Message:
    """The message for a claimed delivery (or a digest's group), in the member's language."""
    first = group[0]
    notification = first.notification
    if first.digest:
        latest = max((d.notification for d in group), key=lambda n: n.id)
        shown = SimpleNamespace(kind=DIGEST.key, params={"count": len(group)}, locale=latest.locale)
    else:
        shown = notification
    message = Message(channel=first.channel, address=first.address, kind=shown.kind)
    with render.in_locale(shown.locale):
        if first.channel == "sms":
            message.params = render.sms_values(shown)
            names = KINDS[shown.kind].sms if shown.kind in KINDS else ()
            if "link" in names:  # the page to answer on, whole, for the phone to open
                message.params[names.index("link")] = absolute_link(shown) or ""
            message.text = sms.text_of(shown.kind, message.params) or render.body(shown)
            message.template_id = sms.template_ids().get(shown.kind)
            if message.template_id is None and sms.configured():
                message.refused = (
                    f"no SMS template configured for the kind {shown.kind!r}: add its "
                    "approved template's id to SMS_TEMPLATES"
                )
        else:
            message.subject = render.title(shown)
            message.text = render.body(shown)
            url = absolute_link(shown)
            if url:
                message.text += "\n\n" + url
    return message


def absolute_link(notification) -> str | None:
    """The next step's address, whole (PUBLIC_BASE_URL + path), built without a request:
    the URL map is bound to a placeholder host and only the path is used."""
    spec = render.link(notification)
    if spec is None:
        return None
    endpoint, values = spec
    try:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        return None
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _send_and_record(message: Message, now: datetime) -> int:
    """Steps 2 and 3. Returns how many deliveries it settled."""
    result = _send(message)
    _record(message, result, now)
    return len(message.claims)


def _send(message: Message) -> SendResult:
    """Step 2: outside any transaction (the claim is committed)."""
    if message.refused:
        return SendResult(ok=False, reason=message.refused, permanent=True)
    try:
        if message.channel == "sms":
            return sms.send(
                message.address,
                message.template_id or "",
                message.params,
                session_context=str(message.delivery_id),
                text=message.text,
            )
        return email.send(
            message.address, message.subject, message.text, reference=str(message.delivery_id)
        )
    except Exception as error:  # a bug of ours mid-send: whether it went is not known
        log.exception("delivery %s crashed while sending", message.delivery_id)
        return SendResult(ok=False, reason=f"crashed while sending: {error!r}", unknown=True)


def _backoff(attempts: int) -> timedelta:
    steps = [int(m) for m in current_app.config["NOTIFY_BACKOFF_MINUTES"].split(",") if m.strip()]
    return timedelta(minutes=steps[min(attempts, len(steps)) - 1] if steps else 1)


def _record(message: Message, result: SendResult, now: datetime) -> None:
    """Step 3. Only this claim's rows change (no attempt was made since ours: an operator's
    retry starts a new one); a delivery marked uncertain meanwhile gets the truth when it
    arrives late."""
    most = current_app.config["NOTIFY_MAX_ATTEMPTS"]
    with _transaction():
        for delivery_id, attempts, attempt_id in message.claims:
            values: dict = {"last_error": result.reason[:500]}
            if result.ok:
                outcome = "logged" if result.logged else "sent"
                values.update(status=outcome, provider_ref=result.provider_ref[:100])
                if not result.logged:
                    values.update(sent_at=now, last_error="")
            elif result.unknown:
                outcome = "unknown"
                values.update(status="uncertain")
            elif result.permanent:
                outcome = "refused"
                values.update(status="failed")
            else:
                outcome = "failed"
                if attempts >= most:
                    values.update(status="failed")
                else:
                    values.update(status="queued", due_at=now + _backoff(attempts))
            later = sa.exists().where(
                DeliveryAttempt.delivery_id == delivery_id, DeliveryAttempt.id > attempt_id
            )
            db.session.execute(
                sa.update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.status.in_(("sending", "uncertain")),
                    ~later,
                )
                .values(**values)
            )
            db.session.execute(
                sa.update(DeliveryAttempt)
                .where(DeliveryAttempt.id == attempt_id)
                .values(outcome=outcome, reason=result.reason[:500], finished_at=now)
            )
