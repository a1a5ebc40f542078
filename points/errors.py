"""The domain's errors. Each subclass states its rule in one line.

Web turns a PointsError into a flashed message; the API into
`{"code", "message", "errors"}` with the subclass's HTTP status.
"""

from __future__ import annotations


class PointsError(Exception):
    """A rule of the platform was broken; nothing was written."""

    code = "points_error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, errors=None):
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = dict(errors or {})
        if field is not None:
            self.errors.setdefault(field, []).append(message)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "errors": self.errors}


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
        message = "This idempotency key was already used with different " + ", ".join(fields)
        super().__init__(message, errors={f: ["differs from the first request"] for f in fields})
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


class Forbidden(PointsError):
    """The caller is signed in but may not do this (role, or another community's member)."""

    code = "forbidden"
    status = 403
