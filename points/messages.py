"""What the shared field checks (`points.validate`, sign-in, request inputs) refuse.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`. Domains keep theirs in their own `messages.py`.
"""

from __future__ import annotations

from points.errors import N_, Text

CONTROL_CHARACTERS = Text(
    "field.control_characters",
    "must not contain control characters",
    N_("Remove the invisible control characters (such as NUL) and send it again."),
)
MOBILE = Text(
    "field.mobile",
    "must be an 11-digit mainland mobile number",
    N_("Enter an 11-digit mainland mobile number, e.g. 13812345678."),
)
REQUIRED = Text("field.required", "is required", N_("This is required."))
TOO_LONG = Text(
    "field.too_long", "must be at most {limit} characters", N_("Use at most %(limit)s characters.")
)
WHOLE_NUMBER = Text(
    "field.whole_number",
    "must be a whole number from {low} to {high}",
    N_("Enter a whole number from %(low)s to %(high)s."),
)
AWARE_TIME = Text(
    "field.aware_time",
    "must be a time like 2026-12-01T19:00+08:00",
    N_("Enter a time like 2026-12-01T19:00+08:00."),
)
TIME_ZONE = Text(
    "field.time_zone",
    "must include the time zone offset, e.g. +08:00",
    N_("Add the time zone offset, e.g. +08:00."),
)
