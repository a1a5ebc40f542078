"""Shared-space pages: the spaces, a week of free and taken slots per space, the booking
form (once or weekly), my bookings and waits, the approval queue and check-in at the door."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from points import clock
from points.errors import InvalidInput, NotFound
from points.fund import services as fund
from points.spaces import attendance, rent, series, waitlist
from points.spaces import messages as M
from points.spaces import services as spaces
from points.spaces.models import TIERS, Booking, Space
from points.web.forms import attempt, refused, show_error
from points.web.fund import METHOD_NAMES
from points.web.labels import SERVICE_TIER_NAMES, locale
from points.web.qr import qr_svg

bp = Blueprint("spaces", __name__)


# ---------------------------------------------------------------------------- browsing


@bp.get("/spaces")
@login_required
def space_list():
    return render_template("spaces/list.html", spaces=spaces.spaces(), tiers=TIERS)


def _monday(value: str | None) -> date:
    """The Monday of the week asked for; a malformed one is reported and this week shown."""
    try:
        day = date.fromisoformat(value) if value else clock.today()
        if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
            raise ValueError(value)
    except ValueError:
        show_error(None, InvalidInput(M.DATE, field="week"))
        day = clock.today()
    return day - timedelta(days=day.weekday())


@bp.get("/spaces/<int:space_id>")
@login_required
def week(space_id: int):
    """Seven days of slots, free or taken; a free slot opens the booking form. This week
    starts today (the days already gone this week are one "previous week" away)."""
    space = spaces.get_space(space_id)
    monday = _monday(request.args.get("week"))
    today = clock.today()
    first = today if monday <= today < monday + timedelta(days=7) else monday
    days = [first + timedelta(days=i) for i in range(7)]
    closed = spaces.closures(space, days[0], days[-1])
    now = clock.now()
    return render_template(
        "spaces/week.html",
        space=space,
        days=[(d, spaces.availability(space, d), closed.get(d)) for d in days],
        monday=first,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        now=now,
        may_book=spaces.may_book(current_user, space),
    )


# ---------------------------------------------------------------------------- booking form


def _times(space: Space) -> list[str]:
    """Every slot boundary the space is ever open at, as HH:MM."""
    minutes = set()
    for intervals in space.opening_hours.values():
        for opens, closes in intervals:
            first, last = spaces.clock_minutes(opens), spaces.clock_minutes(closes)
            minutes.update(range(first, last + 1, space.slot_minutes))
    return [f"{m // 60:02d}:{m % 60:02d}" for m in sorted(minutes)]


class BookForm(FlaskForm):
    day = DateField(_l("Date"))
    start = SelectField(_l("From"), validate_choice=False)
    end = SelectField(_l("Until"), validate_choice=False)
    tier = SelectField(_l("Kind of use"))
    title = StringField(_l("What is it for (programme title)"))
    expected_attendance = IntegerField(
        _l("Expected attendance"), default=10, validators=[Optional(), NumberRange(0, 10_000)]
    )
    weeks = IntegerField(
        _l("Repeat weekly for how many weeks (1: just this once)"),
        default=1,
        validators=[Optional(), NumberRange(1, 52)],
    )
    skip_conflicts = BooleanField(_l("If some weeks are taken, book the others anyway"))


def _moment(day: date, hhmm: str, field: str) -> datetime:
    try:
        hours, minutes = (int(part) for part in hhmm.split(":"))
        if hours == 24 and minutes == 0:
            return clock.at(day + timedelta(days=1))
        return clock.at(day, time(hours, minutes))
    except (AttributeError, ValueError):
        raise InvalidInput(M.TIME_FROM_LIST, field=field) from None


def _form_for(space: Space, form: BookForm) -> BookForm:
    form.start.choices = form.end.choices = _times(space)
    form.tier.choices = [(t, SERVICE_TIER_NAMES[t]) for t in TIERS]
    return form


def _prefill(space: Space, form: BookForm) -> None:
    """From the week page: ?start=<ISO> of the slot pressed; from the home page also
    ?end=<ISO>, the end of the free run (the booking ends there if that is sooner)."""
    try:
        # A hand-typed "+08:00" arrives as a space.
        given = request.args.get("start", "").replace(" ", "+")
        start = clock.local(datetime.fromisoformat(given))
    except ValueError:
        return
    form.day.data = start.date()
    form.start.data = f"{start:%H:%M}"
    end = start + timedelta(minutes=max(space.slot_minutes, 60))
    try:
        free_until = clock.local(
            datetime.fromisoformat(request.args.get("end", "").replace(" ", "+"))
        )
        if start < free_until < end:
            end = free_until
    except (TypeError, ValueError):
        pass
    form.end.data = "24:00" if end.date() != start.date() else f"{end:%H:%M}"


def _request_fields(space: Space, form: BookForm) -> dict:
    if form.day.data is None:
        raise InvalidInput(M.DATE, field="day")
    return {
        "space_id": space.id,
        "start": _moment(form.day.data, form.start.data, "start"),
        "end": _moment(form.day.data, form.end.data, "end"),
        "tier": form.tier.data,
        "title": form.title.data or "",
        "expected_attendance": form.expected_attendance.data or 0,
    }


def _asked(form: BookForm) -> tuple[datetime, datetime] | None:
    """The time the form asks for, when its day, start and end read as one."""
    if form.day.data is None:
        return None
    try:
        start = _moment(form.day.data, form.start.data, "start")
        end = _moment(form.day.data, form.end.data, "end")
    except InvalidInput:
        return None
    return (start, end) if start < end else None


def _ends_after_start(form: BookForm) -> None:
    """Offer only end times after the chosen start (the first one when none is chosen)."""
    times = list(form.start.choices or [])
    start = form.start.data if form.start.data in times else (times[0] if times else None)
    form.end.choices = [t for t in times if start is None or t > start]


@bp.route("/spaces/<int:space_id>/book", methods=["GET", "POST"])
@login_required
def book(space_id: int):
    space = spaces.get_space(space_id)
    form = _form_for(space, BookForm())
    if request.method == "GET":
        _prefill(space, form)
    elif form.validate_on_submit():
        with refused(form):
            fields = _request_fields(space, form)
            action = request.form.get("action")
            if action == "wait":
                waitlist.wait(current_user, **fields)
                flash(_waiting_message(), "success")
                return redirect(url_for("spaces.mine"))
            if action == "wait_weekly":
                done = waitlist.wait_weekly(current_user, weeks=form.weeks.data or 1, **fields)
                flash(_waiting_weekly_message(done), "success")
                return redirect(url_for("spaces.mine"))
            weeks = form.weeks.data or 1
            if weeks == 1:
                made = spaces.book(current_user, **fields)
                flash(_booked_message(made), "success")
                return redirect(url_for("spaces.mine"))
            done = series.book_weekly(
                current_user, weeks=weeks, skip_conflicts=form.skip_conflicts.data, **fields
            )
            flash(
                _("Booked %(n)s weeks.", n=len(done.bookings)) + " " + _skipped(done.skipped),
                "success",
            )
            return redirect(url_for("spaces.mine"))
    else:
        flash(_("Please correct the marked fields and try again."), "error")
    return render_template("spaces/book.html", **form_context(space, form, current_user))


def book_form(space: Space) -> BookForm:
    """The booking form for `space` (also the 代办 page's, for a resident)."""
    return _form_for(space, BookForm())


prefill = _prefill
request_fields = _request_fields


def form_context(space: Space, form: BookForm, host) -> dict:
    """What the booking page shows for `host`: whether they may book, the time asked for,
    whether it is taken, and its cost to them."""
    _ends_after_start(form)
    asked = _asked(form)
    return dict(
        space=space,
        form=form,
        may_book=spaces.may_book(host, space),
        asked=asked,
        taken=asked is not None and not spaces.is_free(space, *asked),
        quote=spaces.quote(host, space, *asked) if asked else None,
    )


def booked_message(booking: Booking) -> str:
    return _booked_message(booking)


def _waiting_message() -> str:
    return _(
        "You are on the waiting list. If the time frees, it is offered to you "
        "here first; accept it in time."
    )


def _waiting_weekly_message(done: waitlist.WeeklyWait) -> str:
    said = _("You are on the waiting list for %(n)s weeks.", n=len(done.waits))
    if done.free:
        days = ", ".join(f"{d:%m-%d}" for d in done.free)
        said += " " + _("These weeks are free, book them instead: %(days)s.", days=days)
    if done.already:
        days = ", ".join(f"{d:%m-%d}" for d in done.already)
        said += " " + _("You were already waiting for: %(days)s.", days=days)
    return said


def _booked_message(booking: Booking) -> str:
    if booking.status == "pending":
        return _("Sent for approval. What it costs is set aside until a social worker decides.")
    return _(
        "Booked. Check in at the space from %(early)s minutes before the start.",
        early=attendance.check_in_times().early,
    )


def _skipped(skipped: list[series.Skipped]) -> str:
    if not skipped:
        return ""
    days = ", ".join(f"{s.day:%m-%d}" for s in skipped)
    return _("Skipped because they could not be booked: %(days)s.", days=days)


# ---------------------------------------------------------------------------- my bookings


@bp.get("/me/bookings")
@login_required
def mine():
    now = clock.now()
    booked = spaces.bookings_of(current_user, limit=200)
    return render_template(
        "spaces/mine.html",
        upcoming=[b for b in booked if spaces.is_ahead(b, now)][::-1],
        past=[b for b in booked if not spaces.is_ahead(b, now)],
        waits=waitlist.waits_of(current_user),
        now=now,
        may_check_in=partial(attendance.may_check_in, actor=current_user, now=now),
        may_change=partial(spaces.may_change, now=now),
        may_cancel=partial(spaces.may_cancel, now=now),
        refunds_in_full=partial(spaces.refunds_in_full, now=now),
        check_in_times=attendance.check_in_times(),
        refund_deadline=spaces.refund_deadline,
        late_share=spaces.late_refund_percent(),
    )


def _when(booking: Booking) -> str:
    """The booking's local date and hours, as a host reads them: 12月3日 10:00–11:00."""
    start, end = clock.local(booking.start_at), clock.local(booking.end_at)
    day = format_date(start.date(), "MMM d" if locale() == "en" else "M月d日")
    return f"{day} {start:%H:%M}–{end:%H:%M}"


@bp.route("/me/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    """Asks first (GET: what cancelling gives back, this booking or its whole series),
    then cancels (POST, scope=series for every week of the series not begun)."""
    found = spaces.own_booking(booking_id, current_user)
    now = clock.now()
    if request.method == "GET":
        if not spaces.may_cancel(found, now):
            flash(_("This booking can no longer be cancelled."), "error")
            return redirect(url_for("spaces.mine"))
        return render_template(
            "spaces/cancel.html",
            booking=found,
            when=_when(found),
            in_series=series.cancellable(found, host=current_user, now=now),
            now=now,
            refunds_in_full=spaces.refunds_in_full(found, now),
            refund_deadline=spaces.refund_deadline(found),
            late_share=spaces.late_refund_percent(),
        )
    if request.form.get("scope") == "series":
        with refused():
            done = series.cancel_series(found, host=current_user)
            flash(
                _(
                    "Cancelled %(n)s bookings of the series: %(when)s. Any refund is back in "
                    "your balance.",
                    n=len(done),
                    when="; ".join(_when(b) for b in done),
                ),
                "success",
            )
        return redirect(url_for("spaces.mine"))
    attempt(
        lambda: spaces.cancel(found, host=current_user),
        _(
            "Cancelled the booking of %(when)s. Any refund is back in your balance.",
            when=_when(found),
        ),
    )
    return redirect(url_for("spaces.mine"))


@bp.post("/me/bookings/<int:booking_id>/check-in")
@login_required
def check_in(booking_id: int):
    found = spaces.own_booking(booking_id, current_user)
    attempt(lambda: attendance.check_in(found, actor=current_user), _("Checked in. Enjoy!"))
    return redirect(url_for("spaces.mine"))


@bp.post("/me/bookings/<int:booking_id>/accept")
@login_required
def accept(booking_id: int):
    found = spaces.own_booking(booking_id, current_user)
    attempt(lambda: waitlist.accept(found, host=current_user), _("The time is yours: booked."))
    return redirect(url_for("spaces.mine"))


@bp.post("/me/bookings/<int:booking_id>/decline")
@login_required
def decline(booking_id: int):
    found = spaces.own_booking(booking_id, current_user)
    attempt(
        lambda: waitlist.decline(found, host=current_user),
        _("Declined. The time goes to the next host waiting."),
    )
    return redirect(url_for("spaces.mine"))


@bp.post("/me/waits/<int:wait_id>/withdraw")
@login_required
def withdraw(wait_id: int):
    with refused(lets_through=(NotFound,)):
        waitlist.withdraw(wait_id, host=current_user)
        flash(_("You left the waiting list."), "success")
    return redirect(url_for("spaces.mine"))


class ChangeForm(BookForm):
    weeks = None
    skip_conflicts = None


@bp.route("/me/bookings/<int:booking_id>/change", methods=["GET", "POST"])
@login_required
def change(booking_id: int):
    found = spaces.own_booking(booking_id, current_user)
    if not spaces.may_change(found):
        flash(_("This booking can no longer be changed."), "error")
        return redirect(url_for("spaces.mine"))
    start, end = clock.local(found.start_at), clock.local(found.end_at)
    form = _form_for(found.space, ChangeForm())
    if request.method == "GET":
        form.day.data, form.start.data = start.date(), f"{start:%H:%M}"
        form.end.data = "24:00" if end.date() != start.date() else f"{end:%H:%M}"
        form.tier.data, form.title.data = found.tier, found.title
        form.expected_attendance.data = found.expected_attendance
    elif form.validate_on_submit():
        with refused(form):
            fields = _request_fields(found.space, form)
            fields.pop("space_id")
            changed = spaces.change(found, host=current_user, **fields)
            flash(
                _("Changed. It needs approval again.")
                if changed.status == "pending"
                else _("Changed."),
                "success",
            )
            return redirect(url_for("spaces.mine"))
    _ends_after_start(form)
    return render_template("spaces/change.html", booking=found, space=found.space, form=form)


# ---------------------------------------------------------------------------- staff


@bp.get("/bookings/queue")
@login_required
def queue():
    if not current_user.is_staff:
        abort(403)
    first = clock.at(clock.today())
    return render_template(
        "spaces/queue.html",
        pending=spaces.pending_for(current_user),
        today=spaces.bookings_between(current_user, first, first + timedelta(days=1)),
        may_check_in=partial(attendance.may_check_in, actor=current_user, now=clock.now()),
    )


def _managed(booking_id: int) -> Booking:
    found = spaces.get_booking(booking_id)
    if not current_user.is_staff:
        abort(403)
    return found


@bp.post("/bookings/<int:booking_id>/approve")
@login_required
def approve(booking_id: int):
    found = _managed(booking_id)
    attempt(lambda: spaces.approve(found, actor=current_user), _("Approved."))
    return redirect(url_for("spaces.queue"))


@bp.post("/bookings/<int:booking_id>/reject")
@login_required
def reject(booking_id: int):
    found = _managed(booking_id)
    attempt(
        lambda: spaces.reject(found, actor=current_user, reason=request.form.get("reason", "")),
        _("Not approved. The host gets back what was set aside."),
    )
    return redirect(url_for("spaces.queue"))


@bp.post("/bookings/<int:booking_id>/staff-check-in")
@login_required
def staff_check_in(booking_id: int):
    found = _managed(booking_id)
    attempt(lambda: attendance.check_in(found, actor=current_user), _("Checked in."))
    return redirect(url_for("spaces.queue"))


# ---------------------------------------------------------------------------- one booking


class RentForm(FlaskForm):
    amount = StringField(_l("Rent paid, in yuan, e.g. 300"))
    method = SelectField(
        _l("Paid by cash or transfer"),
        choices=[SelectChoice(code, name) for code, name in METHOD_NAMES.items()],
    )
    reference = StringField(_l("Transfer reference or receipt number (optional)"))
    paid_on = DateField(_l("Day paid"))


def _visible_booking(booking_id: int) -> Booking:
    """The booking's host and the space's managers see it; anyone else a 404."""
    try:
        found = spaces.get_booking(booking_id)
    except NotFound:
        abort(404)
    if found.host_id != current_user.id and not spaces.may_manage(found.space, current_user):
        abort(404)
    return found


def _booking_page(found: Booking, form: RentForm, status: int = 200):
    entries = rent.rent_entries(found)
    names = rent.recorders(entries)
    return render_template(
        "spaces/booking.html",
        booking=found,
        when=_when(found),
        form=form,
        rents=entries,
        names=names,
        offer_rent=rent.rent_due(found) and rent.may_record_rent(found, current_user),
        staff=fund.is_staff_of(current_user, found.space.community_id),
    ), status


@bp.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    """One booking: when, where, its state and cost; for a 市场 booking its market rent —
    recorded (how much, when, by whom) or, for the space's managers, the form to record it."""
    found = _visible_booking(booking_id)
    form = RentForm()
    form.paid_on.data = clock.today()
    return _booking_page(found, form)


@bp.post("/bookings/<int:booking_id>/rent")
@login_required
def record_rent(booking_id: int):
    found = _visible_booking(booking_id)
    form = RentForm()
    if form.validate_on_submit():
        with refused(form):
            rent.record_rent(
                found,
                actor=current_user,
                amount_fen=fund.parse_yuan(form.amount.data),
                method=form.method.data,
                reference=form.reference.data,
                paid_on=form.paid_on.data,
            )
            flash(_("Rent recorded as the fund's income; its share is in the fund."), "success")
            return redirect(url_for("spaces.booking", booking_id=found.id))
    else:
        if form.paid_on.errors:
            form.paid_on.errors = [_("Enter a date like 2026-05-01.")]
        flash(_("Please correct the marked fields and try again."), "error")
    return _booking_page(spaces.get_booking(booking_id), form, 422)


@bp.get("/spaces/<int:space_id>/door")
@login_required
def door(space_id: int):
    """A poster for the door: hosts scan it to check in."""
    space = spaces.get_space(space_id)
    if not spaces.may_manage(space, current_user):
        abort(403)
    url = url_for("spaces.scan", code=attendance.space_code(space), _external=True)
    return render_template(
        "spaces/door.html",
        space=space,
        svg=qr_svg(url),
        url=url,
        check_in_times=attendance.check_in_times(),
    )


@bp.route("/spaces/check-in/<code>", methods=["GET", "POST"])
@login_required
def scan(code: str):
    """Where the door's QR code leads: one button checks in the booking due now."""
    try:
        space = attendance.space_of_code(code)
    except InvalidInput:  # not a code of ours: a page that is not here
        abort(404)
    if request.method == "POST":
        if attempt(lambda: attendance.check_in_here(space, current_user), _("Checked in. Enjoy!")):
            return redirect(url_for("spaces.mine"))
    return render_template(
        "spaces/scan.html", space=space, code=code, check_in_times=attendance.check_in_times()
    )
