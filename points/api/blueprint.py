"""The API's Blueprint: flask-smorest's, committing each handler's work before its result
is serialised (points/boundary.py says where a request commits and why there)."""

from __future__ import annotations

import flask_smorest

from points.boundary import committed


class Blueprint(flask_smorest.Blueprint):
    """Every API module's blueprint. `@blp.response(...)`, the decorator nearest every
    handler, commits what the handler did when it returns (rolls back when it raises), then
    serialises the result read back from the committed rows."""

    def response(self, status_code, schema=None, **kwargs):
        serialise = super().response(status_code, schema, **kwargs)
        return lambda handler: serialise(committed(handler))
