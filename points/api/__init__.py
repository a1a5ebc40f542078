"""The JSON API under /api/v1 (flask-smorest). Domain errors are mapped here, once."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from points.errors import PointsError

API_PREFIX = "/api/v1"

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


def _flatten(messages) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"field": [...]}}); the contract is flat."""
    flat: dict[str, list[str]] = {}
    for location_errors in (messages or {}).values():
        if isinstance(location_errors, dict):
            for field, errs in location_errors.items():
                flat[str(field)] = errs if isinstance(errs, list) else [str(errs)]
    return flat


def http_error_response(error: HTTPException):
    """Contract-shaped JSON for an HTTP error."""
    status = error.code or 500
    body = {
        "code": _HTTP_CODES.get(status, "error"),
        "message": error.description if isinstance(error.description, str) else error.name,
        "errors": _flatten(getattr(error, "data", {}).get("messages")),
    }
    if status == 422 and body["errors"]:
        body["message"] = "Some fields are not valid: " + ", ".join(sorted(body["errors"]))
    return jsonify(body), status


def register_api(app: Flask, api: Api) -> None:
    from points.api import activities, auth, marketplace, me, space_reports, spaces, system
    from points.api import training as training_api
    from points.api.access import protect_cookie_writes
    from points.extensions import csrf

    for module in (system, auth, me, activities, marketplace, spaces, space_reports, training_api):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + (module.blp.url_prefix or ""))

    @app.before_request
    def _api_csrf():
        if is_api_request():
            protect_cookie_writes()


def points_error_response(error: PointsError):
    return jsonify(error.to_dict()), error.status


def server_error_response():
    body = {"code": "server_error", "message": "Something went wrong on our side.", "errors": {}}
    return jsonify(body), 500
