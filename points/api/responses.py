"""Documenting the errors an operation answers, beyond those every operation of its kind may
give (see security.MemberOperations: 400, 401, 404 on an object's path; 422 with arguments).
Each has the Error body; the document's `default` covers anything else."""

from __future__ import annotations

from http import HTTPStatus

from points.api.blueprint import Blueprint


def refuses(blp: Blueprint, *statuses: int):
    """`@refuses(blp, 403, 409)`: the operation may answer these statuses, with the Error body."""

    def decorate(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorate


def slowed_down(blp: Blueprint):
    """The operation is rate-limited: 429, with Retry-After saying when to try again."""
    from points.extensions import ErrorSchema

    return blp.alt_response(
        429,
        schema=ErrorSchema,
        description="Too many attempts; try again after Retry-After seconds",
        headers={
            "Retry-After": {
                "description": "Seconds until the limit lets the caller in again",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    )
