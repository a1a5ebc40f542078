"""The ticket loop's verbs: report and order, triage (verify, merge, close), dispatch, accept
and return, handle, confirm or dispute, rate; the sweep's deadlines; queues and the board.

Who may act is asked here, once (`may_triage`, `unit_of`, `visible_ticket`); pages and the
API call these and show what they refuse. Each step locks the ticket's row first, so two
grid workers pressing at once get one result: the second sees the first's and is refused
(or, pressing the same, gets the same answer). Every step writes a `TicketEvent` and tells
whoever must act next in the same transaction.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from points import clock, validate
from points.activities import services as activities
from points.activities.models import Evidence
from points.database import is_id, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.members import services as members
from points.members.models import Community, Grid, Member
from points.notifications import render
from points.notifications import services as notifications
from points.spaces import services as spaces
from points.tickets import calendar
from points.tickets import messages as M
from points.tickets.models import (
    ACTIVE_ASSIGNMENTS,
    HANDLED_OUTCOMES,
    KINDS,
    OPEN_STATES,
    TRIAGE_STATES,
    GridWorker,
    ServiceItem,
    Ticket,
    TicketAssignment,
    TicketCategory,
    TicketEvent,
    TicketFollower,
    TicketPhoto,
    Unit,
    UnitService,
    UnitStaff,
)

MAX_PHOTOS = 6
MAX_DESCRIPTION = 500
MAX_SPOT = 120
CONFIRM_DAYS = 7  # calendar days the reporter has to confirm or dispute a fix
BOARD_MIN_COUNT = 5  # the public board shows no count below this
QUEUE_LIMIT = 50
# Where a ticket waits for whom: the stage its deadline is for.
UNIT_STATES = ("dispatched", "accepted", "in_progress")

# ---------------------------------------------------------------------------- reference data


def ensure_category(
    *,
    code,
    kind,
    name_zh,
    name_en,
    activity_code=None,
    triage_days=1,
    accept_days=1,
    handle_days=5,
    escalate_days=2,
    position=0,
) -> TicketCategory:
    """A ticket category (seed): created once, its deadlines updated when the file changes."""
    if kind not in KINDS:
        raise InvalidInput(M.ONE_OF, field="kind", values=list(KINDS))
    found = db.session.scalar(sa.select(TicketCategory).filter_by(code=code))
    if found is None:
        found = TicketCategory(code=validate.text(code, "code", 40))
        db.session.add(found)
    found.kind = kind
    found.name_zh = validate.text(name_zh, "name_zh", 40)
    found.name_en = validate.text(name_en, "name_en", 80)
    found.activity_code = activity_code
    found.triage_days = validate.whole(triage_days, "triage_days", 1, 30)
    found.accept_days = validate.whole(accept_days, "accept_days", 1, 30)
    found.handle_days = validate.whole(handle_days, "handle_days", 1, 60)
    found.escalate_days = validate.whole(escalate_days, "escalate_days", 1, 30)
    found.position = position
    db.session.flush()
    return found


def _community_id(name) -> int | None:
    if name is None:
        return None
    found = db.session.scalar(sa.select(Community.id).filter_by(name=name))
    if found is None:
        raise InvalidInput(M.NOT_A_COMMUNITY, field="community")
    return found


def ensure_unit(*, code, kind, name_zh, name_en, community=None) -> Unit:
    """A handling unit (seed); `community` empty: it works street-wide."""
    if kind not in ("department", "partner"):
        raise InvalidInput(M.ONE_OF, field="kind", values=["department", "partner"])
    found = db.session.scalar(sa.select(Unit).filter_by(code=code))
    if found is None:
        found = Unit(code=validate.text(code, "code", 40))
        db.session.add(found)
    found.kind = kind
    found.name_zh = validate.text(name_zh, "name_zh", 80)
    found.name_en = validate.text(name_en, "name_en", 120)
    found.community_id = _community_id(community)
    db.session.flush()
    return found


def get_unit(unit_id) -> Unit:
    found = None
    if is_id(unit_id):
        found = db.session.get(Unit, unit_id)
    elif isinstance(unit_id, str):
        found = db.session.scalar(sa.select(Unit).filter_by(code=unit_id))
    if found is None or not found.active:
        raise NotFound(M.NO_SUCH_UNIT, field="unit")
    return found


def ensure_item(
    *, code, category, name_zh, name_en, description_zh="", description_en="", units=(), position=0
) -> ServiceItem:
    """A service menu item (seed) and the units that offer it."""
    cat = db.session.scalar(sa.select(TicketCategory).filter_by(code=category, kind="order"))
    if cat is None:
        raise InvalidInput(M.NO_SUCH_CATEGORY, field="category", kind="order")
    found = db.session.scalar(sa.select(ServiceItem).filter_by(code=code))
    if found is None:
        found = ServiceItem(code=validate.text(code, "code", 40))
        db.session.add(found)
    found.category_id = cat.id
    found.name_zh = validate.text(name_zh, "name_zh", 60)
    found.name_en = validate.text(name_en, "name_en", 120)
    found.description_zh = validate.text(description_zh, "description_zh", 300, required=False)
    found.description_en = validate.text(description_en, "description_en", 500, required=False)
    found.position = position
    db.session.flush()
    if not isinstance(units, list | tuple):
        raise InvalidInput(M.NO_SUCH_UNIT, field="units")
    for unit_code in units:
        unit = get_unit(unit_code)
        exists = db.session.scalar(
            sa.select(UnitService.id).filter_by(unit_id=unit.id, item_id=found.id)
        )
        if exists is None:
            db.session.add(UnitService(unit_id=unit.id, item_id=found.id))
    db.session.flush()
    return found


def find_grid(community_name, grid_name) -> Grid:
    """A grid by its community's name and its own (the operator's command line)."""
    found = None
    if isinstance(community_name, str) and isinstance(grid_name, str):
        found = db.session.scalar(
            sa.select(Grid)
            .join(Community, Community.id == Grid.community_id)
            .where(Community.name == community_name.strip(), Grid.name == grid_name.strip())
        )
    if found is None:
        raise InvalidInput(M.NO_SUCH_GRID, field="grid")
    return found


def add_grid_worker(member: Member, grid_id: int, *, leader: bool = False) -> GridWorker:
    found = db.session.scalar(sa.select(GridWorker).filter_by(member_id=member.id, grid_id=grid_id))
    if found is None:
        found = GridWorker(member_id=member.id, grid_id=grid_id)
        db.session.add(found)
    found.leader = bool(leader)
    db.session.flush()
    return found


def add_unit_staff(member: Member, unit) -> UnitStaff:
    unit = unit if isinstance(unit, Unit) else get_unit(unit)
    found = db.session.scalar(sa.select(UnitStaff).filter_by(member_id=member.id, unit_id=unit.id))
    if found is None:
        found = UnitStaff(member_id=member.id, unit_id=unit.id)
        db.session.add(found)
        db.session.flush()
    return found


# ---------------------------------------------------------------------------- reads


def categories(kind: str = "report") -> list[TicketCategory]:
    return list(
        db.session.scalars(
            sa.select(TicketCategory)
            .filter_by(kind=kind, active=True)
            .order_by(TicketCategory.position, TicketCategory.id)
        )
    )


def get_category(code, kind: str) -> TicketCategory:
    found = None
    if isinstance(code, str):
        found = db.session.scalar(
            sa.select(TicketCategory).filter_by(code=code, kind=kind, active=True)
        )
    if found is None:
        raise InvalidInput(M.NO_SUCH_CATEGORY, field="category", kind=kind)
    return found


def _serves(community_id: int):
    return sa.or_(Unit.community_id.is_(None), Unit.community_id == community_id)


def service_menu(community_id: int | None) -> list[ServiceItem]:
    """Items some active unit working in the community offers, in menu order."""
    offered = (
        sa.select(UnitService.item_id)
        .join(Unit, Unit.id == UnitService.unit_id)
        .where(Unit.active.is_(True), _serves(community_id) if community_id else sa.true())
    )
    return list(
        db.session.scalars(
            sa.select(ServiceItem)
            .where(ServiceItem.active.is_(True), ServiceItem.id.in_(offered))
            .order_by(ServiceItem.position, ServiceItem.id)
        )
    )


def get_item(code) -> ServiceItem:
    found = None
    if isinstance(code, str):
        found = db.session.scalar(sa.select(ServiceItem).filter_by(code=code, active=True))
    elif is_id(code):
        found = db.session.get(ServiceItem, code)
    if found is None or not found.active:
        raise InvalidInput(M.NO_SUCH_ITEM, field="item")
    return found


def units_for(ticket: Ticket) -> list[Unit]:
    """Units that may take the ticket, those offering its service menu item first."""
    rows = list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.active.is_(True), _serves(ticket.community_id))
            .order_by(Unit.kind, Unit.id)
        )
    )
    if ticket.item_id is None:
        return rows
    offering = set(
        db.session.scalars(sa.select(UnitService.unit_id).filter_by(item_id=ticket.item_id))
    )
    return sorted(rows, key=lambda u: u.id not in offering)


def grid_ids_of(member: Member) -> list[int]:
    return list(
        db.session.scalars(sa.select(GridWorker.grid_id).filter_by(member_id=member.id))
    )


def unit_ids_of(member: Member) -> list[int]:
    return list(db.session.scalars(sa.select(UnitStaff.unit_id).filter_by(member_id=member.id)))


def units_of(member: Member) -> list[Unit]:
    ids = unit_ids_of(member)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)))


def is_grid_worker(member: Member) -> bool:
    return bool(grid_ids_of(member))


def is_unit_staff(member: Member) -> bool:
    return bool(unit_ids_of(member))


def triages_anywhere(member: Member) -> bool:
    """Whether the member has a triage queue: grid workers, social workers and admins."""
    return member.is_staff or is_grid_worker(member)


def get_ticket(ticket_id) -> Ticket:
    found = db.session.get(Ticket, ticket_id) if is_id(ticket_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_TICKET, field="ticket")
    return found


def _oversees(actor: Member, ticket: Ticket) -> bool:
    """Staff over the ticket's place: admins everywhere, social workers in their community."""
    if actor.has_role("admin"):
        return True
    return actor.has_role("social_worker") and actor.community_id == ticket.community_id


def works_grid(actor: Member, ticket: Ticket) -> bool:
    return ticket.grid_id in grid_ids_of(actor)


def may_triage(actor: Member, ticket: Ticket) -> bool:
    """Grid workers of the ticket's grid and the staff over it; never its own reporter."""
    if actor.id == ticket.reporter_id or actor.status != "active":
        return False
    return works_grid(actor, ticket) or _oversees(actor, ticket)


def _require_triager(actor: Member, ticket: Ticket) -> None:
    if actor.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    if not (works_grid(actor, ticket) or _oversees(actor, ticket)):
        raise Forbidden(M.NOT_GRID_WORKER)
    if actor.id == ticket.reporter_id:
        raise Forbidden(M.OWN_TICKET)


def active_assignment(ticket: Ticket, unit_id: int) -> TicketAssignment | None:
    return next(
        (a for a in ticket.assignments if a.unit_id == unit_id and a.status in ACTIVE_ASSIGNMENTS),
        None,
    )


def unit_of(actor: Member, ticket: Ticket, unit=None) -> TicketAssignment | None:
    """The live assignment through which `actor` may act on the ticket (as staff of `unit`,
    or of the one unit of theirs that holds it), or None."""
    mine = set(unit_ids_of(actor))
    if unit is not None:
        unit_id = unit.id if isinstance(unit, Unit) else unit
        return active_assignment(ticket, unit_id) if unit_id in mine else None
    return next(
        (a for a in ticket.assignments if a.unit_id in mine and a.status in ACTIVE_ASSIGNMENTS),
        None,
    )


def _latest_of_mine(actor: Member, ticket: Ticket, unit=None) -> str | None:
    """The status of the latest assignment of the actor's unit (or `unit`) on the ticket."""
    mine = set(unit_ids_of(actor))
    if unit is not None:
        mine &= {unit.id if isinstance(unit, Unit) else unit}
    latest = [a for a in ticket.assignments if a.unit_id in mine]
    return latest[-1].status if latest else None


def _require_unit(actor: Member, ticket: Ticket, unit=None) -> TicketAssignment:
    if actor.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    assignment = unit_of(actor, ticket, unit)
    if assignment is None:
        raise Forbidden(M.NOT_UNIT_STAFF)
    return assignment


def is_follower(member: Member, ticket: Ticket) -> bool:
    return (
        db.session.scalar(
            sa.select(TicketFollower.id).filter_by(ticket_id=ticket.id, member_id=member.id)
        )
        is not None
    )


def sees_all(viewer: Member, ticket: Ticket) -> bool:
    """Staff over it, its grid's workers and the units it was ever dispatched to see its
    photos and whole timeline (never the reporter's phone: see `reporter_label`)."""
    if works_grid(viewer, ticket) or _oversees(viewer, ticket):
        return True
    mine = set(unit_ids_of(viewer))
    return any(a.unit_id in mine for a in ticket.assignments)


def visible_ticket(ticket_id, viewer: Member) -> Ticket:
    """The ticket if the viewer reported or follows it, or works on it; else not found."""
    ticket = get_ticket(ticket_id)
    if ticket.reporter_id == viewer.id or sees_all(viewer, ticket) or is_follower(viewer, ticket):
        return ticket
    raise NotFound(M.NO_SUCH_TICKET, field="ticket")


def photos_for(viewer: Member | None, ticket: Ticket) -> list[TicketPhoto]:
    """The photos the viewer may see: all of them for the reporter and those working on it;
    for anyone else only published ones."""
    if viewer is not None and (viewer.id == ticket.reporter_id or sees_all(viewer, ticket)):
        return list(ticket.photos)
    return list(ticket.photos) if ticket.published else []


def photo_of(viewer: Member | None, photo_id) -> TicketPhoto:
    """One photo, if the viewer may see it (or it is published); else not found."""
    photo = db.session.get(TicketPhoto, photo_id) if is_id(photo_id) else None
    if photo is not None:
        ticket = db.session.get(Ticket, photo.ticket_id)
        if photo in photos_for(viewer, ticket):
            return photo
    raise NotFound(M.NO_SUCH_TICKET, field="photo")


def reporter_label(viewer: Member, ticket: Ticket) -> str:
    """How the reporter is named to the viewer: in full to staff over the ticket and grid
    workers; to a unit by surname only (王**), never with a phone."""
    name = ticket.reporter.name
    if viewer.id == ticket.reporter_id or works_grid(viewer, ticket) or _oversees(viewer, ticket):
        return name
    return name[:1] + "*" * max(len(name) - 1, 1)


def holder(ticket: Ticket) -> str:
    """Who holds the ticket now, for 督办: the units it is with, or its grid."""
    units = [a.unit.name_zh for a in ticket.assignments if a.status in ACTIVE_ASSIGNMENTS]
    return "、".join(units) if units else ticket.grid.name


def duplicates_for(ticket: Ticket, *, limit: int = 10) -> list[Ticket]:
    """Earlier open tickets of the same category in the same grid: the merge candidates."""
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(
                Ticket.grid_id == ticket.grid_id,
                Ticket.category_id == ticket.category_id,
                Ticket.still_open(),
                Ticket.id < ticket.id,
            )
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


def is_overdue(ticket: Ticket, now: datetime | None = None) -> bool:
    """Open and past its stage's deadline (marked by the sweep, or due already)."""
    if ticket.state == "closed":
        return False
    if ticket.overdue_at is not None:
        return True
    return ticket.due_at is not None and ticket.due_at < (now or utcnow())


def steps(viewer: Member, ticket: Ticket) -> dict[str, bool]:
    """Which steps the viewer may take on the ticket now: the one place pages and the API
    ask (each verb still checks for itself under the row lock)."""
    triager = may_triage(viewer, ticket)
    assignment = unit_of(viewer, ticket)
    state = ticket.state
    reporter = ticket.reporter_id == viewer.id
    accepted = assignment is not None and assignment.status == "accepted"
    return {
        # The reporter's.
        "confirm": reporter and state == "handled",
        "dispute": reporter and state == "handled",
        "rate": reporter and ticket.rating is None and ticket.outcome in HANDLED_OUTCOMES,
        "withdraw": reporter and state in (*TRIAGE_STATES, *UNIT_STATES),
        # The grid's: a report is verified, merged or closed once, before anything else.
        "verify": triager and state == "reported",
        "merge": triager and state == "reported",
        "close": triager and state == "reported",
        "dispatch": triager and state in (*TRIAGE_STATES, *UNIT_STATES),
        "publish": triager,
        # The unit's.
        "accept": assignment is not None and assignment.status == "dispatched",
        "return": assignment is not None and state in UNIT_STATES,
        "start": accepted and state == "accepted",
        "handle": accepted and state in ("accepted", "in_progress"),
    }


# ---------------------------------------------------------------------------- helpers


def _text(value, field: str, limit: int, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    return validate.text(value, field, limit, required=required)


def _zone():
    return clock.zone()


def _deadline(ticket: Ticket, stage: str, start: datetime) -> None:
    """Start `stage`'s clock: due after its working days, escalated after more."""
    days = ticket.category.days_for(stage)
    more = ticket.category.escalate_days
    first, last = calendar.span(start, days + more, _zone())
    closed = spaces.community_closed_days(ticket.community_id, first, last)
    due = calendar.add_working_days(start, days, closed, _zone())
    ticket.stage = stage
    ticket.due_at = due
    ticket.escalate_at = calendar.add_working_days(due, more, closed, _zone())
    ticket.overdue_at = None
    ticket.escalated_at = None


def _stop_clock(ticket: Ticket) -> None:
    ticket.stage = None
    ticket.due_at = None
    ticket.escalate_at = None


def _event(ticket: Ticket, action: str, actor: Member | None, now: datetime, *, unit=None,
           note: str = "") -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        at=now,
        actor_id=actor.id if actor is not None else None,
        action=action,
        unit_id=unit.id if unit is not None else None,
        note=note,
    )
    db.session.add(event)
    return event


def _follow(ticket_id: int, member_id: int, now: datetime) -> None:
    exists = db.session.scalar(
        sa.select(TicketFollower.id).filter_by(ticket_id=ticket_id, member_id=member_id)
    )
    if exists is None:
        db.session.add(TicketFollower(ticket_id=ticket_id, member_id=member_id, since=now))


def _params(ticket: Ticket) -> dict:
    c = ticket.category
    return {
        "ticket": ticket.id,
        "category": render.names(c.name_zh, c.name_en),
        "spot": ticket.spot or ticket.grid.name,
    }


def grid_workers(grid_id: int) -> list[Member]:
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(GridWorker, GridWorker.member_id == Member.id)
            .where(GridWorker.grid_id == grid_id, Member.status == "active")
            .order_by(Member.id)
        )
    )


def unit_staff(unit_id: int) -> list[Member]:
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(UnitStaff, UnitStaff.member_id == Member.id)
            .where(UnitStaff.unit_id == unit_id, Member.status == "active")
            .order_by(Member.id)
        )
    )


def _triagers(ticket: Ticket) -> list[Member]:
    """Who checks a ticket: its grid's workers, or the community's social workers when the
    grid has none."""
    found = [m for m in grid_workers(ticket.grid_id) if m.id != ticket.reporter_id]
    if found:
        return found
    return [m for m in members.social_workers_of(ticket.community_id) if m.id != ticket.reporter_id]


def _tell_reporter(ticket: Ticket, kind, now: datetime, **params) -> None:
    notifications.notify(
        ticket.reporter, kind, subject=f"ticket:{ticket.id}", now=now, **_params(ticket), **params
    )


def _tell_followers(ticket: Ticket, now: datetime) -> None:
    """Everyone following a closed ticket, but its reporter (told on their own), hears the
    outcome."""
    ids = db.session.scalars(
        sa.select(TicketFollower.member_id).where(
            TicketFollower.ticket_id == ticket.id, TicketFollower.member_id != ticket.reporter_id
        )
    )
    for member_id in ids:
        notifications.notify(
            members.get_member(member_id),
            M.OUTCOME,
            subject=f"ticket:{ticket.id}",
            now=now,
            outcome=ticket.outcome,
            **_params(ticket),
        )


def _photos(member: Member, tokens, stage: str, ticket: Ticket, *, field: str) -> None:
    if tokens is None:
        tokens = []
    if not isinstance(tokens, list | tuple):
        raise InvalidInput(M.PHOTO_NEEDED, field=field)
    if len(tokens) > MAX_PHOTOS:
        raise InvalidInput(M.TOO_MANY_PHOTOS, field=field, n=MAX_PHOTOS)
    taken = set()
    for token in tokens:
        evidence = activities.own_photo(member, token, field)
        if evidence.id in taken:
            continue
        taken.add(evidence.id)
        used = db.session.scalar(sa.select(TicketPhoto.id).filter_by(evidence_id=evidence.id))
        if used is not None:
            raise InvalidInput(activities.M.PHOTO_USED, field=field)
        db.session.add(TicketPhoto(ticket_id=ticket.id, evidence_id=evidence.id, stage=stage))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same photo sent with two tickets at once
        raise InvalidInput(activities.M.PHOTO_USED, field=field) from None


def _point(latitude, longitude) -> tuple[float | None, float | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        missing = "latitude" if latitude in (None, "") else "longitude"
        raise InvalidInput(M.POINT_PAIR, field=missing)
    out = []
    for value, field, bound in ((latitude, "latitude", 90), (longitude, "longitude", 180)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(M.POINT_RANGE, field=field, low=-bound, high=bound) from None
        if isinstance(value, bool) or not -bound <= number <= bound or number != number:
            raise InvalidInput(M.POINT_RANGE, field=field, low=-bound, high=bound)
        out.append(number)
    return out[0], out[1]


def _grid(member: Member, grid) -> Grid:
    """The grid named, or the member's own (the guess a phone form starts from)."""
    grid_id = grid if grid not in (None, "") else member.grid_id
    if isinstance(grid_id, str) and grid_id.isdigit():
        grid_id = int(grid_id)
    found = db.session.get(Grid, grid_id) if is_id(grid_id) else None
    if found is None:
        raise InvalidInput(M.NO_SUCH_GRID, field="grid")
    return found


def _open(member: Member, kind: str, category: TicketCategory, grid: Grid, *, description,
          spot, latitude, longitude, now: datetime, item=None, wanted_at=None) -> Ticket:
    if member.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    lat, lng = _point(latitude, longitude)
    ticket = Ticket(
        kind=kind,
        category_id=category.id,
        item_id=item.id if item is not None else None,
        community_id=grid.community_id,
        grid_id=grid.id,
        reporter_id=member.id,
        description=_text(description, "description", MAX_DESCRIPTION),
        spot=_text(spot, "spot", MAX_SPOT, required=False),
        latitude=lat,
        longitude=lng,
        wanted_at=wanted_at,
        state="reported",
        created_at=now,
    )
    ticket.category = category
    db.session.add(ticket)
    db.session.flush()
    _deadline(ticket, "triage", now)
    _follow(ticket.id, member.id, now)
    return ticket


def _announce(ticket: Ticket, member: Member, now: datetime) -> None:
    _event(ticket, "reported", member, now)
    for worker in _triagers(ticket):
        notifications.notify(
            worker,
            M.REPORTED,
            subject=f"ticket:{ticket.id}",
            now=now,
            grid=ticket.grid.name,
            description=ticket.description[:60],
            deadline=ticket.due_at,
            **_params(ticket),
        )


# ---------------------------------------------------------------------------- reporting


def report(
    member: Member,
    *,
    category,
    description,
    photos,
    grid=None,
    spot=None,
    latitude=None,
    longitude=None,
    now: datetime | None = None,
    photos_required: bool = True,
) -> Ticket:
    """随手拍: a hazard seen, with one to six photos (tokens of uploaded photos).
    `photos_required=False`: a report passed on by another system (Open311) may come
    without one."""
    now = now or utcnow()
    cat = get_category(category, "report")
    place = _grid(member, grid)
    if photos_required and not photos:
        raise InvalidInput(M.PHOTO_NEEDED, field="photos")
    ticket = _open(member, "report", cat, place, description=description, spot=spot,
                   latitude=latitude, longitude=longitude, now=now)
    _photos(member, photos, "before", ticket, field="photos")
    _announce(ticket, member, now)
    return ticket


def order(
    member: Member,
    *,
    item,
    description,
    wanted_at=None,
    grid=None,
    spot=None,
    photos=None,
    now: datetime | None = None,
) -> Ticket:
    """居民点单: a service of the menu, when and where the resident wants it."""
    now = now or utcnow()
    chosen = get_item(item)
    place = _grid(member, grid)
    if chosen not in service_menu(place.community_id):
        raise InvalidInput(M.ITEM_NOT_OFFERED, field="item")
    when = None
    if wanted_at not in (None, ""):
        when = validate.aware_time(wanted_at, "wanted_at")
        if when <= now:
            raise InvalidInput(M.WANTED_IN_PAST, field="wanted_at")
    ticket = _open(member, "order", chosen.category, place, description=description, spot=spot,
                   latitude=None, longitude=None, now=now, item=chosen, wanted_at=when)
    _photos(member, photos, "before", ticket, field="photos")
    _announce(ticket, member, now)
    return ticket


# ---------------------------------------------------------------------------- triage


def _lock(ticket: Ticket) -> Ticket:
    return lock_row(db.session, ticket)


def _refuse_state(ticket: Ticket, *allowed: str) -> None:
    if ticket.state not in allowed:
        raise Conflict(M.STATE, state=ticket.state)


def _award_report(ticket: Ticket, actor: Member, now: datetime) -> int:
    """A verified report's 随手拍 points, once: the claim is kept on the ticket."""
    if ticket.kind != "report" or ticket.award_claim_id is not None:
        return 0
    code = ticket.category.activity_code
    if not code:
        return 0
    claim = activities.award_verified(
        ticket.reporter,
        code,
        occurred_on=clock.today(ticket.created_at),
        actor_id=actor.id,
        key=f"ticket-report:{ticket.id}",
        note=f"随手拍 #{ticket.id}",
        now=now,
    )
    if claim is None:
        return 0
    ticket.award_claim_id = claim.id
    return claim.points


def verify(ticket: Ticket, *, actor: Member, now: datetime | None = None) -> Ticket:
    """A grid worker has checked it is real: the reporter earns the report's points (once),
    and it waits to be dispatched. Verifying again changes nothing."""
    now = now or utcnow()
    _require_triager(actor, ticket)
    ticket = _lock(ticket)
    if ticket.state == "triaged":
        return ticket
    _refuse_state(ticket, "reported")
    _verified(ticket, actor, now)
    return ticket


def _verified(ticket: Ticket, actor: Member, now: datetime) -> None:
    ticket.state = "triaged"
    ticket.triaged_at = now
    ticket.triaged_by = actor.id
    points = _award_report(ticket, actor, now)
    _event(ticket, "verified", actor, now, note=f"+{points}" if points else "")
    notifications.settle(f"ticket:{ticket.id}", now=now)
    award = ""
    if points:
        award = render.names(f"奖励 {points} 积分已到账。", f"{points} points are in your account.")
    _tell_reporter(ticket, M.VERIFIED, now, award=award)


def merge(ticket: Ticket, *, actor: Member, into, now: datetime | None = None) -> Ticket:
    """A duplicate: closed as such, its reporter and followers now follow the original; it
    earns nothing."""
    now = now or utcnow()
    _require_triager(actor, ticket)
    original = get_ticket(into) if is_id(into) else None
    if (
        original is None
        or original.id >= ticket.id
        or original.grid_id != ticket.grid_id
        or not original.is_open
    ):
        raise InvalidInput(M.DUPLICATE_TARGET, field="into")
    ticket = _lock(ticket)
    if ticket.state == "closed" and ticket.duplicate_of_id == original.id:
        return ticket
    _refuse_state(ticket, "reported")  # a verified ticket has earned and is real: not merged
    followers = list(
        db.session.scalars(sa.select(TicketFollower.member_id).filter_by(ticket_id=ticket.id))
    )
    for member_id in followers:
        _follow(original.id, member_id, now)
    ticket.duplicate_of_id = original.id  # before the outcome: the database checks the pair
    _close(ticket, "duplicate", now)
    ticket.outcome_note = f"#{original.id}"
    ticket.triaged_at, ticket.triaged_by = now, actor.id
    _event(ticket, "merged", actor, now, note=f"#{original.id}")
    _event(original, "me_too", actor, now, note=f"#{ticket.id}")
    notifications.settle(f"ticket:{ticket.id}", now=now)
    _tell_reporter(ticket, M.CLOSED_AT_TRIAGE, now, outcome="duplicate",
                   note=render.names(f"与 #{original.id} 合并，处理结果会告诉您。",
                                     f"merged into #{original.id}; you will hear its outcome."))
    return ticket


def close_as_not_a_problem(
    ticket: Ticket, *, actor: Member, reason, now: datetime | None = None
) -> Ticket:
    """Checked and found to be no problem (or not one for the grid): closed with the reason."""
    now = now or utcnow()
    _require_triager(actor, ticket)
    reason = validate.reason(reason)
    ticket = _lock(ticket)
    if ticket.state == "closed" and ticket.outcome == "not_a_problem":
        return ticket
    _refuse_state(ticket, "reported")  # once verified it is a problem: a unit says what came of it
    _close(ticket, "not_a_problem", now)
    ticket.outcome_note = reason
    ticket.triaged_at, ticket.triaged_by = now, actor.id
    _event(ticket, "closed", actor, now, note=reason)
    notifications.settle(f"ticket:{ticket.id}", now=now)
    _tell_reporter(ticket, M.CLOSED_AT_TRIAGE, now, outcome="not_a_problem", note=reason)
    _tell_followers(ticket, now)
    return ticket


def _close(ticket: Ticket, outcome: str, now: datetime) -> None:
    ticket.state = "closed"
    ticket.outcome = outcome
    ticket.closed_at = now
    _stop_clock(ticket)
    for assignment in ticket.assignments:
        if assignment.status in ACTIVE_ASSIGNMENTS:
            assignment.status = "ended"


def publish(ticket: Ticket, *, actor: Member, published: bool = True) -> Ticket:
    """Let the public board show the ticket's photos (or stop it)."""
    _require_triager(actor, ticket)
    ticket = _lock(ticket)
    if ticket.published != bool(published):
        ticket.published = bool(published)
        _event(ticket, "published" if published else "unpublished", actor, utcnow())
    return ticket


# ---------------------------------------------------------------------------- dispatch


def dispatch(ticket: Ticket, *, actor: Member, units, note=None, now: datetime | None = None
             ) -> Ticket:
    """派单 to one or more units; on a ticket already with a unit, 加派 another. A ticket
    not yet verified is verified by dispatching it."""
    now = now or utcnow()
    _require_triager(actor, ticket)
    if not isinstance(units, list | tuple) or not units:
        raise InvalidInput(M.NO_SUCH_UNIT, field="units")
    chosen = []
    for unit_id in units:
        unit = get_unit(int(unit_id) if isinstance(unit_id, str) and unit_id.isdigit() else unit_id)
        if unit.community_id not in (None, ticket.community_id):
            raise InvalidInput(M.UNIT_ELSEWHERE, field="units")
        if unit not in chosen:
            chosen.append(unit)
    note = _text(note, "note", 500, required=False)
    ticket = _lock(ticket)
    _refuse_state(ticket, "reported", "triaged", *UNIT_STATES)
    for unit in chosen:
        if active_assignment(ticket, unit.id) is not None:
            raise Conflict(M.ALREADY_DISPATCHED, field="units")
    if ticket.state == "reported":
        _verified(ticket, actor, now)
    first = ticket.state == "triaged"
    for unit in chosen:
        assignment = TicketAssignment(
            ticket_id=ticket.id, unit_id=unit.id, status="dispatched", dispatched_at=now,
            dispatched_by=actor.id,
        )
        ticket.assignments.append(assignment)
        _event(ticket, "dispatched" if first else "added", actor, now, unit=unit, note=note)
    if first:
        ticket.state = "dispatched"
        _deadline(ticket, "accept", now)
    db.session.flush()
    notifications.settle(f"ticket:{ticket.id}:returned", now=now)
    for unit in chosen:
        _tell_unit(ticket, unit, M.DISPATCHED, now, description=ticket.description[:60],
                   community=ticket.community.name, deadline=ticket.due_at)
    return ticket


def _tell_unit(ticket: Ticket, unit: Unit, kind, now: datetime, **params) -> None:
    for person in unit_staff(unit.id):
        notifications.notify(
            person, kind, subject=f"ticket:{ticket.id}:unit:{unit.id}", now=now,
            **_params(ticket), **params,
        )


# ---------------------------------------------------------------------------- the unit


def accept(ticket: Ticket, *, actor: Member, unit=None, now: datetime | None = None) -> Ticket:
    """接单: the unit takes the ticket on; the clock to handle it starts."""
    now = now or utcnow()
    _require_unit(actor, ticket, unit)
    ticket = _lock(ticket)
    assignment = _require_unit(actor, ticket, unit)
    if assignment.status == "accepted":
        return ticket
    _refuse_state(ticket, *UNIT_STATES)
    assignment.status = "accepted"
    assignment.answered_at, assignment.answered_by = now, actor.id
    _event(ticket, "accepted", actor, now, unit=assignment.unit)
    if ticket.state == "dispatched":
        ticket.state = "accepted"
        _deadline(ticket, "handle", now)
        _tell_reporter(ticket, M.ACCEPTED, now, unit=render.names(
            assignment.unit.name_zh, assignment.unit.name_en), deadline=ticket.due_at)
    notifications.settle(f"ticket:{ticket.id}:unit:{assignment.unit_id}", now=now)
    return ticket


def return_ticket(ticket: Ticket, *, actor: Member, reason, unit=None,
                  now: datetime | None = None) -> Ticket:
    """退单 with a reason: when no unit holds it any more it goes back to triage. Returning
    again (a retry) answers the ticket as it is."""
    now = now or utcnow()
    if unit_of(actor, ticket, unit) is None and _latest_of_mine(actor, ticket, unit) == "returned":
        return ticket
    _require_unit(actor, ticket, unit)
    reason = validate.reason(reason)
    ticket = _lock(ticket)
    if unit_of(actor, ticket, unit) is None and _latest_of_mine(actor, ticket, unit) == "returned":
        return ticket
    assignment = _require_unit(actor, ticket, unit)
    _refuse_state(ticket, *UNIT_STATES)
    assignment.status = "returned"
    assignment.answered_at, assignment.answered_by = now, actor.id
    assignment.reason = reason
    _event(ticket, "returned", actor, now, unit=assignment.unit, note=reason)
    notifications.settle(f"ticket:{ticket.id}:unit:{assignment.unit_id}", now=now)
    if not any(a.status in ACTIVE_ASSIGNMENTS for a in ticket.assignments):
        ticket.state = "triaged"
        _deadline(ticket, "triage", now)
        for worker in _triagers(ticket):
            notifications.notify(
                worker, M.RETURNED, subject=f"ticket:{ticket.id}:returned", now=now,
                unit=render.names(assignment.unit.name_zh, assignment.unit.name_en),
                reason=reason, **_params(ticket),
            )
    elif ticket.state == "dispatched":
        pass  # another unit still has it to answer
    return ticket


def start(ticket: Ticket, *, actor: Member, unit=None, now: datetime | None = None) -> Ticket:
    """The unit is on it (处置中): shown to the reporter on the timeline."""
    now = now or utcnow()
    _require_unit(actor, ticket, unit)
    ticket = _lock(ticket)
    assignment = _require_unit(actor, ticket, unit)
    if ticket.state == "in_progress":
        return ticket
    _refuse_state(ticket, "accepted")
    if assignment.status != "accepted":
        raise Conflict(M.STATE, state=ticket.state)
    ticket.state = "in_progress"
    _event(ticket, "started", actor, now, unit=assignment.unit)
    return ticket


def handle(
    ticket: Ticket,
    *,
    actor: Member,
    outcome,
    note,
    photos=None,
    unit=None,
    now: datetime | None = None,
) -> Ticket:
    """The unit's work is done: what came of it, what was done, and (for a fix) a photo
    after. The reporter is asked to confirm within a week."""
    now = now or utcnow()
    if ticket.handled_unit_id is not None and _latest_of_mine(actor, ticket, unit) == "handled":
        return ticket  # handled already by this unit: a retry changes nothing
    _require_unit(actor, ticket, unit)
    if outcome not in HANDLED_OUTCOMES:
        raise InvalidInput(M.OUTCOME_CHOICE, field="outcome", values=list(HANDLED_OUTCOMES))
    if note is None or (isinstance(note, str) and not note.strip()):
        raise InvalidInput(M.NOTE_NEEDED, field="note")
    note = _text(note, "note", 500)
    if outcome == "fixed" and not photos:
        raise InvalidInput(M.AFTER_PHOTO_NEEDED, field="photos")
    ticket = _lock(ticket)
    if ticket.handled_unit_id is not None and _latest_of_mine(actor, ticket, unit) == "handled":
        return ticket
    assignment = _require_unit(actor, ticket, unit)
    _refuse_state(ticket, "accepted", "in_progress")
    if assignment.status != "accepted":
        raise Conflict(M.STATE, state=ticket.state)
    _photos(actor, photos, "after", ticket, field="photos")
    assignment.status = "handled"
    for other in ticket.assignments:
        if other is not assignment and other.status in ACTIVE_ASSIGNMENTS:
            other.status = "ended"
    ticket.state = "handled"
    ticket.outcome = outcome
    ticket.outcome_note = note
    ticket.handled_at, ticket.handled_by = now, actor.id
    ticket.handled_unit_id = assignment.unit_id
    _stop_clock(ticket)
    _event(ticket, "handled", actor, now, unit=assignment.unit, note=note)
    _tell_reporter(
        ticket, M.HANDLED, now, outcome=outcome, note=note,
        unit=render.names(assignment.unit.name_zh, assignment.unit.name_en),
        deadline=confirm_by(ticket),
    )
    return ticket


def confirm_by(ticket: Ticket) -> datetime | None:
    """Until when the reporter may confirm or dispute a handled ticket."""
    if ticket.handled_at is None:
        return None
    return ticket.handled_at + timedelta(days=CONFIRM_DAYS)


# ---------------------------------------------------------------------------- the reporter


def _require_reporter(member: Member, ticket: Ticket) -> None:
    if member.id != ticket.reporter_id:
        raise Forbidden(M.NOT_REPORTER)


def confirm(ticket: Ticket, *, member: Member, rating=None, comment=None,
            now: datetime | None = None) -> Ticket:
    """The reporter says it is put right (or accepts the unit's answer): closed."""
    now = now or utcnow()
    _require_reporter(member, ticket)
    score = _rating(rating, optional=True)
    comment = _text(comment, "comment", 300, required=False)
    ticket = _lock(ticket)
    if ticket.state == "closed" and ticket.confirmation == "confirmed":
        return ticket
    _refuse_state(ticket, "handled")
    _closed_handled(ticket, "confirmed", member, now)
    if score is not None:
        _rate(ticket, score, comment, now)
    return ticket


def _closed_handled(ticket: Ticket, confirmation: str, actor: Member | None, now: datetime
                    ) -> None:
    ticket.state = "closed"
    ticket.closed_at = now
    ticket.confirmation = confirmation
    _event(ticket, confirmation, actor, now)
    notifications.settle(f"ticket:{ticket.id}", now=now)
    _tell_followers(ticket, now)
    if ticket.outcome == "fixed":
        _award_handlers(ticket, now)


def _award_handlers(ticket: Ticket, now: datetime) -> None:
    """A dispatched ticket followed to its fix: the grid worker who dispatched it and the
    unit's member who handled it earn per the 网格派单跟进办结 rule (once each, if their
    level may claim it)."""
    code = "patrol-work-order"
    dispatcher = next((a.dispatched_by for a in ticket.assignments), None)
    for member_id, what in ((dispatcher, "follow"), (ticket.handled_by, "handle")):
        if member_id is None:
            continue
        if what == "handle" and member_id == dispatcher:
            continue
        activities.award_verified(
            members.get_member(member_id),
            code,
            occurred_on=clock.today(now),
            actor_id=ticket.triaged_by or member_id,
            key=f"ticket-{what}:{ticket.id}",
            note=f"工单 #{ticket.id}",
            now=now,
        )


def dispute(ticket: Ticket, *, member: Member, reason, now: datetime | None = None) -> Ticket:
    """Not put right, says the reporter: back to the unit that handled it, which must
    accept it again."""
    now = now or utcnow()
    _require_reporter(member, ticket)
    reason = validate.reason(reason)
    ticket = _lock(ticket)
    _refuse_state(ticket, "handled")
    unit = ticket.handled_unit
    ticket.assignments.append(
        TicketAssignment(ticket_id=ticket.id, unit_id=unit.id, status="dispatched",
                         dispatched_at=now, dispatched_by=ticket.triaged_by or member.id)
    )
    ticket.state = "dispatched"
    ticket.outcome = None
    ticket.outcome_note = ""
    ticket.handled_at = ticket.handled_by = ticket.handled_unit_id = None
    ticket.reopened += 1
    _deadline(ticket, "accept", now)
    _event(ticket, "reopened", member, now, unit=unit, note=reason)
    db.session.flush()
    notifications.settle(f"ticket:{ticket.id}", member_id=member.id, now=now)
    _tell_unit(ticket, unit, M.REOPENED, now, reason=reason)
    return ticket


def _rating(value, *, optional: bool = False) -> int | None:
    if value in (None, "") and optional:
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(M.RATING_RANGE, field="rating")
    return value


def _rate(ticket: Ticket, score: int, comment: str, now: datetime) -> None:
    ticket.rating = score
    ticket.rating_comment = comment
    ticket.rated_at = now
    _event(ticket, "rated", ticket.reporter, now, note=f"{score}★ {comment}".strip())


def rate(ticket: Ticket, *, member: Member, rating, comment=None, now: datetime | None = None
         ) -> Ticket:
    """回访: the reporter rates the handling 1–5, once, after the unit has finished."""
    now = now or utcnow()
    _require_reporter(member, ticket)
    score = _rating(rating)
    comment = _text(comment, "comment", 300, required=False)
    ticket = _lock(ticket)
    if ticket.outcome not in HANDLED_OUTCOMES:
        raise Conflict(M.NOT_RATEABLE, field="rating")
    if ticket.rating is not None:
        raise Conflict(M.ALREADY_RATED, field="rating")
    _rate(ticket, score, comment, now)
    return ticket


def withdraw(ticket: Ticket, *, member: Member, reason=None, now: datetime | None = None
             ) -> Ticket:
    """The reporter takes it back before a unit has finished (withdrawn, not fixed)."""
    now = now or utcnow()
    _require_reporter(member, ticket)
    reason = _text(reason, "reason", 500, required=False)
    ticket = _lock(ticket)
    if ticket.state == "closed" and ticket.outcome == "withdrawn":
        return ticket
    _refuse_state(ticket, "reported", "triaged", *UNIT_STATES)
    holders = [a.unit for a in ticket.assignments if a.status in ACTIVE_ASSIGNMENTS]
    _close(ticket, "withdrawn", now)
    ticket.outcome_note = reason
    _event(ticket, "withdrawn", member, now, note=reason)
    notifications.settle(f"ticket:{ticket.id}", now=now)
    for unit in holders:
        notifications.settle(f"ticket:{ticket.id}:unit:{unit.id}", now=now)
    _tell_followers(ticket, now)
    return ticket


def me_too(ticket: Ticket, *, member: Member, now: datetime | None = None) -> Ticket:
    """我也遇到: a member who sees a published open ticket asks to hear its outcome."""
    now = now or utcnow()
    if member.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    if not ticket.published or not ticket.is_open:
        raise Conflict(M.NOT_PUBLIC)
    if member.id == ticket.reporter_id or is_follower(member, ticket):
        raise Conflict(M.ME_TOO_OWN)
    try:
        with db.session.begin_nested():
            db.session.add(TicketFollower(ticket_id=ticket.id, member_id=member.id, since=now))
    except IntegrityError:
        raise Conflict(M.ME_TOO_OWN) from None
    return ticket


# ---------------------------------------------------------------------------- the sweep


def _holders_told(ticket: Ticket) -> list[Member]:
    """Who is late: the grid's workers at triage, the holding units' staff after."""
    if ticket.stage == "triage":
        return _triagers(ticket)
    people = []
    for assignment in ticket.assignments:
        if assignment.status in ACTIVE_ASSIGNMENTS:
            people += unit_staff(assignment.unit_id)
    return people


def mark_overdue(*, now: datetime | None = None, limit: int = 500) -> int:
    """Open tickets past their stage's deadline are marked overdue, and the holders told."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            sa.select(Ticket)
            .where(Ticket.state.in_(OPEN_STATES), Ticket.due_at < now, Ticket.overdue_at.is_(None))
            .order_by(Ticket.due_at)
            .limit(limit)
        )
    )
    for ticket in due:
        ticket.overdue_at = now
        _event(ticket, "overdue", None, now, note=ticket.stage or "")
        for person in _holders_told(ticket):
            notifications.notify(
                person, M.OVERDUE, subject=f"ticket:{ticket.id}", now=now,
                once=f"ticket-overdue:{ticket.id}:{ticket.due_at.isoformat()}",
                deadline=ticket.due_at, stage=ticket.stage, **_params(ticket),
            )
    return len(due)


def escalate_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """督办: tickets overdue past the second limit go to the street's admins, naming who
    holds them."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            sa.select(Ticket)
            .where(
                Ticket.state.in_(OPEN_STATES),
                Ticket.escalate_at < now,
                Ticket.escalated_at.is_(None),
            )
            .order_by(Ticket.escalate_at)
            .limit(limit)
        )
    )
    admins = street_admins()
    for ticket in due:
        ticket.escalated_at = now
        if ticket.overdue_at is None:
            ticket.overdue_at = now
        who = holder(ticket)
        _event(ticket, "escalated", None, now, note=who)
        for admin in admins:
            notifications.notify(
                admin, M.ESCALATED, subject=f"ticket:{ticket.id}:escalated", now=now,
                once=f"ticket-escalated:{ticket.id}:{ticket.escalate_at.isoformat()}",
                deadline=ticket.due_at, stage=ticket.stage, holder=who,
                community=ticket.community.name, **_params(ticket),
            )
    return len(due)


def street_admins() -> list[Member]:
    from points.members.models import MemberRole

    return list(
        db.session.scalars(
            sa.select(Member)
            .join(MemberRole, MemberRole.member_id == Member.id)
            .where(MemberRole.role == "admin", Member.status == "active")
            .order_by(Member.id)
        )
    )


def close_unconfirmed(*, now: datetime | None = None, limit: int = 500) -> int:
    """Handled tickets the reporter has not answered within a week close as handled but
    unconfirmed (a fix still counts as fixed)."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            sa.select(Ticket)
            .where(
                Ticket.state == "handled",
                Ticket.handled_at <= now - timedelta(days=CONFIRM_DAYS),
            )
            .order_by(Ticket.handled_at)
            .limit(limit)
        )
    )
    for ticket in due:
        ticket = _lock(ticket)
        if ticket.state == "handled":
            _closed_handled(ticket, "unconfirmed", None, now)
    return len(due)


# ---------------------------------------------------------------------------- queues


def triage_scope(actor: Member):
    """The tickets whose triage the actor sees: their grids' and, for staff, their
    community's (admins: every one)."""
    conditions = []
    grid_ids = grid_ids_of(actor)
    if grid_ids:
        conditions.append(Ticket.grid_id.in_(grid_ids))
    if actor.has_role("admin"):
        conditions.append(sa.true())
    elif actor.has_role("social_worker") and actor.community_id is not None:
        conditions.append(Ticket.community_id == actor.community_id)
    if not conditions:
        raise Forbidden(M.NOT_GRID_WORKER)
    return sa.or_(*conditions)


def triage_queue(actor: Member, *, limit: int = QUEUE_LIMIT, after: int | None = None
                 ) -> list[Ticket]:
    """Tickets waiting for triage or dispatch (returned ones included), oldest first; `after`:
    the last id of the previous page."""
    query = (
        sa.select(Ticket)
        .where(triage_scope(actor), Ticket.in_triage())
        .options(selectinload(Ticket.item), selectinload(Ticket.grid))
        .order_by(Ticket.id)
        .limit(min(max(limit, 1), 200))
    )
    if after is not None:
        query = query.where(Ticket.id > after)
    return list(db.session.scalars(query))


def triage_cards(actor: Member, waiting: list[Ticket]) -> dict[int, tuple[int | None, int]]:
    """For a page of the triage queue, in two queries whatever its length: each ticket's
    first photo (its id; None without one, or when the actor may not see its photos) and how
    many earlier open tickets of its category its grid has (the merge candidates)."""
    grid_ids = set(grid_ids_of(actor))
    seen = [t.id for t in waiting
            if t.grid_id in grid_ids or _oversees(actor, t) or t.reporter_id == actor.id
            or t.published]
    ids = [t.id for t in waiting]
    thumbs = dict(
        db.session.execute(
            sa.select(TicketPhoto.ticket_id, sa.func.min(TicketPhoto.id))
            .where(TicketPhoto.ticket_id.in_(seen))
            .group_by(TicketPhoto.ticket_id)
        ).all()
    ) if seen else {}
    earlier = aliased(Ticket)
    counts = dict(
        db.session.execute(
            sa.select(Ticket.id, sa.func.count(earlier.id))
            .join(earlier, sa.and_(
                earlier.grid_id == Ticket.grid_id,
                earlier.category_id == Ticket.category_id,
                Ticket.still_open(earlier),
                earlier.id < Ticket.id,
            ))
            .where(Ticket.id.in_(ids))
            .group_by(Ticket.id)
        ).all()
    ) if ids else {}
    return {i: (thumbs.get(i), counts.get(i, 0)) for i in ids}


def triage_count(actor: Member) -> int:
    try:
        scope = triage_scope(actor)
    except Forbidden:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(scope, Ticket.in_triage())
    )


def unit_queue(actor: Member, *, limit: int = QUEUE_LIMIT) -> list[TicketAssignment]:
    """The actor's units' live assignments, the oldest first."""
    unit_ids = unit_ids_of(actor)
    if not unit_ids:
        raise Forbidden(M.NOT_UNIT_STAFF)
    return list(
        db.session.scalars(
            sa.select(TicketAssignment)
            .where(
                TicketAssignment.unit_id.in_(unit_ids),
                TicketAssignment.status.in_(ACTIVE_ASSIGNMENTS),
            )
            .order_by(TicketAssignment.id)
            .limit(min(max(limit, 1), 200))
        )
    )


def unit_queue_count(actor: Member) -> int:
    unit_ids = unit_ids_of(actor)
    if not unit_ids:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketAssignment)
        .where(
            TicketAssignment.unit_id.in_(unit_ids),
            TicketAssignment.status.in_(ACTIVE_ASSIGNMENTS),
        )
    )


def mine(member: Member, *, limit: int = 100) -> list[Ticket]:
    """Tickets the member reported or follows, the newest first."""
    followed = sa.select(TicketFollower.ticket_id).where(TicketFollower.member_id == member.id)
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(sa.or_(Ticket.reporter_id == member.id, Ticket.id.in_(followed)))
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class UnitLateness:
    unit: Unit
    overdue: int
    escalated: int


def overdue(actor: Member, *, limit: int = 200) -> list[Ticket]:
    """Open overdue tickets in the actor's scope (the street for admins), escalated first."""
    members.require_staff(actor)
    scope = sa.true() if actor.has_role("admin") else Ticket.community_id == actor.community_id
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(scope, Ticket.state.in_(OPEN_STATES), Ticket.overdue_at.is_not(None))
            .order_by(Ticket.escalated_at.is_(None), Ticket.due_at)
            .limit(limit)
        )
    )


def overdue_by_unit(actor: Member, *, community_id: int | None = None) -> list[UnitLateness]:
    """Per unit: how many live assignments are on overdue tickets, and escalated ones; an
    admin may narrow it to one community."""
    members.require_staff(actor)
    scope = sa.true() if actor.has_role("admin") else Ticket.community_id == actor.community_id
    if community_id is not None:
        scope = sa.and_(scope, Ticket.community_id == community_id)
    rows = db.session.execute(
        sa.select(
            TicketAssignment.unit_id,
            sa.func.count(),
            sa.func.count(Ticket.escalated_at),
        )
        .join(Ticket, Ticket.id == TicketAssignment.ticket_id)
        .where(
            scope,
            Ticket.state.in_(OPEN_STATES),
            Ticket.overdue_at.is_not(None),
            TicketAssignment.status.in_(ACTIVE_ASSIGNMENTS),
        )
        .group_by(TicketAssignment.unit_id)
    ).all()
    out = [UnitLateness(db.session.get(Unit, unit_id), n, e) for unit_id, n, e in rows]
    return sorted(out, key=lambda r: (-r.escalated, -r.overdue, r.unit.id))


# ---------------------------------------------------------------------------- the board


@dataclass(frozen=True)
class BoardLine:
    category: TicketCategory
    reported: int | None  # None: fewer than BOARD_MIN_COUNT, not shown
    fixed: int | None
    closed_not_fixed: int | None
    open: int | None


@dataclass(frozen=True)
class Board:
    community: Community
    start: date
    end: date  # exclusive
    lines: list[BoardLine]
    median_days_to_fix: float | None
    rated: int | None
    satisfied_share: float | None  # ratings of 4 or 5, of all ratings
    tickets: list[Ticket]  # recent published tickets, for their photos


@dataclass(frozen=True)
class CategoryTally:
    category: TicketCategory
    reported: int
    fixed: int  # closed with the outcome fixed (`Ticket.fixed`)
    closed_not_fixed: int  # closed with any other outcome: closed is not fixed
    open: int


@dataclass(frozen=True)
class Outcomes:
    period: tuple
    lines: list[CategoryTally]
    days_to_fix: list[float]  # report → handled (or closed), per fixed ticket
    ratings: list[int]


def outcomes(where, since: datetime, until: datetime) -> Outcomes:
    """Tickets reported in [since, until) matching `where`, by category and outcome, with the
    days each fixed one took and the reporters' ratings: the board's and the reports' count."""
    period = (where, Ticket.created_at >= since, Ticket.created_at < until)
    rows = db.session.execute(
        sa.select(Ticket.category_id, Ticket.state, Ticket.outcome, sa.func.count())
        .where(*period)
        .group_by(Ticket.category_id, Ticket.state, Ticket.outcome)
    ).all()
    tally: dict[int, dict[str, int]] = {}
    for category_id, state, outcome, n in rows:
        t = tally.setdefault(category_id, {"reported": 0, "fixed": 0, "closed": 0, "open": 0})
        t["reported"] += n
        if state != "closed":
            t["open"] += n
        elif outcome == "fixed":
            t["fixed"] += n
        else:
            t["closed"] += n
    cats = {c.id: c for c in db.session.scalars(sa.select(TicketCategory))}
    lines = [
        CategoryTally(cats[cid], t["reported"], t["fixed"], t["closed"], t["open"])
        for cid, t in sorted(tally.items(), key=lambda kv: (cats[kv[0]].position, kv[0]))
    ]
    fixes = db.session.execute(
        sa.select(Ticket.created_at, Ticket.handled_at, Ticket.closed_at).where(
            *period, Ticket.state == "closed", Ticket.outcome == "fixed"
        )
    ).all()
    days = [((handled or closed) - created).total_seconds() / 86400 for created, handled, closed
            in fixes]
    ratings = list(db.session.scalars(sa.select(Ticket.rating).where(
        *period, Ticket.rating.is_not(None))))
    return Outcomes(period, lines, days, ratings)


def _shown(n: int) -> int | None:
    return n if n >= BOARD_MIN_COUNT else None


def board(community_id, *, start: date, end: date, recent: int = 12) -> Board:
    """The public board of a community for [start, end): tickets by category and outcome,
    the median days from report to fix, the satisfaction figure, and published tickets.
    A count under five is not shown (it could point at a neighbour)."""
    community = db.session.get(Community, community_id) if is_id(community_id) else None
    if community is None:
        raise NotFound(M.NOT_A_COMMUNITY, field="community")
    found = outcomes(Ticket.community_id == community.id, clock.at(start), clock.at(end))
    period = found.period
    lines = [
        BoardLine(t.category, _shown(t.reported), _shown(t.fixed), _shown(t.closed_not_fixed),
                  _shown(t.open))
        for t in found.lines
    ]
    days = found.days_to_fix
    median = round(statistics.median(days), 1) if len(days) >= BOARD_MIN_COUNT else None
    ratings = found.ratings
    satisfied = None
    if len(ratings) >= BOARD_MIN_COUNT:
        satisfied = sum(1 for r in ratings if r >= 4) / len(ratings)
    published = list(
        db.session.scalars(
            sa.select(Ticket)
            .where(*period, Ticket.published.is_(True))
            .order_by(Ticket.id.desc())
            .limit(recent)
        )
    )
    return Board(community, start, end, lines, median, _shown(len(ratings)), satisfied,
                 published)


def timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events)


# ---- added for the API


def photo_evidence(photo: TicketPhoto) -> Evidence:
    """The uploaded file behind a ticket's photo (its bytes: `photo_file`)."""
    return db.session.get(Evidence, photo.evidence_id)


def photo_file(photo: TicketPhoto) -> tuple[bytes, str]:
    """A ticket photo's bytes and content type; not found when its file is gone (a database
    restored without its uploads folder), never an error page."""
    evidence = photo_evidence(photo)
    try:
        return activities.evidence_path(evidence).read_bytes(), evidence.content_type
    except OSError:
        raise NotFound(M.NO_SUCH_TICKET, field="photo") from None


def followable_ticket(ticket_id, member: Member) -> Ticket:
    """A ticket the member sees (visible_ticket) or one on the public board, which anyone
    may follow ("me too"); else not found, so an unpublished ticket is never confirmed."""
    ticket = get_ticket(ticket_id)
    if ticket.published:
        return ticket
    return visible_ticket(ticket.id, member)


def last_change(ticket: Ticket) -> datetime:
    """When the ticket last moved: its latest timeline step."""
    return max((e.at for e in ticket.events), default=ticket.created_at)


def georeport_requests(
    viewer: Member | None,
    *,
    ids: list[int] | None = None,
    codes: list[str] | None = None,
    grid_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    states: list[str] | None = None,
    limit: int = 1000,
) -> list[Ticket]:
    """Reports (随手拍) another system may read (Open311): those on the public board, and
    for a member with a triage queue also those of their triage scope; newest first.
    `ids` ignores the other filters; `states` is "open" and/or "closed"."""
    seen = Ticket.published.is_(True)
    if viewer is not None and triages_anywhere(viewer):
        try:
            seen = sa.or_(seen, triage_scope(viewer))
        except Forbidden:  # staff of no community: the public ones only
            pass
    query = sa.select(Ticket).where(Ticket.kind == "report", seen)
    if ids is not None:
        query = query.where(Ticket.id.in_(ids))
    else:
        if codes:
            query = query.join(TicketCategory, TicketCategory.id == Ticket.category_id).where(
                TicketCategory.code.in_(codes)
            )
        if grid_id is not None:
            query = query.where(Ticket.grid_id == grid_id)
        if since is not None:
            query = query.where(Ticket.created_at >= since)
        if until is not None:
            query = query.where(Ticket.created_at <= until)
        if states and set(states) != {"open", "closed"}:
            closed = Ticket.state == "closed"
            query = query.where(closed if "closed" in states else sa.not_(closed))
    return list(
        db.session.scalars(
            query.options(selectinload(Ticket.assignments),
                          selectinload(Ticket.events))
            .order_by(Ticket.id.desc())
            .limit(min(max(limit, 1), 1000))
        )
    )


BOARD_MAX_DAYS = 366


def board_period(start: date | None, end: date | None, *, days: int = 30) -> tuple[date, date]:
    """The board's [start, end): by default the `days` up to and including today; at most
    BOARD_MAX_DAYS long."""
    end = end or clock.today() + timedelta(days=1)
    start = start or end - timedelta(days=days)
    if start >= end:
        raise InvalidInput(M.END_AFTER_START, field="end")
    if (end - start).days > BOARD_MAX_DAYS:
        raise InvalidInput(M.BOARD_TOO_LONG, field="start", n=BOARD_MAX_DAYS)
    return start, end
