"""Service tickets over the API: 随手拍 reports and 居民点单 orders, each step of the loop
(triage, dispatch, the unit's answer and work, the reporter's confirmation and rating), the
queues, and the public board. Who may do what is the service's to say (points/tickets)."""

from __future__ import annotations

import io
from contextlib import contextmanager

from flask import send_file, url_for
from flask_login import current_user

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.responses import refuses
from points.errors import InvalidInput, NotFound, PointsError
from points.tickets import messages as M
from points.tickets import services as tickets
from points.tickets.schemas import (
    BoardOut,
    BoardQuery,
    CategoriesQuery,
    CategoryOut,
    DispatchRequest,
    HandleRequest,
    ItemOut,
    MergeRequest,
    OrderRequest,
    OverdueOut,
    RateRequest,
    ReportRequest,
    TicketBriefOut,
    TicketConfirmRequest,
    TicketOptionalReasonRequest,
    TicketOut,
    TicketPublishRequest,
    TicketReasonRequest,
    TriagePageOut,
    TriageQuery,
    UnitOut,
    UnitWorkOut,
)

blp = Blueprint("tickets_api", __name__, url_prefix="/tickets",
                description="Service tickets: 随手拍 and 居民点单")

class _Seen:
    """A ticket with what its viewer may see of it: the reporter's label and the photos."""

    def __init__(self, ticket, viewer):
        self._ticket = ticket
        self.reporter = tickets.reporter_label(viewer, ticket)
        self.photos = _photos(tickets.photos_for(viewer, ticket))
        self.timeline = tickets.timeline(ticket)
        self.confirm_by = tickets.confirm_by(ticket)

    def __getattr__(self, name):
        return getattr(self._ticket, name)


class _Public:
    def __init__(self, ticket):
        self._ticket = ticket
        self.photos = _photos(tickets.photos_for(None, ticket))

    def __getattr__(self, name):
        return getattr(self._ticket, name)


def _photos(photos) -> list[dict]:
    return [
        {
            "id": p.id,
            "stage": p.stage,
            "url": url_for(".photo", ticket_id=p.ticket_id, photo_id=p.id),
        }
        for p in photos
    ]


@contextmanager
def _named(**renames: str):
    """A service's refusal naming its own argument (`grid`) is answered with the field the
    caller sent (`grid_id`); a unit not found among those sent is a field error, 422."""
    try:
        yield
    except PointsError as error:
        if not any(f in renames for f in error.errors):
            raise
        errors = {renames.get(f, f): ms for f, ms in error.errors.items()}
        raise InvalidInput(error.message, errors=errors) from None


def _ticket(ticket_id: int):
    member = current_member()
    return tickets.visible_ticket(ticket_id, member), member


# ---------------------------------------------------------------------------- reference


@blp.get("/categories")
@blp.arguments(CategoriesQuery, location="query")
@blp.response(200, CategoryOut(many=True))
def categories(query):
    """What a report (`kind=report`, the default) or an order can be about, with deadlines."""
    return tickets.categories(query["kind"])


@blp.get("/menu")
@blp.response(200, ItemOut(many=True))
def menu():
    """The service menu (服务清单) of my community: items some unit offers, to order."""
    return tickets.service_menu(current_member().community_id)


# ---------------------------------------------------------------------------- reporting


@blp.post("/reports")
@refuses(blp, 403, 422)
@blp.arguments(ReportRequest)
@blp.response(201, TicketOut)
def report(body):
    """随手拍: report a hazard with 1–6 photos; a grid worker of its grid checks it."""
    member = current_member()
    with _named(grid="grid_id"):
        ticket = tickets.report(
            member,
            category=body["category"],
            description=body["description"],
            photos=body["photos"],
            grid=body["grid_id"],
            spot=body["spot"],
            latitude=body["latitude"],
            longitude=body["longitude"],
        )
    return _Seen(ticket, member)


@blp.post("/orders")
@refuses(blp, 403, 422)
@blp.arguments(OrderRequest)
@blp.response(201, TicketOut)
def order(body):
    """居民点单: order an item of the service menu, when and where you want it."""
    member = current_member()
    with _named(grid="grid_id"):
        ticket = tickets.order(
            member,
            item=body["item"],
            description=body["description"],
            wanted_at=body["wanted_at"],
            grid=body["grid_id"],
            spot=body["spot"],
            photos=body["photos"],
        )
    return _Seen(ticket, member)


@blp.get("/mine")
@blp.response(200, TicketBriefOut(many=True))
def mine():
    """Tickets I reported or follow, newest first."""
    return tickets.mine(current_member())


# ---------------------------------------------------------------------------- queues


@blp.get("/triage")
@refuses(blp, 403)
@blp.arguments(TriageQuery, location="query")
@blp.response(200, TriagePageOut)
def triage(query):
    """Grid workers and staff: tickets waiting to be checked or dispatched (returned ones
    too), oldest first; pass `next_after` as `after` for the next page."""
    member = current_member()
    items = tickets.triage_queue(member, limit=query["limit"], after=query["after"])
    return {
        "items": items,
        "next_after": items[-1].id if len(items) == query["limit"] else None,
        "waiting": tickets.triage_count(member),
    }


@blp.get("/unit-queue")
@refuses(blp, 403)
@blp.response(200, UnitWorkOut(many=True))
def unit_queue():
    """Unit staff: tickets dispatched to my units and not yet handled, oldest first."""
    return tickets.unit_queue(current_member())


@blp.get("/overdue")
@refuses(blp, 403)
@blp.response(200, OverdueOut)
def overdue():
    """Staff: open tickets past their deadline (escalated first), and per unit how many."""
    member = current_member()
    return {"tickets": tickets.overdue(member), "by_unit": tickets.overdue_by_unit(member)}


@blp.get("/board/<int:community_id>")
@blp.arguments(BoardQuery, location="query")
@blp.response(200, BoardOut)
def board(query, community_id: int):
    """Public: a community's tickets in [start, end) by category and outcome, days to fix,
    satisfaction and tickets shown publicly. A count under 5 is null. Default: the last
    30 days; at most 366."""
    start, end = tickets.board_period(query["start"], query["end"])
    found = tickets.board(community_id, start=start, end=end)
    return {
        "community": found.community,
        "start": found.start,
        "end": found.end,
        "lines": found.lines,
        "median_days_to_fix": found.median_days_to_fix,
        "rated": found.rated,
        "satisfied_share": found.satisfied_share,
        "tickets": [_Public(t) for t in found.tickets],
    }


# ---------------------------------------------------------------------------- one ticket


@blp.get("/<int:ticket_id>")
@blp.response(200, TicketOut)
def ticket(ticket_id: int):
    """One ticket I reported, follow or work on: its state and outcome, units, the photos I
    may see and the timeline."""
    found, member = _ticket(ticket_id)
    return _Seen(found, member)


_IMAGE = {"schema": {"type": "string", "format": "binary"}}


@blp.get("/<int:ticket_id>/photos/<int:photo_id>")
@blp.doc(responses={"200": {"content": {"image/jpeg": _IMAGE, "image/png": _IMAGE}}})
@blp.response(200, description="The photo (JPEG or PNG, as it was uploaded)")
def photo(ticket_id: int, photo_id: int):
    """A ticket's photo: for those who may see it, and for anyone once it is published."""
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    found = tickets.photo_of(viewer, photo_id)
    if found.ticket_id != ticket_id:
        raise NotFound(M.NO_SUCH_TICKET, field="photo")  # another ticket's photo
    data, content_type = tickets.photo_file(found)
    answer = send_file(io.BytesIO(data), mimetype=content_type, max_age=0)
    answer.cache_control.private = True  # never kept by a shared cache: it may be unpublished
    return answer


@blp.get("/<int:ticket_id>/units")
@blp.response(200, UnitOut(many=True))
def units(ticket_id: int):
    """The units the ticket may be dispatched to, those offering its menu item first."""
    found, _member = _ticket(ticket_id)
    return tickets.units_for(found)


@blp.get("/<int:ticket_id>/duplicates")
@blp.response(200, TicketBriefOut(many=True))
def duplicates(ticket_id: int):
    """Earlier open tickets of the same category and grid: what it might be merged into."""
    found, _member = _ticket(ticket_id)
    return tickets.duplicates_for(found)


def _step(ticket_id: int, act):
    found, member = _ticket(ticket_id)
    return _Seen(act(found, member), member)


# ---------------------------------------------------------------------------- triage


@blp.post("/<int:ticket_id>/verify")
@refuses(blp, 403, 409)
@blp.response(200, TicketOut)
def verify(ticket_id: int):
    """Grid workers: it is real. The reporter earns the report's points once; verifying
    again answers the same."""
    return _step(ticket_id, lambda t, m: tickets.verify(t, actor=m))


@blp.post("/<int:ticket_id>/merge")
@refuses(blp, 403, 409, 422)
@blp.arguments(MergeRequest)
@blp.response(200, TicketOut)
def merge(body, ticket_id: int):
    """Grid workers: a duplicate of an earlier open ticket (`into`); closed, its followers
    follow the original."""
    return _step(ticket_id, lambda t, m: tickets.merge(t, actor=m, into=body["into"]))


@blp.post("/<int:ticket_id>/close")
@refuses(blp, 403, 409, 422)
@blp.arguments(TicketReasonRequest)
@blp.response(200, TicketOut)
def close(body, ticket_id: int):
    """Grid workers: checked and not a problem; closed with the reason the reporter reads."""
    return _step(
        ticket_id, lambda t, m: tickets.close_as_not_a_problem(t, actor=m, reason=body["reason"])
    )


@blp.post("/<int:ticket_id>/publish")
@refuses(blp, 403)
@blp.arguments(TicketPublishRequest)
@blp.response(200, TicketOut)
def publish(body, ticket_id: int):
    """Grid workers: show the ticket and its photos on the public board (or stop)."""
    return _step(
        ticket_id, lambda t, m: tickets.publish(t, actor=m, published=body["published"])
    )


@blp.post("/<int:ticket_id>/dispatch")
@refuses(blp, 403, 409, 422)
@blp.arguments(DispatchRequest)
@blp.response(200, TicketOut)
def dispatch(body, ticket_id: int):
    """Grid workers: 派单 to units; on a ticket a unit holds, 加派 another."""

    def act(found, member):
        with _named(unit="units"):
            return tickets.dispatch(found, actor=member, units=body["units"], note=body["note"])

    return _step(ticket_id, act)


# ---------------------------------------------------------------------------- the unit


@blp.post("/<int:ticket_id>/accept")
@refuses(blp, 403, 409)
@blp.response(200, TicketOut)
def accept(ticket_id: int):
    """Unit staff: 接单. Accepting again answers the same."""
    return _step(ticket_id, lambda t, m: tickets.accept(t, actor=m))


@blp.post("/<int:ticket_id>/return")
@refuses(blp, 403, 409, 422)
@blp.arguments(TicketReasonRequest)
@blp.response(200, TicketOut)
def return_ticket(body, ticket_id: int):
    """Unit staff: 退单 with a reason; when no unit holds it, it goes back to triage."""
    return _step(
        ticket_id, lambda t, m: tickets.return_ticket(t, actor=m, reason=body["reason"])
    )


@blp.post("/<int:ticket_id>/start")
@refuses(blp, 403, 409)
@blp.response(200, TicketOut)
def start(ticket_id: int):
    """Unit staff: the work has begun (处置中)."""
    return _step(ticket_id, lambda t, m: tickets.start(t, actor=m))


@blp.post("/<int:ticket_id>/handle")
@refuses(blp, 403, 409, 422)
@blp.arguments(HandleRequest)
@blp.response(200, TicketOut)
def handle(body, ticket_id: int):
    """Unit staff: done — the outcome, what was done and (for a fix) an after-photo; the
    reporter is asked to confirm within a week."""
    return _step(
        ticket_id,
        lambda t, m: tickets.handle(
            t, actor=m, outcome=body["outcome"], note=body["note"], photos=body["photos"]
        ),
    )


# ---------------------------------------------------------------------------- the reporter


@blp.post("/<int:ticket_id>/confirm")
@refuses(blp, 403, 409, 422)
@blp.arguments(TicketConfirmRequest)
@blp.response(200, TicketOut)
def confirm(body, ticket_id: int):
    """The reporter: it is put right (closed), with an optional rating 1–5. Confirming
    again answers the same."""
    return _step(
        ticket_id,
        lambda t, m: tickets.confirm(t, member=m, rating=body["rating"], comment=body["comment"]),
    )


@blp.post("/<int:ticket_id>/dispute")
@refuses(blp, 403, 409, 422)
@blp.arguments(TicketReasonRequest)
@blp.response(200, TicketOut)
def dispute(body, ticket_id: int):
    """The reporter: not put right; back to the unit that handled it."""
    return _step(ticket_id, lambda t, m: tickets.dispute(t, member=m, reason=body["reason"]))


@blp.post("/<int:ticket_id>/rate")
@refuses(blp, 403, 409, 422)
@blp.arguments(RateRequest)
@blp.response(200, TicketOut)
def rate(body, ticket_id: int):
    """The reporter: rate the handling 1–5 (回访), once, after the unit has finished."""
    return _step(
        ticket_id,
        lambda t, m: tickets.rate(t, member=m, rating=body["rating"], comment=body["comment"]),
    )


@blp.post("/<int:ticket_id>/withdraw")
@refuses(blp, 403, 409, 422)
@blp.arguments(TicketOptionalReasonRequest)
@blp.response(200, TicketOut)
def withdraw(body, ticket_id: int):
    """The reporter: take it back before a unit has finished (closed as withdrawn)."""
    return _step(ticket_id, lambda t, m: tickets.withdraw(t, member=m, reason=body["reason"]))


@blp.post("/<int:ticket_id>/me-too")
@refuses(blp, 403, 409)
@blp.response(200, TicketBriefOut)
def me_too(ticket_id: int):
    """我也遇到: follow a ticket shown on the public board, to hear its outcome."""
    member = current_member()
    return tickets.me_too(tickets.followable_ticket(ticket_id, member), member=member)
