"""What the notification services refuse, and the kinds they define themselves."""

from __future__ import annotations

from points.errors import N_, Text
from points.notifications.kinds import DIGEST_TITLE, Kind

NOT_FOUND = Text("notification.not_found", "no such notification", N_("No such message."))
UNKNOWN_KIND = Text(
    "notification.unknown_kind",
    "{kind} is not a kind of notification",
    N_("%(kind)s is not a kind of message."),
)
UNKNOWN_CHANNEL = Text(
    "notification.unknown_channel",
    "{channel} is not a channel (sms, email)",
    N_("%(channel)s is not a way to be told (SMS, email)."),
)
NO_EMAIL = Text(
    "notification.no_email",
    "add an email address to your profile first",
    N_("Add an email address to your profile first."),
)
NO_SUCH_DELIVERY = Text(
    "notification.no_such_delivery",
    "no such delivery",
    N_("No such message in the outbox."),
)
NOT_RETRYABLE = Text(
    "notification.not_retryable",
    "only failed, uncertain or unsent deliveries can be sent again",
    N_("Only failed, uncertain or unsent messages can be sent again."),
)
OUTBOX_STAFF_ONLY = Text(
    "notification.outbox_staff_only",
    "only social workers and admins see the outbox",
    N_("Only social workers and admins see the outbox."),
)

# The daily digest: low-priority notifications a member chose SMS or email for, gathered
# into one message (points/notifications/delivery.py). Not an inbox item itself: the items
# it counts are there already.
DIGEST = Kind(
    "digest",
    N_("Daily digest"),
    DIGEST_TITLE,
    N_("Open your messages to read them."),
    link=("inbox.index", {}),
    priority="low",
    sms=("count",),
    inbox=False,
)
