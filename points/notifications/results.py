"""What a channel (sms.py, email.py) says about one message it was given to send."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendResult:
    """ok: accepted by the provider. Not ok: `permanent` — refused for good (a wrong key,
    template or address), trying again cannot help; `unknown` — the request may have reached
    the provider but no answer came, so it may have gone and must not be sent again by
    itself; neither — not sent (no connection, the provider busy), try again later.
    `logged`: no provider configured, written to the log and NOT sent."""

    ok: bool
    provider_ref: str = ""
    reason: str = ""  # the provider's code and message when not ok
    permanent: bool = False
    unknown: bool = False
    logged: bool = False
