"""Booking shared space over the API: spaces, availability, bookings."""

from __future__ import annotations

from flask_smorest import Blueprint

from points.api.access import current_member
from points.extensions import db
from points.spaces import services as spaces
from points.spaces.schemas import (
    AvailabilityQuery,
    BookingDecisionRequest,
    BookingOut,
    BookingRequest,
    SlotOut,
    SpaceOut,
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
@blp.arguments(BookingRequest)
@blp.response(201, BookingOut)
def book(body):
    """Book [start, end) on slot boundaries; 409 when any part of it is taken."""
    booking = spaces.book(current_member(), **body)
    db.session.commit()
    return booking


@blp.get("/me/bookings")
@blp.response(200, BookingOut(many=True))
def my_bookings():
    return spaces.bookings_of(current_member())


@blp.post("/bookings/<int:booking_id>/cancel")
@blp.response(200, BookingOut)
def cancel(booking_id: int):
    """Cancel: a full refund before the deadline (24 h by default), then the configured share."""
    host = current_member()
    done = spaces.cancel(spaces.own_booking(booking_id, host), host=host)
    db.session.commit()
    return done


@blp.post("/bookings/<int:booking_id>/approve")
@blp.response(200, BookingOut)
def approve(booking_id: int):
    """Social workers: approve a booking that needs it (its held cost is posted)."""
    done = spaces.approve(spaces.get_booking(booking_id), actor=current_member())
    db.session.commit()
    return done


@blp.post("/bookings/<int:booking_id>/reject")
@blp.arguments(BookingDecisionRequest)
@blp.response(200, BookingOut)
def reject(body, booking_id: int):
    done = spaces.reject(
        spaces.get_booking(booking_id), actor=current_member(), reason=body["reason"]
    )
    db.session.commit()
    return done
