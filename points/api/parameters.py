"""Query parameters: an operation takes only those its OpenAPI document lists.

A list answered without the filter the caller asked for is worse than an error: `?status=xyz`
on a list that has no status filter, or a misspelt `?staus=`, would quietly return everything.
So a query parameter an operation does not take is a 422 naming it, before the view runs. The
values of the parameters it does take are checked by its query schema or its service, with the
same error body (`{"code": "invalid", "errors": {"status": [...]}}`).
"""

from __future__ import annotations

from flask import Flask, request
from marshmallow import Schema

from points import messages as M
from points.errors import InvalidInput
from points.inputs import NUL


def _query_names(view) -> frozenset[str]:
    """The query parameters a flask-smorest view declares, by the names callers send."""
    names: set[str] = set()
    for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if parameter.get("in") not in ("query", "querystring"):
            continue
        schema = parameter["schema"]
        schema = schema() if isinstance(schema, type) and issubclass(schema, Schema) else schema
        names.update(field.data_key or name for name, field in schema.fields.items())
    return frozenset(names)


def taken_by_endpoint(app: Flask, blueprints: set[str]) -> dict[str, frozenset[str]]:
    """For every operation of `blueprints`, the query parameters it takes."""
    return {
        endpoint: _query_names(view)
        for endpoint, view in app.view_functions.items()
        if endpoint.partition(".")[0] in blueprints
    }


def refuse_untaken(taken: dict[str, frozenset[str]]) -> None:
    """422 naming each query parameter the requested operation does not take."""
    allowed = taken.get(request.endpoint or "")
    if allowed is None or not request.args:
        return
    unknown = sorted(set(request.args) - allowed)
    if not unknown or any(NUL in name for name in unknown):
        return  # a NUL is refused at the door (points.inputs), with its own message
    said = M.NOT_TAKEN(takes=sorted(allowed)) if allowed else M.NOT_TAKEN_NONE()
    raise InvalidInput(M.NOT_PARAMETERS, errors={name: [said] for name in unknown}, names=unknown)
