"""The outbox page for staff: what the worker sent, what is failing, what may or may not
have gone (uncertain) and what was only logged because no provider is configured; a Retry
button queues one of those again."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from points.notifications import outbox, render, sms
from points.notifications.models import CHANNELS
from points.web.forms import attempt
from points.web.staff import staff_required

bp = Blueprint("outbox", __name__)


def masked(address: str) -> str:
    """A phone or email address with its middle hidden (138****0001, w***@example.org)."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return address[:3] + "****" + address[-4:] if len(address) > 7 else address


def text_of(trouble: outbox.Trouble) -> str:
    """The message as the member would read it, in their language."""
    notification = trouble.notification
    with render.in_locale(notification.locale):
        if trouble.delivery.channel == "sms":
            return sms.text_of(notification.kind, render.sms_values(notification)) or render.body(
                notification
            )
        return f"{render.title(notification)}\n{render.body(notification)}"


@bp.get("/outbox")
@staff_required
def index():
    return render_template(
        "outbox/index.html",
        counts=outbox.counts(current_user),
        buckets=outbox.BUCKETS,
        channels=CHANNELS,
        troubles=outbox.troubles(current_user),
        retryable=outbox.RETRYABLE,
        render=render,
        masked=masked,
        text_of=text_of,
    )


@bp.post("/outbox/<int:delivery_id>/retry")
@staff_required
def retry(delivery_id: int):
    attempt(
        lambda: outbox.retry(delivery_id, current_user),
        _("Queued to be sent again. SMS wait for quiet hours to end."),
    )
    return redirect(url_for("outbox.index"))
