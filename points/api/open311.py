"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under /open311/v2, so a
city's 12345 system can read 随手拍 reports and pass its own on. Its shapes are fixed by
the spec, so this is a plain Flask blueprint rather than part of the OpenAPI document.

- Services are the report categories (`service_code` = the category's code).
- Requests are reports (orders stay between a resident and the units). Without an
  `api_key` a caller reads only the reports shown on the public board; with the key of a
  member who triages (a grid worker, a social worker, an admin) also those of their queue.
- Nobody is named: no reporter's name or phone ever; `media_url` only for a published one.
- A POST (form-encoded) is a report by the member whose API token is the `api_key` (the
  integration's own account); it needs no photo; `media_url` is not fetched.
- JSON only (`.xml` is a 400 saying so); errors are `[{"code": 400, "description": …}]`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException

from points import clock
from points.database import MAX_ID, utcnow
from points.errors import InvalidInput, PointsError
from points.extensions import address_key, limiter
from points.members import services as members
from points.tickets import services as tickets

PREFIX = "/open311/v2"
MAX_DAYS = 90  # the widest start_date … end_date the spec allows
MAX_ROWS = 1000

bp = Blueprint("open311", __name__, url_prefix=PREFIX)

# What each operation takes (the spec's names); anything else is a 400 naming it.
LIST_TAKES = frozenset({"jurisdiction_id", "api_key", "service_request_id", "service_code",
                        "start_date", "end_date", "status"})
POST_TAKES = frozenset({"jurisdiction_id", "api_key", "service_code", "lat", "long",
                        "address_string", "address_id", "email", "device_id", "account_id",
                        "first_name", "last_name", "phone", "description", "media_url",
                        "grid_id", "attribute[grid_id]"})
# email, device_id, account_id, first_name, last_name and phone (who the caller says they
# are) are taken so a client following the spec is not refused, and never stored: the
# reporter is the integration's account.
# The service's field names, as the spec calls them.
SPEC_NAMES = {"category": "service_code", "latitude": "lat", "longitude": "long",
              "spot": "address_string", "grid": "jurisdiction_id"}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0])
        self.status = status
        self.descriptions = descriptions


def is_open311_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def error_response(status: int, *descriptions: str, headers=()):
    body = [{"code": status, "description": d} for d in descriptions]
    return jsonify(body), status, list(headers)


def http_error_response(error: HTTPException):
    """An HTTP error (404, 405, 413, 429 …) in the spec's shape, with its own headers
    (Allow, Retry-After)."""
    from points.api import _seconds_until_the_limit_resets

    status = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if status == 429 and not any(k.lower() == "retry-after" for k, _ in headers):
        wait = _seconds_until_the_limit_resets()
        if wait is not None:
            headers.append(("Retry-After", str(wait)))
    description = error.description if isinstance(error.description, str) else error.name
    return error_response(status, description, headers=headers)


def points_error_response(error: PointsError):
    """A service's refusal in the spec's shape: one entry per field, named as the spec
    names it; an invalid field is a 400."""
    status = 400 if error.status == 422 else error.status
    described = [
        f"{SPEC_NAMES.get(field, field)}: {'; '.join(str(m) for m in messages)}"
        for field, messages in error.errors.items()
    ]
    return error_response(status, *(described or [str(error.message)]))


@bp.errorhandler(Open311Error)
def _refused(error: Open311Error):
    return error_response(error.status, *error.descriptions)


def _limited(view):
    """Every call counts towards OPEN311_LIMIT per client address."""
    return limiter.limit(
        lambda: current_app.config["OPEN311_LIMIT"], key_func=address_key, scope="open311"
    )(view)


def _json_only(fmt: str) -> None:
    if fmt != "json":
        raise Open311Error(400, f"format {fmt!r} is not offered: this server answers .json only")


def _takes(allowed: frozenset[str], sent) -> None:
    unknown = sorted(set(sent) - allowed)
    if unknown:
        raise Open311Error(400, *(f"{name}: not a parameter of this call" for name in unknown))


def _viewer(required: bool):
    """The member whose API token is the `api_key`, or None when none was sent (reads)."""
    raw = request.values.get("api_key")
    if raw in (None, ""):
        if required:
            raise Open311Error(403, "api_key: an API key is required to submit a request")
        return None
    member = members.member_for_token(raw)
    if member is None:
        raise Open311Error(403, "api_key: not a valid API key")
    return member


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return clock.local(moment).isoformat(timespec="seconds")


def _w3(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Open311Error(400, f"{name}: must be a w3 date and time with its offset, e.g. "
                                "2026-11-05T08:15:30+08:00")
    return moment


def _list(name: str) -> list[str]:
    raw = request.args.get(name)
    return [v.strip() for v in raw.split(",") if v.strip()] if raw else []


def _grid_id(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ID:
        raise Open311Error(400, f"{name}: must be the id of a grid")
    return int(value)


def _service(category) -> dict:
    locale = str(get_locale() or "zh")
    return {
        "service_code": category.code,
        "service_name": category.name(locale),
        "description": f"随手拍 · {category.name_zh} ({category.name_en})",
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(("随手拍", category.name_zh, category.name_en)),
        "group": "随手拍",
    }


def _agency(ticket) -> str:
    if ticket.handled_unit is not None:
        return ticket.handled_unit.name_zh
    holding = [a.unit.name_zh for a in ticket.assignments if a.status in ("dispatched",
                                                                           "accepted")]
    return "、".join(holding) or ticket.grid.name


def _notes(ticket) -> str:
    if ticket.outcome is None:
        return ticket.state
    if ticket.outcome == "duplicate":
        return f"duplicate of {ticket.duplicate_of_id}"
    return f"{ticket.outcome}: {ticket.outcome_note}" if ticket.outcome_note else ticket.outcome


def _request(ticket) -> dict:
    out = {
        "service_request_id": str(ticket.id),
        "status": "closed" if ticket.state == "closed" else "open",
        "status_notes": _notes(ticket),
        "service_name": ticket.category.name(str(get_locale() or "zh")),
        "service_code": ticket.category.code,
        "description": ticket.description,
        "agency_responsible": _agency(ticket),
        "service_notice": "",
        "requested_datetime": _when(ticket.created_at),
        "updated_datetime": _when(tickets.last_change(ticket)),
        "expected_datetime": _when(ticket.due_at),
        "address": ticket.spot or ticket.grid.name,
        "lat": ticket.latitude,
        "long": ticket.longitude,
    }
    shown = tickets.photos_for(None, ticket)  # published ones only, whoever asks
    if shown:
        out["media_url"] = url_for("tickets_api.photo", ticket_id=ticket.id,
                                   photo_id=shown[0].id, _external=True)
    return out


# ---------------------------------------------------------------------------- services


@bp.get("/services.<fmt>")
@_limited
def services(fmt: str):
    """The report categories one may submit."""
    _json_only(fmt)
    _takes(frozenset({"jurisdiction_id"}), request.args)
    return jsonify([_service(c) for c in tickets.categories("report")])


@bp.get("/services/<code>.<fmt>")
@_limited
def service_definition(code: str, fmt: str):
    """No service takes extra attributes (metadata false), so none has a definition."""
    _json_only(fmt)
    _takes(frozenset({"jurisdiction_id"}), request.args)
    known = {c.code for c in tickets.categories("report")}
    if code not in known:
        raise Open311Error(404, f"service_code: {code!r} is not a service")
    raise Open311Error(404, f"service_code: {code!r} has no attributes (metadata is false)")


# ---------------------------------------------------------------------------- requests


@bp.get("/requests.<fmt>")
@_limited
def requests_list(fmt: str):
    """Reports by id (a comma list, which overrides the other filters), service_code,
    start_date / end_date (at most 90 days; default the last 90) and status; at most 1000,
    newest first."""
    _json_only(fmt)
    _takes(LIST_TAKES, request.args)
    viewer = _viewer(required=False)
    ids = None
    if request.args.get("service_request_id"):
        wanted = _list("service_request_id")
        if not all(v.isascii() and v.isdigit() and 1 <= int(v) <= MAX_ID for v in wanted):
            raise Open311Error(400, "service_request_id: must be ids separated by commas")
        ids = [int(v) for v in wanted][:MAX_ROWS]
    codes = _list("service_code")
    known = {c.code for c in tickets.categories("report")}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Open311Error(400, f"service_code: {', '.join(unknown)} is not a service")
    states = _list("status")
    if any(s not in ("open", "closed") for s in states):
        raise Open311Error(400, "status: must be open, closed or both (comma separated)")
    since, until = _w3("start_date"), _w3("end_date")
    if since is None and until is None:
        until = utcnow()
    if since is None:
        since = until - timedelta(days=MAX_DAYS)
    if until is None:
        until = since + timedelta(days=MAX_DAYS)
    if until < since:
        raise Open311Error(400, "end_date: must not be before start_date")
    if until - since > timedelta(days=MAX_DAYS):
        raise Open311Error(400, f"end_date: at most {MAX_DAYS} days after start_date")
    found = tickets.georeport_requests(
        viewer,
        ids=ids,
        codes=codes,
        grid_id=_grid_id(request.args.get("jurisdiction_id"), "jurisdiction_id"),
        since=since,
        until=until,
        states=states,
        limit=MAX_ROWS,
    )
    return jsonify([_request(t) for t in found])


@bp.get("/requests/<request_id>.<fmt>")
@_limited
def request_one(request_id: str, fmt: str):
    """One report, as a list of one (the spec's shape)."""
    _json_only(fmt)
    _takes(frozenset({"jurisdiction_id", "api_key"}), request.args)
    viewer = _viewer(required=False)
    found = []
    if request_id.isascii() and request_id.isdigit() and 1 <= int(request_id) <= MAX_ID:
        found = tickets.georeport_requests(viewer, ids=[int(request_id)], limit=1)
    if not found:
        raise Open311Error(404, f"service_request_id: {request_id!r} was not found")
    return jsonify([_request(found[0])])


def _wrong_key(response) -> bool:
    return response.status_code == 403


@bp.post("/requests.<fmt>")
@_limited
@limiter.limit(
    lambda: current_app.config["OPEN311_WRONG_KEY_LIMIT"],
    key_func=address_key,
    scope="open311-wrong-key",
    deduct_when=_wrong_key,
)
def submit(fmt: str):
    """A report from the integration's account: service_code, lat and long or
    address_string, description; the grid from `jurisdiction_id` or `grid_id` (also as
    `attribute[grid_id]`), else the account's own."""
    _json_only(fmt)
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(400, "send the request form-encoded "
                                "(application/x-www-form-urlencoded)")
    _takes(POST_TAKES, request.form)
    _takes(frozenset({"api_key"}), request.args)
    member = _viewer(required=True)
    form = request.form
    if not form.get("service_code"):
        raise Open311Error(400, "service_code: is required")
    if form.get("address_id") and not form.get("address_string") and not form.get("lat"):
        raise Open311Error(400, "address_id: not offered here; send lat and long or "
                                "address_string")
    if not (form.get("lat") or form.get("long") or form.get("address_string")):
        raise Open311Error(400, "lat: a location is required: lat and long, or "
                                "address_string")
    grids = {
        name: _grid_id(form.get(name), name)
        for name in ("jurisdiction_id", "grid_id", "attribute[grid_id]")
        if form.get(name) not in (None, "")
    }
    if len(set(grids.values())) > 1:
        raise Open311Error(400, "grid_id: jurisdiction_id and grid_id name different grids")
    try:
        ticket = tickets.report(
            member,
            category=form.get("service_code"),
            description=form.get("description"),
            photos=[],
            photos_required=False,
            grid=next(iter(grids.values()), None),
            spot=form.get("address_string") or None,
            latitude=form.get("lat"),
            longitude=form.get("long"),
        )
    except InvalidInput as error:  # the grid named as it was sent (grid_id, attribute[…])
        sent = next(iter(grids), "jurisdiction_id")
        if "grid" not in error.errors or sent == "jurisdiction_id":
            raise
        named = {sent if f == "grid" else f: ms for f, ms in error.errors.items()}
        raise InvalidInput(error.message, errors=named) from None
    notice = f"a grid worker checks it by {_when(ticket.due_at)}"
    body = [{"service_request_id": str(ticket.id), "service_notice": notice,
             "account_id": None}]
    return jsonify(body), 201
