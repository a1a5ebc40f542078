"""The inbox: every notification, what it says and the one thing to do next; and the
member's choice of channels per kind of notification."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from points.notifications import render
from points.notifications import services as notifications
from points.notifications.models import CHANNELS

bp = Blueprint("inbox", __name__)


def target(notification) -> str | None:
    """The URL of the notification's next step, or None when it has none."""
    spec = render.link(notification)
    if spec is None:
        return None
    endpoint, values = spec
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.get("/inbox")
@login_required
def index():
    before = request.args.get("before", type=int)
    items = notifications.inbox(current_user, before=before)
    return render_template(
        "inbox/index.html",
        items=items,
        render=render,
        target=target,
        more=items[-1].id if len(items) == 50 else None,
    )


@bp.post("/inbox/<int:notification_id>/open")
@login_required
def open_item(notification_id: int):
    """Mark it read and go to its next step (the inbox if it has none)."""
    notification = notifications.own(notification_id, current_user)
    notifications.mark_read(notification)
    return redirect(target(notification) or url_for("inbox.index"))


@bp.post("/inbox/read")
@login_required
def read_all():
    count = notifications.mark_all_read(current_user)
    flash(_("%(count)s marked as read.", count=count), "success")
    return redirect(url_for("inbox.index"))


@bp.route("/me/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    choices = notifications.preferences(current_user)
    if request.method == "POST":
        for choice in choices:
            field = f"{choice.kind.key}:{choice.channel}"
            wanted = request.form.get(field) == "on"
            if wanted != choice.wanted and (choice.available or not wanted):
                notifications.choose(current_user, choice.kind.key, choice.channel, wanted)
        flash(_("Saved. We will tell you the way you chose."), "success")
        return redirect(url_for("inbox.preferences"))
    rows: dict[str, dict] = {}
    for choice in choices:
        rows.setdefault(choice.kind.key, {"kind": choice.kind})[choice.channel] = choice
    return render_template(
        "inbox/preferences.html",
        rows=list(rows.values()),
        channels=CHANNELS,
        render=render,
        quiet=notifications.quiet_hours_text(),
    )


def register(app) -> None:
    """The unread count every page shows beside 'Inbox'; codes in notifications named as
    pages name them (levels, booking states)."""
    from points.web.messages import LABELS

    render.LABELS.update(LABELS)

    @app.context_processor
    def _unread():
        if not current_user.is_authenticated:
            return {"unread_count": 0}
        return {"unread_count": notifications.unread_count(current_user)}

