"""Service tickets: 随手拍 reports and 居民点单 orders, one loop from report to verified fix.

A `Ticket` is a **report** (a hazard photographed by any signed-in member) or an **order**
(a resident picks a `ServiceItem` of the service menu). It lives in one `Grid` of one
community, whose `GridWorker`s triage it: verify it (a report earns its 随手拍 points once),
merge it into an earlier one, or close it as not a problem. A verified ticket is dispatched
(派单) to one or more handling `Unit`s — departments and partner units with their own
`UnitStaff` accounts — through `TicketAssignment`s; a unit accepts (接单) or returns it with a
reason (退单); the one that handles it records the outcome with a note and an after-photo.

Two things are kept apart: `state` is where the ticket is in the workflow (reported →
triaged → dispatched → accepted → in_progress → handled → closed) and `outcome` is what came
of it (fixed, not_fixed, not_ours, not_a_problem, duplicate, withdrawn). Closed is never
counted as fixed. The reporter confirms or disputes the fix (a dispute sends it back to the
unit) and rates the handling 1–5 (回访); without an answer it closes `unconfirmed` after a
week. Each step's deadline is counted in working days (points/tickets/calendar.py); the
sweep marks overdue tickets and escalates (督办) those overdue past a second limit.

Every step is a `TicketEvent`, the timeline the reporter reads. `TicketPhoto`s are seen by
staff and the handling units only until a grid worker publishes them. `TicketFollower`s are
the members told of the outcome: the reporter, "me too"s and the reporters of duplicates.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db
from points.members.models import Community, Grid, Member

KINDS = ("report", "order")
UNIT_KINDS = ("department", "partner")
STATES = ("reported", "triaged", "dispatched", "accepted", "in_progress", "handled", "closed")
OPEN_STATES = STATES[:-1]
# Waiting for a grid worker: triage, or dispatch once triaged (returned tickets included).
TRIAGE_STATES = ("reported", "triaged")
TRIAGE_SQL = "state IN (" + ", ".join(f"'{s}'" for s in TRIAGE_STATES) + ")"
OPEN_SQL = "state <> 'closed'"
# What came of a ticket. A unit ends its work with the first three; triage with the next two.
OUTCOMES = ("fixed", "not_fixed", "not_ours", "not_a_problem", "duplicate", "withdrawn")
HANDLED_OUTCOMES = ("fixed", "not_fixed", "not_ours")
CONFIRMATIONS = ("confirmed", "unconfirmed")
ASSIGNMENT_STATUSES = ("dispatched", "accepted", "returned", "handled", "ended")
ACTIVE_ASSIGNMENTS = ("dispatched", "accepted")
PHOTO_STAGES = ("before", "after")
STAGES = ("triage", "accept", "handle")  # what a deadline is for


class TicketCategory(db.Model):
    """What a ticket is about, with its deadlines in working days; a report category names
    the 随手拍 activity type whose points a verified report earns."""

    __tablename__ = "ticket_categories"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", KINDS), name="ck_ticket_categories_kind"),
        sa.CheckConstraint(
            "triage_days >= 1 AND accept_days >= 1 AND handle_days >= 1 AND escalate_days >= 1",
            name="ck_ticket_categories_days",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(6))
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    activity_code: Mapped[str | None] = mapped_column(sa.String(40))
    triage_days: Mapped[int] = mapped_column(sa.Integer, default=1)
    accept_days: Mapped[int] = mapped_column(sa.Integer, default=1)
    handle_days: Mapped[int] = mapped_column(sa.Integer, default=5)
    # Working days past a deadline before the ticket escalates to the street (督办).
    escalate_days: Mapped[int] = mapped_column(sa.Integer, default=2)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def days_for(self, stage: str) -> int:
        return {"triage": self.triage_days, "accept": self.accept_days}.get(
            stage, self.handle_days
        )


class Unit(db.Model):
    """A handling unit: a department (police, judicial office, city management …) or a
    partner unit (驻区单位). Street-wide when `community_id` is empty."""

    __tablename__ = "ticket_units"
    __table_args__ = (sa.CheckConstraint(one_of("kind", UNIT_KINDS), name="ck_ticket_units_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    community: Mapped[Community | None] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


class UnitStaff(db.Model):
    __tablename__ = "ticket_unit_staff"
    __table_args__ = (sa.UniqueConstraint("member_id", "unit_id", name="uq_ticket_unit_staff"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_units.id"), index=True)


class GridWorker(db.Model):
    """A grid worker (网格员) of one grid; `leader`: the grid leader (网格长)."""

    __tablename__ = "grid_workers"
    __table_args__ = (sa.UniqueConstraint("member_id", "grid_id", name="uq_grid_workers"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    leader: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    member: Mapped[Member] = relationship()
    grid: Mapped[Grid] = relationship()


class ServiceItem(db.Model):
    """One item of the service menu (服务清单) that residents order (居民点单)."""

    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_categories.id"))
    name_zh: Mapped[str] = mapped_column(sa.String(60))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_zh: Mapped[str] = mapped_column(sa.String(300), default="")
    description_en: Mapped[str] = mapped_column(sa.String(500), default="")
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    category: Mapped[TicketCategory] = relationship(lazy="joined")
    units: Mapped[list[Unit]] = relationship(secondary="unit_services", order_by="Unit.id")

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def description(self, locale: str) -> str:
        return self.description_en if locale.startswith("en") else self.description_zh


class UnitService(db.Model):
    """A unit that offers (认领) a service menu item."""

    __tablename__ = "unit_services"
    __table_args__ = (sa.UniqueConstraint("unit_id", "item_id", name="uq_unit_services"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_units.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("service_items.id"), index=True)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", KINDS), name="ck_tickets_kind"),
        sa.CheckConstraint(one_of("state", STATES), name="ck_tickets_state"),
        sa.CheckConstraint(
            "outcome IS NULL OR " + one_of("outcome", OUTCOMES), name="ck_tickets_outcome"
        ),
        # What came of it is known once a unit has handled it or it is closed, never before.
        sa.CheckConstraint(
            "(state IN ('handled', 'closed')) = (outcome IS NOT NULL)",
            name="ck_tickets_outcome_state",
        ),
        sa.CheckConstraint(
            "(outcome = 'duplicate') = (duplicate_of_id IS NOT NULL)",
            name="ck_tickets_duplicate",
        ),
        sa.CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id",
                           name="ck_tickets_duplicate_self"),
        sa.CheckConstraint(
            "confirmation IS NULL OR " + one_of("confirmation", CONFIRMATIONS),
            name="ck_tickets_confirmation",
        ),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_tickets_rating"),
        sa.CheckConstraint("(kind = 'order') = (item_id IS NOT NULL)", name="ck_tickets_item"),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            name="ck_tickets_point",
        ),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name="ck_tickets_point_pair"
        ),
        # Queues: a grid's open tickets by age, a community's, and a member's own.
        sa.Index("ix_tickets_grid_state", "grid_id", "state", "created_at"),
        sa.Index("ix_tickets_community_state", "community_id", "state", "created_at"),
        sa.Index("ix_tickets_reporter", "reporter_id", "created_at"),
        sa.Index("ix_tickets_due", "state", "due_at"),
        sa.Index("ix_tickets_created_at", "created_at"),  # reports: reported in a period
        # Years of closed tickets must not slow the queues. The partial indexes hold only the
        # open ones, in id order; a query reaches them by naming the same states as literals
        # (`in_triage()`, `is_open()`), which is how SQLite proves the index applies.
        sa.Index("ix_tickets_triage_grid", "grid_id", "id",
                 sqlite_where=sa.text(TRIAGE_SQL), postgresql_where=sa.text(TRIAGE_SQL)),
        sa.Index("ix_tickets_triage_community", "community_id", "id",
                 sqlite_where=sa.text(TRIAGE_SQL), postgresql_where=sa.text(TRIAGE_SQL)),
        sa.Index("ix_tickets_open_grid_category", "grid_id", "category_id", "id",
                 sqlite_where=sa.text(OPEN_SQL), postgresql_where=sa.text(OPEN_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(6))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_categories.id"))
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_items.id"))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"))
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    description: Mapped[str] = mapped_column(sa.String(500))
    spot: Mapped[str] = mapped_column(sa.String(120), default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    wanted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # an order: when
    state: Mapped[str] = mapped_column(sa.String(12), default="reported")
    outcome: Mapped[str | None] = mapped_column(sa.String(14))
    outcome_note: Mapped[str] = mapped_column(sa.String(500), default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    published: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    # A verified report's 随手拍 award (a claim approved at triage), paid at most once.
    award_claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id"), unique=True)
    # The deadline of the stage the ticket is in (triage, accept or handle) and when it
    # was marked overdue and escalated; each step that starts a stage sets them afresh.
    stage: Mapped[str | None] = mapped_column(sa.String(8))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    handled_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_units.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation: Mapped[str | None] = mapped_column(sa.String(12))
    rating: Mapped[int | None] = mapped_column(sa.Integer)
    rating_comment: Mapped[str] = mapped_column(sa.String(300), default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened: Mapped[int] = mapped_column(sa.Integer, default=0)

    category: Mapped[TicketCategory] = relationship(lazy="joined")
    item: Mapped[ServiceItem | None] = relationship()
    community: Mapped[Community] = relationship()
    grid: Mapped[Grid] = relationship()
    reporter: Mapped[Member] = relationship(foreign_keys=[reporter_id])
    handled_unit: Mapped[Unit | None] = relationship()
    assignments: Mapped[list[TicketAssignment]] = relationship(
        back_populates="ticket", order_by="TicketAssignment.id"
    )
    photos: Mapped[list[TicketPhoto]] = relationship(order_by="TicketPhoto.id")
    events: Mapped[list[TicketEvent]] = relationship(order_by="TicketEvent.id")

    @property
    def is_open(self) -> bool:
        return self.state != "closed"

    @property
    def fixed(self) -> bool:
        """Counted as fixed: closed with the outcome fixed (confirmed or not answered)."""
        return self.state == "closed" and self.outcome == "fixed"

    @classmethod
    def in_triage(cls, entity=None):
        """The condition of the triage queue, as the partial indexes state it (literals, not
        bound parameters); `entity`: an alias of Ticket."""
        column = (entity if entity is not None else cls).state
        return column.in_([sa.literal_column(f"'{state}'") for state in TRIAGE_STATES])

    @classmethod
    def still_open(cls, entity=None):
        """Not closed, as the partial index of open tickets states it."""
        return (entity if entity is not None else cls).state != sa.literal_column("'closed'")


class TicketAssignment(db.Model):
    """A ticket dispatched (派单) to one unit; a ticket may have several (加派)."""

    __tablename__ = "ticket_assignments"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", ASSIGNMENT_STATUSES), name="ck_ticket_assign_status"),
        # One live assignment per unit and ticket: dispatching again to the same unit while
        # it holds the ticket is refused by the database as well.
        sa.Index(
            "uq_ticket_assign_active",
            "ticket_id",
            "unit_id",
            unique=True,
            sqlite_where=sa.text("status IN ('dispatched', 'accepted')"),
            postgresql_where=sa.text("status IN ('dispatched', 'accepted')"),
        ),
        sa.Index("ix_ticket_assign_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_units.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="dispatched")
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship(lazy="joined")


class TicketPhoto(db.Model):
    """A photo of a ticket: `before` (the reporter's) or `after` (the unit's); an uploaded
    `Evidence` of the activities domain (stored on disk, metadata stripped)."""

    __tablename__ = "ticket_photos"
    __table_args__ = (
        sa.CheckConstraint(one_of("stage", PHOTO_STAGES), name="ck_ticket_photos_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id"), unique=True)
    stage: Mapped[str] = mapped_column(sa.String(6))


class TicketEvent(db.Model):
    """One step of a ticket's timeline: who did what, when (and with which unit, why)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(sa.String(20))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_units.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    actor: Mapped[Member | None] = relationship()


class TicketFollower(db.Model):
    """A member told of a ticket's outcome: its reporter, a "me too", a duplicate's reporter."""

    __tablename__ = "ticket_followers"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "member_id", name="uq_ticket_followers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
