"""What a notification can say: one `Kind` per event, defined by the domain that causes it
(in its `messages.py`, beside its error texts), registered here by key.

A kind's `name` (what the member chooses channels for), `title` and `body` are translation
keys with %-style parameters, shown in the member's language when the inbox, an SMS or an
email is rendered (never stored translated).
`link` names the page of the one thing to do next: an endpoint and which parameters fill its
URL. `priority` sets the default channels and how the outside channels treat it:

- urgent: an answer is needed soon (an offer, a deadline): SMS by default, even at night it
  waits only for quiet hours to end;
- normal: the inbox by default; SMS or email when the member asks for them;
- low: the inbox; on SMS or email gathered into one daily digest.

`sms` lists the parameters an SMS template takes, in order (Chinese SMS providers send only
templates approved beforehand, filled with parameters; see points/notifications/sms.py).
`required` names channels the member's preferences cannot turn off (a sign-in code goes by
SMS or nowhere).
"""

from __future__ import annotations

from points.errors import N_

PRIORITIES = ("urgent", "normal", "low")

KINDS: dict[str, Kind] = {}


class Kind:
    __slots__ = ("key", "name", "title", "body", "link", "priority", "answer", "deadline", "sms",
                 "labels", "quiet", "inbox", "email_default", "staff", "required")

    def __init__(
        self,
        key: str,
        name: str,
        title: str,
        body: str,
        *,
        link: tuple[str, dict[str, str]] | None = None,
        priority: str = "normal",
        answer: bool = False,
        deadline: str | None = None,
        sms: tuple[str, ...] = (),
        labels: dict[str, str] | None = None,
        quiet: bool = True,
        inbox: bool = True,
        email_default: bool = False,
        staff: bool = False,
        required: tuple[str, ...] = (),
    ):
        if key in KINDS:
            raise ValueError(f"notification kind {key!r} is defined twice")
        if priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}")
        self.key = key
        self.name = name  # what the member chooses channels for ("Waitlist offers")
        self.title = title
        self.body = body
        self.link = link
        self.priority = priority
        self.answer = answer  # it asks for an answer: home leads with it until settled
        self.deadline = deadline  # the parameter holding the answer's deadline, if any
        self.sms = sms
        self.labels = dict(labels or {})
        self.quiet = quiet  # False: sent at once even in quiet hours (a code just asked for)
        self.inbox = inbox  # False: not kept in the inbox (a sign-in code)
        self.email_default = email_default  # staff and merchants' kinds: email when they have one
        self.staff = staff  # told only to staff: only they choose its channels
        self.required = tuple(required)  # always on these channels, whatever the member chose
        KINDS[key] = self

    def default_channels(self) -> frozenset[str]:
        chosen = {"sms"} if self.priority == "urgent" else set()
        if self.email_default:
            chosen.add("email")
        return frozenset(chosen | set(self.required))

    def __repr__(self) -> str:
        return f"Kind({self.key!r})"


def kind(key: str) -> Kind:
    return KINDS[key]


# Titles of the digest: one SMS or email a day for low-priority kinds.
DIGEST_TITLE = N_("You have %(count)s new messages")
