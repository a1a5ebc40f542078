"""People and the growth ladder.

A `Member` signs in with a mainland mobile number and belongs to a community (社区) and grid
(网格) within a street (街道). Their `level` climbs resident → volunteer → talent → host by
rules (see `progression.py`), and every change is a `LevelChange` row saying from, to, why,
who decided and when. Staff powers are `MemberRole`s: a social worker acts inside their own
community, an admin across the street, merchant staff for one merchant.

Growth records: `CourseCompletion` (training in three tiers), `Skill` (the resource map,
reviewed by a social worker), `HostApplication` (apply → select → public notice → appoint,
with `Objection`s during the notice) and `Assessment` (a quarterly three-colour scorecard).
`ApiToken` holds sign-ins by their hash only: API bearer tokens (`kind` "api") and web
sessions ("web", the value the session and remember cookies carry), so that a password
change, a suspension or "sign out everywhere" can end every one of them on the server.
`SignInCode` is the one live SMS code of a member for one purpose (signing in, resetting the
password), kept only as an HMAC: asking again replaces it, using it or five wrong tries end
it. A member who signed up by code has no password (`password_hash` is empty).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.database import UTCDateTime, one_of, utcnow
from points.extensions import db
from points.members.assessment import Finding

LEVELS = ("resident", "volunteer", "talent", "host")
STATUSES = ("active", "suspended", "exited")
ROLES = ("social_worker", "admin", "merchant_staff")
TIERS = ("basic", "specialised", "leadership")


class Street(db.Model):
    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)


class Community(db.Model):
    __tablename__ = "communities"
    __table_args__ = (sa.UniqueConstraint("street_id", "name", name="uq_communities_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    # Names are the street office's own (云溪社区); English pages show name_en when set. A
    # column, not the catalog: communities are rows an operator adds, not strings in code.
    name_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    street: Mapped[Street] = relationship()
    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.id")

    def local_name(self, locale: str) -> str:
        """The name on a page in `locale`: the English one on English pages, when known."""
        return self.name_en if locale == "en" and self.name_en else self.name


class Grid(db.Model):
    __tablename__ = "grids"
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_grids_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    # Like a community's: the grid's name on English pages, when known.
    name_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    community: Mapped[Community] = relationship(back_populates="grids")

    def local_name(self, locale: str) -> str:
        """The name on a page in `locale`: the English one on English pages, when known."""
        return self.name_en if locale == "en" and self.name_en else self.name


class Member(UserMixin, db.Model):
    __tablename__ = "members"
    __table_args__ = (
        sa.CheckConstraint(one_of("level", LEVELS), name="ck_members_level"),
        sa.CheckConstraint(one_of("status", STATUSES), name="ck_members_status"),
        sa.Index("ix_members_community_level", "community_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(11), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    # Empty: no password yet (signed up by SMS code); such a member signs in by code only.
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grids.id"))
    level: Mapped[str] = mapped_column(sa.String(10), default="resident")
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    status_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    real_name: Mapped[str | None] = mapped_column(sa.String(40))
    pledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    # 长辈版: larger type and targets, fewer items a screen, plainer words (points.web.elder).
    elder_mode: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # For email notifications (staff and merchants mostly); residents are told by SMS.
    email: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    roles: Mapped[list[MemberRole]] = relationship(
        back_populates="member", lazy="selectin", cascade="all, delete-orphan"
    )

    # The web session this instance was loaded by (not stored): Flask-Login keeps get_id()
    # in the session and remember cookies, so they carry the session's secret, never the id.
    session_token = None

    # Flask-Login: suspended and exited members cannot sign in.
    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def get_id(self) -> str:
        if not self.session_token:
            raise AttributeError("sign the member in through points.identity.sign_in")
        return self.session_token

    def has_role(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def role_names(self) -> list[str]:
        return sorted({r.role for r in self.roles})

    @property
    def merchant_ids(self) -> list[int]:
        return sorted(r.merchant_id for r in self.roles if r.role == "merchant_staff")

    @property
    def is_staff(self) -> bool:
        return self.has_role("social_worker") or self.has_role("admin")

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.phone} {self.level}>"


class MemberRole(db.Model):
    __tablename__ = "member_roles"
    __table_args__ = (
        sa.CheckConstraint(one_of("role", ROLES), name="ck_member_roles_role"),
        sa.CheckConstraint(
            "(role = 'merchant_staff') = (merchant_id IS NOT NULL)",
            name="ck_member_roles_merchant",
        ),
        sa.UniqueConstraint("member_id", "role", "merchant_id", name="uq_member_roles"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    role: Mapped[str] = mapped_column(sa.String(20))
    # The provider (points.marketplace) whose vouchers merchant staff confirm.
    merchant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("providers.id", name="fk_member_roles_merchant")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="roles")


class LevelChange(db.Model):
    """An append-only record of every change of level or status."""

    __tablename__ = "level_changes"
    __table_args__ = (sa.Index("ix_level_changes_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    from_level: Mapped[str] = mapped_column(sa.String(10))
    to_level: Mapped[str] = mapped_column(sa.String(10))
    from_status: Mapped[str] = mapped_column(sa.String(10), default="active")
    to_status: Mapped[str] = mapped_column(sa.String(10), default="active")
    reason: Mapped[str] = mapped_column(sa.String(500))
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What losing a level or active status did elsewhere (bookings cancelled and refunded,
    # space minutes kept …), written by the domains concerned in the same transaction.
    consequences: Mapped[dict | None] = mapped_column(sa.JSON)
    # An admin's reversal of a demotion points at the change it undoes.
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("level_changes.id", name="fk_level_changes_reverses")
    )

    decider: Mapped[Member | None] = relationship(foreign_keys=[decided_by])

    @property
    def is_loss(self) -> bool:
        """The member lost a level or stopped being active."""
        return LEVELS.index(self.to_level) < LEVELS.index(self.from_level) or (
            self.from_status == "active" and self.to_status != "active"
        )


class PhoneView(db.Model):
    """A staff member saw a member's full phone number (on the member's record page); lists
    show it masked."""

    __tablename__ = "phone_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


TOKEN_KINDS = ("api", "web")


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint(one_of("kind", TOKEN_KINDS), name="ck_api_tokens_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(3), default="api", server_default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


CODE_PURPOSES = ("sign_in", "reset")


class SignInCode(db.Model):
    """A member's live SMS code for one purpose: one row each, replaced by the next code."""

    __tablename__ = "sign_in_codes"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "purpose", name="uq_sign_in_codes_member_purpose"),
        sa.CheckConstraint(one_of("purpose", CODE_PURPOSES), name="ck_sign_in_codes_purpose"),
        sa.CheckConstraint("attempts >= 0", name="ck_sign_in_codes_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    purpose: Mapped[str] = mapped_column(sa.String(8))
    code_hash: Mapped[str] = mapped_column(sa.String(64))  # HMAC-SHA-256 under SECRET_KEY
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)  # wrong tries; five end the code


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (sa.CheckConstraint(one_of("tier", TIERS), name="ck_courses_tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    tier: Mapped[str] = mapped_column(sa.String(12))
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    hours: Mapped[int] = mapped_column(sa.Integer, default=2)
    # Completion lapses after this many days (None: never), e.g. first-aid refreshers.
    valid_days: Mapped[int | None] = mapped_column(sa.Integer)


class CourseCompletion(db.Model):
    __tablename__ = "course_completions"
    __table_args__ = (sa.Index("ix_course_completions_member", "member_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"))
    completed_on: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    course: Mapped[Course] = relationship()


SKILL_STATUSES = ("declared", "approved", "rejected")


class Skill(db.Model):
    """A declared skill on the resource map (资源地图); a social worker reviews it."""

    __tablename__ = "skills"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", SKILL_STATUSES), name="ck_skills_status"),
        sa.Index("ix_skills_status_category", "status", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(10), default="declared")
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])


APPLICATION_STATUSES = ("submitted", "selected", "declined", "appointed", "withdrawn")
OPEN_APPLICATION = "status IN ('submitted', 'selected')"


class HostApplication(db.Model):
    """A talent's application to become a host: submitted → selected (public notice) →
    appointed; or declined / withdrawn. At most one open application per member."""

    __tablename__ = "host_applications"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", APPLICATION_STATUSES), name="ck_host_apps_status"),
        sa.CheckConstraint(
            "status NOT IN ('selected', 'appointed') OR notice_ends_at IS NOT NULL",
            name="ck_host_apps_notice",
        ),
        sa.Index(
            "uq_host_apps_one_open",
            "member_id",
            unique=True,
            sqlite_where=sa.text(OPEN_APPLICATION),
            postgresql_where=sa.text(OPEN_APPLICATION),
        ),
        sa.Index("ix_host_apps_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    programme_title: Mapped[str] = mapped_column(sa.String(80))
    proposal: Mapped[str] = mapped_column(sa.String(2000))
    status: Mapped[str] = mapped_column(sa.String(10), default="submitted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    objections: Mapped[list[Objection]] = relationship(
        back_populates="application", order_by="Objection.id"
    )


OBJECTION_STATUSES = ("open", "upheld", "dismissed")


class Objection(db.Model):
    """An objection lodged during an application's public notice (公示)."""

    __tablename__ = "objections"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", OBJECTION_STATUSES), name="ck_objections_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("host_applications.id"), index=True)
    lodged_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(sa.String(500), default="")

    application: Mapped[HostApplication] = relationship(back_populates="objections")


ASSESSMENT_COLOURS = ("green", "yellow", "red", "unrated")
ASSESSMENT_STATUSES = ("draft", "published")


class Assessment(db.Model):
    """A host's quarterly scorecard (三色预警): the inputs as measured over the days they
    held the role, the colour, the findings behind it, and — for yellow and red — the
    improvement note agreed with them. A draft may be run again; only a published one
    counts (the host sees it, and two published reds in a row end the role)."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "quarter", name="uq_assessments_member_quarter"),
        sa.CheckConstraint(one_of("colour", ASSESSMENT_COLOURS), name="ck_assessments_colour"),
        sa.CheckConstraint(one_of("status", ASSESSMENT_STATUSES), name="ck_assessments_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    quarter: Mapped[str] = mapped_column(sa.String(6))
    colour: Mapped[str] = mapped_column(sa.String(8))
    findings: Mapped[list] = mapped_column(sa.JSON)
    improvement_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    assessed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(9), default="draft", server_default="published")
    # The days of the quarter the member held the host role, of the quarter's days.
    days_rated: Mapped[int | None] = mapped_column(sa.Integer)
    days_in_quarter: Mapped[int | None] = mapped_column(sa.Integer)
    published_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", name="fk_assessments_published_by")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])

    @property
    def rated_findings(self) -> tuple[Finding, ...]:
        """The stored findings as `Finding`s: each with its unit and what would lift it."""
        return tuple(Finding.from_record(record) for record in self.findings or ())


class CourseSession(db.Model):
    """One meeting of a course in a community; its roster records attendance, and attending
    records the member's completion of the course."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        sa.Index("ix_course_sessions_community_start", "community_id", "starts_at"),
        sa.CheckConstraint("capacity > 0", name="ck_course_sessions_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(80))
    # Seats for sign-ups; walk-ins ticked off from the paper sheet are not limited by it.
    capacity: Mapped[int] = mapped_column(sa.Integer, default=30, server_default="30")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    course: Mapped[Course] = relationship()
    community: Mapped[Community] = relationship()
    attendances: Mapped[list[Attendance]] = relationship(order_by="Attendance.id")
    signups: Mapped[list[CourseSignup]] = relationship(
        order_by="CourseSignup.id", back_populates="session"
    )


COURSE_SIGNUP_STATUSES = ("signed_up", "cancelled")


class CourseSignup(db.Model):
    """A member's seat at a training session; cancelling frees it (the row stays, so signing
    up again reuses it). Taking a seat locks the session row, so seats are never oversold."""

    __tablename__ = "course_signups"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "member_id", name="uq_course_signups"),
        sa.CheckConstraint(
            one_of("status", COURSE_SIGNUP_STATUSES), name="ck_course_signups_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_sessions.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="signed_up")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[CourseSession] = relationship(back_populates="signups")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("session_id", "member_id", name="uq_attendances"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_sessions.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])


HELPER_SCOPES = ("balance", "claim", "redeem", "book")


class HelperGrant(db.Model):
    """代办: a resident names a helper (another member, a family member mostly) who may act
    for them in the chosen scopes until `ends_on` (the last day, in the community's dates).

    Granted by the resident, or by a social worker who witnessed the resident's consent in
    person (`witnessed`, the social worker in `granted_by`). Withdrawn at any time by the
    resident or a social worker (`withdrawn_at`, `withdrawn_by`); a withdrawn grant is kept.
    One grant not withdrawn per (resident, helper): a partial unique index. Rows acting under
    a grant (claims, redemptions) point at it with (grant, helper, resident) together, so
    the database refuses a row whose helper or resident is not the grant's."""

    __tablename__ = "helper_grants"
    __table_args__ = (
        sa.CheckConstraint("resident_id <> helper_id", name="ck_helper_grants_not_self"),
        sa.CheckConstraint(
            "may_balance OR may_claim OR may_redeem OR may_book", name="ck_helper_grants_scope"
        ),
        sa.CheckConstraint(
            "witnessed = (granted_by <> resident_id)", name="ck_helper_grants_witnessed"
        ),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_by IS NULL)", name="ck_helper_grants_withdrawn"
        ),
        sa.UniqueConstraint("id", "helper_id", "resident_id", name="uq_helper_grants_parties"),
        sa.Index(
            "uq_helper_grants_active",
            "resident_id",
            "helper_id",
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        ),
        sa.Index("ix_helper_grants_helper", "helper_id", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    helper_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    may_balance: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    may_claim: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    may_redeem: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    may_book: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    granted_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    witnessed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    resident: Mapped[Member] = relationship(foreign_keys=[resident_id])
    helper: Mapped[Member] = relationship(foreign_keys=[helper_id])
    granter: Mapped[Member] = relationship(foreign_keys=[granted_by])

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(s for s in HELPER_SCOPES if getattr(self, f"may_{s}"))

    def allows(self, scope: str) -> bool:
        return scope in HELPER_SCOPES and bool(getattr(self, f"may_{scope}"))
