"""The JSON API under /api/v1 (flask-smorest). Domain errors are mapped here, once."""

from __future__ import annotations

import math
import time

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
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


def _flatten(messages) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"field": [...]}}) and, inside a list or a
    nested object, by index or name ({"claims": {3: [...]}}); the contract is flat and names
    the element as the caller wrote it (`claims[3]`, `items[0].quantity`)."""
    flat: dict[str, list[str]] = {}
    for location_errors in (messages or {}).values():
        if isinstance(location_errors, dict):
            for field, errs in location_errors.items():
                _flatten_into(flat, str(field), errs)
    return flat


def _flatten_into(flat: dict[str, list[str]], name: str, errs) -> None:
    if isinstance(errs, dict):
        for key, inner in errs.items():
            if isinstance(key, int):
                _flatten_into(flat, f"{name}[{key}]", inner)
            elif key == "_schema":
                _flatten_into(flat, name, inner)
            else:
                _flatten_into(flat, f"{name}.{key}", inner)
    elif isinstance(errs, list):
        for err in errs:
            if isinstance(err, dict | list):
                _flatten_into(flat, name, err)
            else:
                flat.setdefault(name, []).append(str(err))
    else:
        flat.setdefault(name, []).append(str(errs))


def http_error_response(error: HTTPException):
    """Contract-shaped JSON for an HTTP error, keeping the error's own headers (Allow on a
    405, Retry-After on a 429) but not its HTML content type."""
    status = error.code or 500
    body = {
        "code": _HTTP_CODES.get(status, "error"),
        "message": error.description if isinstance(error.description, str) else error.name,
        "errors": _flatten(getattr(error, "data", {}).get("messages")),
    }
    if status == 422 and body["errors"]:
        body["message"] = "Some fields are not valid: " + ", ".join(sorted(body["errors"]))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if status == 429 and not any(k.lower() == "retry-after" for k, _ in headers):
        wait = _seconds_until_the_limit_resets()
        if wait is not None:
            headers.append(("Retry-After", str(wait)))
    return jsonify(body), status, headers


def _seconds_until_the_limit_resets() -> int | None:
    """For a 429 of Flask-Limiter, when its window lets the caller in again."""
    from points.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def register_api(app: Flask, api: Api) -> None:
    from points.api import (
        activities,
        assessments,
        auth,
        fund,
        helpers,
        marketplace,
        me,
        members,
        notifications,
        programmes,
        reports,
        space_reports,
        spaces,
        system,
        tickets,
        training,
    )
    from points.api.access import protect_cookie_writes
    from points.api.parameters import refuse_untaken, taken_by_endpoint
    from points.api.security import check_public_endpoints, document_security, require_member
    from points.extensions import csrf

    document_security(api.spec)
    modules = (
        system,
        auth,
        me,
        activities,
        marketplace,
        spaces,
        space_reports,
        reports,
        assessments,
        training,
        members,
        notifications,
        tickets,
        helpers,
        fund,
        programmes,
    )
    for module in modules:
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + (module.blp.url_prefix or ""))
    blueprints = {module.blp.name for module in modules}
    # Open311 GeoReport v2: shapes fixed by its spec, outside the OpenAPI document; its
    # POST is signed by an api_key in the form, never by a cookie, so CSRF has no say.
    from points.api import open311

    csrf.exempt(open311.bp)
    app.register_blueprint(open311.bp)
    check_public_endpoints(app)
    taken = taken_by_endpoint(app, blueprints)

    # Who first (401), then the CSRF rule; then (points/inputs.py) input no field may hold,
    # and query parameters the operation does not take.
    @app.before_request
    def _api_member():
        require_member(blueprints)

    @app.before_request
    def _api_csrf():
        if is_api_request():
            protect_cookie_writes()

    @app.before_request
    def _api_parameters():
        if is_api_request() and request.routing_exception is None:
            refuse_untaken(taken)


def points_error_response(error: PointsError):
    # A 401 names the scheme to answer it with (RFC 9110 §11.6.1); the cookie is the web's.
    headers = {"WWW-Authenticate": 'Bearer realm="points"'} if error.status == 401 else {}
    return jsonify(error.to_dict()), error.status, headers


def server_error_response():
    body = {"code": "server_error", "message": "Something went wrong on our side.", "errors": {}}
    return jsonify(body), 500
