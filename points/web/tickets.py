"""Ticket pages: 随手拍 (report a hazard with photos) and 点单 (order from the service menu),
my tickets and the ticket page with the steps this viewer may take now, the grid's triage
queue, the unit's queue, the overdue board (督办) and the public board.

Who may do what is asked of points.tickets.services (may_triage, unit_of, the reporter);
a refused step draws the ticket page again with the reason beside the form that was sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from points import clock
from points.activities import services as activities
from points.database import is_id, utcnow
from points.errors import InvalidInput, PointsError
from points.members import services as members
from points.tickets import messages as M
from points.tickets import services as tickets
from points.web.forms import refused
from points.web.labels import locale
from points.web.messages import translate_error

bp = Blueprint("tickets", __name__)

TRIAGE_PAGE = tickets.QUEUE_LIMIT  # tickets on a page of the triage queue


# ---------------------------------------------------------------------------- helpers


def _uploads(field_name: str = "photos") -> list:
    """The files really chosen in a multiple file input (a form sent without a choice
    carries one empty part)."""
    return [f for f in request.files.getlist(field_name) if f and f.filename]


def _save_photos(member, files, field: str = "photos") -> list[str]:
    """Store each uploaded photo and return their tokens; an unreadable one is refused on
    the form's photo field."""
    if len(files) > tickets.MAX_PHOTOS:
        raise InvalidInput(M.TOO_MANY_PHOTOS, field=field, n=tickets.MAX_PHOTOS)
    tokens = []
    for upload in files:
        try:
            tokens.append(activities.save_evidence(member, upload.read()).token)
        except PointsError as error:
            error.errors = {field: [m for ms in error.errors.values() for m in ms]}
            raise
    return tokens


def _grid_choices(member) -> list[tuple[str, str]]:
    """The grids of the member's community (every community's, for one without)."""
    if member.community is not None:
        return [(str(g.id), g.local_name(locale())) for g in member.community.grids]
    return [
        (str(g.id), f"{c.local_name(locale())} · {g.local_name(locale())}")
        for c in members.communities()
        for g in c.grids
    ]


def _name(thing) -> str:
    return thing.name(locale())


past_due = tickets.is_overdue


def ago(moment: datetime) -> str:
    return format_timedelta(moment - utcnow(), add_direction=True, granularity="minute")


def _number(value):
    """A posted whole number as the service should see it: an int when digits, else as sent."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return value


@dataclass(frozen=True)
class Queues:
    """The ticket queues the member has, with counts (None: not theirs)."""

    triage: int | None
    unit: int | None
    overdue: bool  # staff: the overdue board


def queues(member) -> Queues:
    """Once per request: the menu and the home page both show it."""
    found = g.get("ticket_queues")
    if found is None:
        found = Queues(
            triage=tickets.triage_count(member) if tickets.triages_anywhere(member) else None,
            unit=tickets.unit_queue_count(member) if tickets.is_unit_staff(member) else None,
            overdue=member.is_staff,
        )
        g.ticket_queues = found
    return found


def register(app) -> None:
    app.jinja_env.globals["ticket_ago"] = ago
    app.jinja_env.globals["ticket_past_due"] = past_due

    @app.context_processor
    def _ticket_queues():
        if current_user.is_authenticated:
            return {"ticket_queues": queues(current_user)}
        return {"ticket_queues": None}


# ---------------------------------------------------------------------------- report (随手拍)


class ReportForm(FlaskForm):
    photos = MultipleFileField(_l("Photos of it (1 to 6)"))
    category = RadioField(_l("What kind of problem"), validate_choice=False)
    description = TextAreaField(_l("What is wrong"))
    spot = StringField(_l("Where exactly (building, entrance, landmark)"))
    grid = SelectField(_l("Grid (网格)"), validate_choice=False)
    latitude = StringField(_l("Latitude"))
    longitude = StringField(_l("Longitude"))


@bp.route("/report", methods=["GET", "POST"])
@login_required
def report():
    form = ReportForm()
    form.category.choices = [(c.code, _name(c)) for c in tickets.categories("report")]
    form.grid.choices = _grid_choices(current_user)
    if request.method == "GET":
        form.grid.data = str(current_user.grid_id or "")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refused(form):
                ticket = tickets.report(
                    current_user,
                    category=form.category.data or None,
                    description=form.description.data,
                    photos=_save_photos(current_user, _uploads()),
                    grid=form.grid.data or None,
                    spot=form.spot.data,
                    latitude=form.latitude.data or None,
                    longitude=form.longitude.data or None,
                )
                flash(
                    _("Sent. The grid worker checks it and you can follow it here."), "success"
                )
                return redirect(url_for("tickets.show", ticket_id=ticket.id))
        else:
            flash(_("Please correct the marked fields and try again."), "error")
        status = 422
    return render_template("tickets/report.html", form=form, sent=request.method == "POST"), status


# ---------------------------------------------------------------------------- order (点单)


class OrderForm(FlaskForm):
    item = RadioField(_l("Service"), validate_choice=False)
    wanted_at = DateTimeLocalField(
        _l("When (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    grid = SelectField(_l("Grid (网格)"), validate_choice=False)
    spot = StringField(_l("Where (address, building, room)"))
    description = TextAreaField(_l("What you need"))
    photos = MultipleFileField(_l("Photos (optional)"))


@bp.route("/order", methods=["GET", "POST"])
@login_required
def order():
    form = OrderForm()
    menu = tickets.service_menu(current_user.community_id)
    grouped: dict = {}
    for item in menu:
        grouped.setdefault(item.category, []).append(item)
    form.item.choices = [(str(i.id), _name(i)) for i in menu]
    form.grid.choices = _grid_choices(current_user)
    if request.method == "GET":
        form.grid.data = str(current_user.grid_id or "")
        form.item.data = request.args.get("item", "")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refused(form):
                ticket = tickets.order(
                    current_user,
                    item=_number(form.item.data) or None,
                    description=form.description.data,
                    wanted_at=clock.from_wall_clock(form.wanted_at.data),
                    grid=form.grid.data or None,
                    spot=form.spot.data,
                    photos=_save_photos(current_user, _uploads()),
                )
                flash(_("Ordered. The grid worker passes it to a unit that offers it."), "success")
                return redirect(url_for("tickets.show", ticket_id=ticket.id))
        else:
            if form.wanted_at.errors:
                form.wanted_at.errors = [_("Enter a date and time like 2026-05-01 14:00.")]
            flash(_("Please correct the marked fields and try again."), "error")
        status = 422
    return render_template("tickets/order.html", form=form, grouped=grouped), status


# ---------------------------------------------------------------------------- mine, one ticket


@bp.get("/tickets")
@login_required
def mine():
    return render_template("tickets/mine.html", tickets=tickets.mine(current_user))


def _show(ticket, *, failed: str | None = None, fields: dict | None = None):
    viewer = current_user
    assignment = tickets.unit_of(viewer, ticket)
    steps = tickets.steps(viewer, ticket)
    return render_template(
        "tickets/show.html",
        ticket=ticket,
        steps=steps,
        assignment=assignment,
        photos=tickets.photos_for(viewer, ticket),
        timeline=tickets.timeline(ticket),
        reporter_name=tickets.reporter_label(viewer, ticket),
        duplicates=tickets.duplicates_for(ticket) if steps["merge"] else [],
        units=_unit_choices(ticket) if steps["dispatch"] else None,
        held_by={a.unit_id for a in ticket.assignments if a.status in ("dispatched", "accepted")},
        confirm_by=tickets.confirm_by(ticket),
        is_overdue=tickets.is_overdue(ticket),
        failed=failed,
        fields=fields or {},
        posted=request.form if failed else {},
    )


@dataclass(frozen=True)
class UnitChoices:
    first: list  # shown at once: the units offering an order's service, else departments
    more: list  # folded away


def _unit_choices(ticket) -> UnitChoices:
    units = tickets.units_for(ticket)
    offering = {u.id for u in ticket.item.units} if ticket.item is not None else None
    first = [u for u in units if (u.id in offering if offering is not None
                                  else u.kind == "department")]
    if not first:
        return UnitChoices(units, [])
    return UnitChoices(first, [u for u in units if u not in first])


@bp.get("/tickets/<int:ticket_id>")
@login_required
def show(ticket_id: int):
    return _show(tickets.visible_ticket(ticket_id, current_user))


def _reporter_steps():
    me, form = current_user, request.form
    return {
        "confirm": (
            lambda t: tickets.confirm(t, member=me, rating=form.get("rating") or None,
                                      comment=form.get("comment")),
            _l("Thank you: the ticket is closed as put right."),
        ),
        "dispute": (
            lambda t: tickets.dispute(t, member=me, reason=form.get("reason")),
            _l("Sent back to the unit with your reason."),
        ),
        "rate": (
            lambda t: tickets.rate(t, member=me, rating=form.get("rating"),
                                   comment=form.get("comment")),
            _l("Thank you for rating the handling."),
        ),
        "withdraw": (
            lambda t: tickets.withdraw(t, member=me, reason=form.get("reason")),
            _l("Withdrawn. Nobody will work on it any more."),
        ),
    }


def _grid_steps():
    me, form = current_user, request.form
    return {
        "verify": (
            lambda t: tickets.verify(t, actor=me),
            _l("Checked: it waits to be dispatched."),
        ),
        "merge": (
            lambda t: tickets.merge(t, actor=me, into=_number(form.get("into"))),
            _l("Merged: its reporter now follows the earlier ticket."),
        ),
        "close": (
            lambda t: tickets.close_as_not_a_problem(t, actor=me, reason=form.get("reason")),
            _l("Closed as not a problem; the reporter sees your reason."),
        ),
        "dispatch": (
            lambda t: tickets.dispatch(t, actor=me, units=form.getlist("units"),
                                       note=form.get("note")),
            _l("Dispatched (派单): the units are told."),
        ),
        "publish": (
            lambda t: tickets.publish(t, actor=me, published=form.get("published") == "1"),
            _l("Saved: the public board shows what you chose."),
        ),
    }


def _unit_steps():
    me, form = current_user, request.form

    def handle(t):
        photos = _save_photos(me, _uploads())
        return tickets.handle(t, actor=me, outcome=form.get("outcome"), note=form.get("note"),
                              photos=photos)

    return {
        "accept": (
            lambda t: tickets.accept(t, actor=me),
            _l("Accepted (接单): the clock to handle it runs."),
        ),
        "return": (
            lambda t: tickets.return_ticket(t, actor=me, reason=form.get("reason")),
            _l("Returned (退单) with your reason."),
        ),
        "start": (lambda t: tickets.start(t, actor=me), _l("Marked as being handled.")),
        "handle": (handle, _l("Done: the reporter is asked to confirm.")),
    }


STEPS = (_reporter_steps, _grid_steps, _unit_steps)


@bp.post("/tickets/<int:ticket_id>/<step>")
@login_required
def act(ticket_id: int, step: str):
    """One step on the ticket; a refusal draws the page again with the reason."""
    actions = {}
    for group in STEPS:
        actions.update(group())
    if step not in actions:
        abort(404)
    ticket = tickets.visible_ticket(ticket_id, current_user)
    action, success = actions[step]
    with refused(show=False) as refusal:
        action(ticket)
        flash(str(success), "success")
        return redirect(url_for("tickets.show", ticket_id=ticket_id))
    error = refusal.error
    fields = {f: [translate_error(m) for m in ms] for f, ms in error.errors.items()}
    flash(translate_error(error.message), "error")
    ticket = tickets.visible_ticket(ticket_id, current_user)
    return _show(ticket, failed=step, fields=fields), error.status


@bp.get("/tickets/photos/<int:photo_id>")
def photo(photo_id: int):
    """A ticket photo for whoever may see it (a published one for anyone); else 404."""
    viewer = current_user if current_user.is_authenticated else None
    found = tickets.photo_of(viewer, photo_id)
    data, content_type = tickets.photo_file(found)
    answer = send_file(io.BytesIO(data), mimetype=content_type)
    answer.headers["Cache-Control"] = "private, max-age=3600"
    return answer


# ---------------------------------------------------------------------------- queues


@bp.get("/grid/tickets")
@login_required
def triage():
    after = request.args.get("after", type=int)
    if after is not None and not is_id(after):
        abort(404)
    waiting = tickets.triage_queue(current_user, after=after, limit=TRIAGE_PAGE)
    return render_template(
        "tickets/triage.html",
        tickets=waiting,
        more=waiting[-1].id if len(waiting) == TRIAGE_PAGE else None,
        cards=tickets.triage_cards(current_user, waiting),
    )


@bp.get("/unit/tickets")
@login_required
def unit_queue():
    assignments = tickets.unit_queue(current_user)
    return render_template(
        "tickets/unit_queue.html",
        to_answer=[a for a in assignments if a.status == "dispatched"],
        to_handle=[a for a in assignments if a.status == "accepted"],
        units=tickets.units_of(current_user),
    )


@bp.get("/street/tickets", endpoint="overdue")
@login_required
def overdue_board():
    return render_template(
        "tickets/overdue.html",
        by_unit=tickets.overdue_by_unit(current_user),
        tickets=tickets.overdue(current_user),
        holder=tickets.holder,
    )


# ---------------------------------------------------------------------------- the board

PERIODS = {
    "this-month": _l("This month"),
    "last-month": _l("Last month"),
    "this-year": _l("This year"),
}


def period_span(code: str, today: date) -> tuple[date, date]:
    """[start, end) of a board period around `today`."""
    first = today.replace(day=1)
    if code == "last-month":
        previous = date(first.year - 1, 12, 1) if first.month == 1 else first.replace(
            month=first.month - 1)
        return previous, first
    if code == "this-year":
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    following = date(first.year + 1, 1, 1) if first.month == 12 else first.replace(
        month=first.month + 1)
    return first, following


@bp.get("/board")
def board_list():
    return render_template("tickets/board_list.html", communities=members.communities())


@bp.get("/board/<int:community_id>")
def board(community_id: int):
    period = request.args.get("period") or "this-month"
    if period not in PERIODS:
        raise InvalidInput(M.ONE_OF_BOARD_PERIODS, field="period", values=list(PERIODS))
    start, end = period_span(period, clock.today())
    found = tickets.board(community_id, start=start, end=end)
    return render_template(
        "tickets/board.html",
        board=found,
        period=period,
        periods=PERIODS,
        last_day=end - timedelta(days=1),
        photos={t.id: tickets.photos_for(None, t) for t in found.tickets},
        signed_in=current_user.is_authenticated,
    )


@bp.post("/board/tickets/<int:ticket_id>/me-too")
@login_required
def me_too(ticket_id: int):
    ticket = tickets.get_ticket(ticket_id)
    with refused():
        tickets.me_too(ticket, member=current_user)
        flash(_("You will be told when it is put right. It is under My tickets."), "success")
    return redirect(url_for("tickets.board", community_id=ticket.community_id))
