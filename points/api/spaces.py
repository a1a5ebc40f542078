"""Booking shared space over the API: spaces, availability, bookings."""

from __future__ import annotations

from points.api.access import current_member
from points.api.blueprint import Blueprint
from points.api.helpers import ON_BEHALF_OF, acting_member
from points.api.responses import refuses
from points.fund.schemas import IncomeOut, RentRequest
from points.spaces import attendance, rent, series, waitlist
from points.spaces import services as spaces
from points.spaces.schemas import (
    AvailabilityQuery,
    BookingChangeRequest,
    BookingDecisionRequest,
    BookingOut,
    BookingRequest,
    SeriesOut,
    SeriesRequest,
    SlotOut,
    SpaceCheckInRequest,
    SpaceOut,
    WaitOut,
    WaitRequest,
)

blp = Blueprint("spaces_api", __name__, description="Booking shared space")


@blp.get("/spaces")
@blp.response(200, SpaceOut(many=True))
def space_list():
    """Spaces with opening hours, slot length and prices per tier."""
    return spaces.spaces()


@blp.get("/spaces/<int:space_id>/availability")
@blp.arguments(AvailabilityQuery, location="query")
@blp.response(200, SlotOut(many=True))
def availability(query, space_id: int):
    """Every slot of a local day, free or taken."""
    return spaces.availability(spaces.get_space(space_id), query["date"])


@blp.post("/bookings")
@refuses(blp, 403, 404, 409)
@blp.doc(parameters=[ON_BEHALF_OF])
@blp.arguments(BookingRequest)
@blp.response(201, BookingOut)
def book(body):
    """Book [start, end) on slot boundaries; 409 when any part of it is taken. With
    On-Behalf-Of (代办, scope `book`) the booking is the resident's and they pay."""
    host, actor = acting_member("book")
    return spaces.book(host, **body, actor=actor)


@blp.post("/bookings/series")
@refuses(blp, 403, 404, 409)
@blp.arguments(SeriesRequest)
@blp.response(201, SeriesOut)
def book_weekly(body):
    """The same time each week for `weeks` weeks. `skip_conflicts` false: every week or none
    (409 naming the weeks that cannot be booked); true: the weeks that can be, and `skipped`
    says which were not and why. Each occurrence can be cancelled alone."""
    return series.book_weekly(current_member(), **body)


@blp.patch("/bookings/<int:booking_id>")
@refuses(blp, 403, 409)
@blp.arguments(BookingChangeRequest)
@blp.response(200, BookingOut)
def change(body, booking_id: int):
    """Change a booking before it begins. A new time, space or tier re-prices it (paid in
    full back, charged anew) and, where the space needs approval, makes it pending again."""
    host = current_member()
    return spaces.change(spaces.own_booking(booking_id, host), host=host, **body)


@blp.post("/bookings/<int:booking_id>/check-in")
@refuses(blp, 403, 409)
@blp.response(200, BookingOut)
def check_in(booking_id: int):
    """The host (from BOOKING_CHECK_IN_EARLY_MINUTES, 15 by default, before the start) or
    community staff check a booking in."""
    return attendance.check_in(spaces.get_booking(booking_id), actor=current_member())


@blp.post("/spaces/check-in")
@refuses(blp, 403, 404, 409)
@blp.arguments(SpaceCheckInRequest)
@blp.response(200, BookingOut)
def check_in_here(body):
    """Scan the QR code at the space: checks in your booking there that is due now."""
    return attendance.check_in_here(attendance.space_of_code(body["code"]), current_member())


@blp.get("/bookings/queue")
@refuses(blp, 403)
@blp.response(200, BookingOut(many=True))
def queue():
    """Social workers: bookings awaiting approval in their community (admin: all)."""
    return spaces.pending_for(current_member())


@blp.post("/waits")
@refuses(blp, 403, 404, 409)
@blp.arguments(WaitRequest)
@blp.response(201, WaitOut)
def wait(body):
    """Wait for a taken time; when it frees you are offered it (see /me/bookings, status
    `offered`, and accept it before `offer_expires_at`)."""
    return waitlist.wait(current_member(), **body)


@blp.get("/me/waits")
@blp.response(200, WaitOut(many=True))
def my_waits():
    return waitlist.waits_of(current_member())


@blp.post("/waits/<int:wait_id>/withdraw")
@refuses(blp, 409)
@blp.response(200, WaitOut)
def withdraw(wait_id: int):
    return waitlist.withdraw(wait_id, host=current_member())


@blp.post("/bookings/<int:booking_id>/accept")
@refuses(blp, 403, 409)
@blp.response(200, BookingOut)
def accept(booking_id: int):
    """Accept an offered slot: it is paid (or held for approval) like a new booking."""
    host = current_member()
    return waitlist.accept(spaces.own_booking(booking_id, host), host=host)


@blp.post("/bookings/<int:booking_id>/decline")
@refuses(blp, 409)
@blp.response(200, BookingOut)
def decline(booking_id: int):
    host = current_member()
    return waitlist.decline(spaces.own_booking(booking_id, host), host=host)


@blp.get("/me/bookings")
@blp.response(200, BookingOut(many=True))
def my_bookings():
    return spaces.bookings_of(current_member())


@blp.post("/bookings/<int:booking_id>/cancel")
@refuses(blp, 409)
@blp.response(200, BookingOut)
def cancel(booking_id: int):
    """Cancel: a full refund before the deadline (24 h by default), then the configured share."""
    host = current_member()
    return spaces.cancel(spaces.own_booking(booking_id, host), host=host)


@blp.post("/bookings/<int:booking_id>/approve")
@refuses(blp, 403, 409)
@blp.response(200, BookingOut)
def approve(booking_id: int):
    """Social workers: approve a booking that needs it (its held cost is posted)."""
    return spaces.approve(spaces.get_booking(booking_id), actor=current_member())


@blp.post("/bookings/<int:booking_id>/reject")
@refuses(blp, 403, 409)
@blp.arguments(BookingDecisionRequest)
@blp.response(200, BookingOut)
def reject(body, booking_id: int):
    return spaces.reject(
        spaces.get_booking(booking_id), actor=current_member(), reason=body["reason"]
    )


def _visible_booking(booking_id: int):
    """The booking's host and the space's managers see it; anyone else: not found."""
    found = spaces.get_booking(booking_id)
    member = current_member()
    if found.host_id != member.id and not spaces.may_manage(found.space, member):
        raise spaces.NotFound(spaces.M.NO_SUCH_BOOKING, field="booking")
    return found


@blp.get("/bookings/<int:booking_id>/rent")
@blp.response(200, IncomeOut(many=True))
def booking_rent(booking_id: int):
    """A 市场 booking's market rent as recorded (a reversed one stays, with its reversal)."""
    return rent.rent_entries(_visible_booking(booking_id))


@blp.post("/bookings/<int:booking_id>/rent")
@refuses(blp, 403, 409)
@blp.arguments(RentRequest)
@blp.response(201, IncomeOut)
def record_booking_rent(body, booking_id: int):
    """The space's managers who record the fund's income: the booking's market rent, as the
    fund's income with its 反哺 share. Once per booking (the same body again returns it; other
    details are 409); after a reversal it can be recorded again."""
    found = _visible_booking(booking_id)
    return rent.record_rent(found, actor=current_member(), **body)
