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


def _is_api_request() -> bool:
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
    """Contract-shaped JSON for HTTP errors under /api; Flask's own page elsewhere."""
    if not _is_api_request():
        return error
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
    from points.api.system import blp as system_blp

    api.register_blueprint(system_blp, url_prefix=API_PREFIX)

    @app.errorhandler(PointsError)
    def _points_error(error: PointsError):
        if _is_api_request():
            return jsonify(error.to_dict()), error.status
        raise error  # the web layer handles its own; reaching here is a bug

    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(500)
    def _server_error(error):
        if _is_api_request():
            body = {
                "code": "server_error",
                "message": "Something went wrong on our side.",
                "errors": {},
            }
            return jsonify(body), 500
        return error
