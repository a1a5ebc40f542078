"""The domain's errors. Each subclass states its rule in one line.

An error carries a `Text` — a stable key with the API's English sentence and the page's
message (a translation key) — and the parameters that fill both. Each domain keeps its texts
in its own `messages.py` (`points/messages.py` for the shared field checks), so a newcomer
finds an error's wording in one place. The API answers `{"code", "message", "errors"}` with the
English sentence; pages translate the page message with the same parameters
(`points.web.messages.translate_error`).
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from string import Formatter

# Every Text by its key: tests check each has Chinese and that no two share a key.
TEXTS: dict[str, Text] = {}


def N_(message: str) -> str:
    """Marks a page message for extraction (`make translations`); translated when shown."""
    return message


class Text:
    """One thing a service can refuse: `api` is str.format English (`{n}`), `page` a
    translation key with %-style parameters (`%(n)s`); `labels` names parameters that are
    codes the page shows by name (`{"level": "level"}`)."""

    __slots__ = ("key", "api", "page", "labels")

    def __init__(self, key: str, api: str, page: str, *, labels: dict[str, str] | None = None):
        if key in TEXTS:
            raise ValueError(f"error key {key!r} is defined twice")
        self.key = key
        self.api = api
        self.page = page
        self.labels = dict(labels or {})
        TEXTS[key] = self

    def __call__(self, **params) -> Said:
        return Said(self, params)

    @property
    def api_parameters(self) -> set[str]:
        return {
            name.split(".")[0].split("[")[0]
            for _, name, _, _ in Formatter().parse(self.api)
            if name
        }

    def __repr__(self) -> str:
        return f"Text({self.key!r})"


def _for_api(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return value


class Said(str):
    """A Text with its parameters. It reads as the API's English sentence, so code that
    treats messages as strings keeps working; pages translate it by its key."""

    text: Text
    params: dict

    def __new__(cls, text: Text, params: dict):
        english = text.api.format_map({k: _for_api(v) for k, v in params.items()})
        said = super().__new__(cls, english)
        said.text = text
        said.params = dict(params)
        return said

    @property
    def key(self) -> str:
        return self.text.key

    def __reduce__(self):
        return (_said, (self.text.key, self.params))


def _said(key: str, params: dict) -> Said:
    return Said(TEXTS[key], params)


class UnkeyedError(UserWarning):
    """A PointsError was made from a plain sentence instead of a Text."""


class PointsError(Exception):
    """A rule of the platform was broken; nothing was written."""

    code = "points_error"
    status = 400

    def __init__(self, message: str | Text, *, field: str | None = None, errors=None, **params):
        if isinstance(message, Text):
            message = message(**params)
        elif params:
            raise TypeError("parameters need a Text, not a sentence")
        elif not isinstance(message, Said):
            # Pages could only show it in English; the suite turns this into a failure.
            warnings.warn(f"raise a Text, not the sentence {message!r}", UnkeyedError, 2)
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = {f: list(ms) for f, ms in dict(errors or {}).items()}
        if field is not None:
            self.errors.setdefault(field, []).append(message)

    @property
    def key(self) -> str | None:
        """The stable key of what was refused (None for a sentence not yet keyed)."""
        return self.message.key if isinstance(self.message, Said) else None

    def to_dict(self) -> dict:
        errors = {f: [str(m) for m in ms] for f, ms in self.errors.items()}
        return {"code": self.code, "message": str(self.message), "errors": errors}


class InvalidInput(PointsError):
    """A field is missing, of the wrong type or out of range."""

    code = "invalid"
    status = 422


class NotFound(PointsError):
    """The object does not exist, or is not the caller's to see."""

    code = "not_found"
    status = 404


class Conflict(PointsError):
    """The object is in a state that does not allow this."""

    code = "conflict"
    status = 409


class InsufficientPoints(Conflict):
    """A wallet may never go below zero, nor hold more than it has."""

    code = "insufficient_points"


class IdempotencyConflict(Conflict):
    """An idempotency key was reused with a different request."""

    code = "idempotency_conflict"

    def __init__(self, fields: list[str]):
        differs = {f: [IDEMPOTENCY_FIELD_DIFFERS()] for f in fields}
        super().__init__(IDEMPOTENCY_KEY_REUSED, errors=differs, fields=fields)
        self.fields = fields


class HoldNotPending(Conflict):
    """A hold ends exactly once: posted, voided or expired."""

    code = "hold_not_pending"


class AlreadyReversed(Conflict):
    """A transfer is reversed at most once, and a reversal is never reversed."""

    code = "already_reversed"


class Unauthorized(PointsError):
    """Sign in first, with a phone number and password or a valid token."""

    code = "unauthorized"
    status = 401


class WrongAttempt(Unauthorized):
    """A wrong secret (an SMS code) was tried and counted: the caller commits the count."""


class Forbidden(PointsError):
    """The caller is signed in but may not do this (role, or another community's member)."""

    code = "forbidden"
    status = 403


IDEMPOTENCY_KEY_REUSED = Text(
    "idempotency.key_reused",
    "This idempotency key was already used with different {fields}",
    N_("This request was already sent once with different details. Start again."),
)
IDEMPOTENCY_FIELD_DIFFERS = Text(
    "idempotency.field_differs",
    "differs from the first request",
    N_("This differs from the first request."),
)
