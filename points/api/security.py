"""Who may call what. Every API operation needs a signed-in member (bearer token or the web
session cookie) except those listed in PUBLIC; the OpenAPI document says the same, and a call
without a member is refused with 401 before its arguments are read.
"""

from __future__ import annotations

from apispec import APISpec, BasePlugin
from flask import request
from flask_login import current_user

from points import messages as M
from points.api.access import UNSAFE
from points.errors import Unauthorized

# Endpoints anyone may call, signed in or not: sign-up and sign-in, health, and the public
# catalogues (the benefits list only narrows "affordable" for a member it knows).
PUBLIC = frozenset(
    {
        "system.health",
        "auth_api.register",
        "auth_api.communities",
        "auth_api.token",
        "auth_api.code",
        "auth_api.password_reset",
        "activities_api.activity_types",
        "activities_api.activity_type_versions",
        "marketplace_api.benefits",
        "marketplace_api.benefit",
        "spaces_api.space_list",
        "spaces_api.availability",
        "members_api.notices",
        "tickets_api.board",
        "tickets_api.photo",
        "fund_api.public_fund",
    }
)

SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <token>` with a token from POST /api/v1/auth/token.",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The web session cookie of a signed-in member; writes (POST, PUT, "
        "PATCH, DELETE) must then also send the page's CSRF token as the X-CSRFToken header.",
    },
}
# Either scheme will do.
MEMBER = [{"bearer": []}, {"cookie": []}]

# The public operations that answer 401: a wrong phone number, password or SMS code.
SIGN_IN = frozenset({"auth_api.token", "auth_api.password_reset"})


class MemberOperations(BasePlugin):
    """Documents the answers every operation of a kind may give, so handlers need not: a
    PUBLIC operation needs no credentials (`security: []`), any other may answer 401; a write
    may answer 400 (a body that is not JSON, or a cookie call without its CSRF token); one on
    an object's path (`/claims/{claim_id}`) may answer 404."""

    def operation_helper(self, path=None, operations=None, rule=None, **kwargs):
        endpoint = getattr(rule, "endpoint", None)
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            if endpoint in PUBLIC:
                operation["security"] = []
            if endpoint not in PUBLIC or endpoint in SIGN_IN:
                responses.setdefault("401", "UNAUTHORIZED")
            if method.upper() in UNSAFE or "requestBody" in operation:
                responses.setdefault("400", "BAD_REQUEST")
            if path and "{" in path:
                responses.setdefault("404", "NOT_FOUND")


def document_security(spec: APISpec) -> None:
    """Declare both schemes, require one of them everywhere but on PUBLIC operations."""
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    spec.options["security"] = MEMBER
    plugin = MemberOperations()
    plugin.init_spec(spec)
    spec.plugins.append(plugin)


def check_public_endpoints(app) -> None:
    """A misspelt PUBLIC entry would quietly leave nothing public: refuse to start instead."""
    unknown = PUBLIC - set(app.view_functions)
    if unknown:
        raise RuntimeError(f"PUBLIC names endpoints that do not exist: {sorted(unknown)}")


def require_member(blueprints: set[str]) -> None:
    """401 for a call to an operation of `blueprints` that needs a member and has none; run
    before anything reads the request, so an anonymous caller learns nothing from validation."""
    if request.method == "OPTIONS" or request.routing_exception is not None:
        return
    if request.blueprint not in blueprints or request.endpoint in PUBLIC:
        return
    if not current_user.is_authenticated:
        raise Unauthorized(M.SIGN_IN_FIRST)
