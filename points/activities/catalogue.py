"""The activity catalogue (积分事项): categories and versioned activity types.

Editing a type never changes the row earlier claims point at: it writes the next version
and makes it current, so every award keeps saying which rule paid it.
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from points.activities import messages as M
from points.activities.models import APPROVERS, UNITS, ActivityCategory, ActivityType
from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound
from points.extensions import db
from points.members.models import LEVELS, Member
from points.validate import text, whole

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_POINTS = 1000
# The fields of a rule; a new version copies them and changes some.
RULE_FIELDS = (
    "category",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "unit",
    "points",
    "daily_cap",
    "monthly_cap",
    "min_level",
    "evidence",
    "approver",
    "active",
)


def _code(value, field: str = "code") -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise InvalidInput(M.CODE_SHAPE, field=field)
    return value


def _choice(value, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InvalidInput(M.ONE_OF, field=field, values=choices)
    return value


def _flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(M.TRUE_OR_FALSE, field=field)
    return value


def _category(value) -> ActivityCategory:
    found = db.session.scalar(sa.select(ActivityCategory).filter_by(code=value))
    if found is None:
        raise InvalidInput(M.UNKNOWN_CATEGORY, field="category")
    return found


def _rule(values: dict) -> dict:
    """Validate a whole rule; the errors name the field."""
    rule = {
        "category_id": _category(values.get("category")).id,
        "name_zh": text(values.get("name_zh"), "name_zh", 80),
        "name_en": text(values.get("name_en"), "name_en", 120),
        "description_zh": text(values.get("description_zh"), "description_zh", 500, required=False),
        "description_en": text(values.get("description_en"), "description_en", 500, required=False),
        "unit": _choice(values.get("unit"), "unit", UNITS),
        "points": whole(values.get("points"), "points", 1, MAX_POINTS),
        "daily_cap": whole(
            values.get("daily_cap"), "daily_cap", 1, MAX_POINTS * 100, optional=True
        ),
        "monthly_cap": whole(
            values.get("monthly_cap"), "monthly_cap", 1, MAX_POINTS * 100, optional=True
        ),
        "min_level": _choice(values.get("min_level", "volunteer"), "min_level", LEVELS),
        "evidence": _flag(values.get("evidence", False), "evidence"),
        "approver": _choice(values.get("approver", "social_worker"), "approver", APPROVERS),
        "active": _flag(values.get("active", True), "active"),
    }
    if rule["points"] > MAX_POINTS:
        raise InvalidInput(M.POINTS_RANGE, field="points", low=1, high=MAX_POINTS)
    for cap in ("daily_cap", "monthly_cap"):
        if rule[cap] is not None and rule[cap] < rule["points"]:
            raise InvalidInput(M.CAP_BELOW_UNIT, field=cap)
    if (
        rule["daily_cap"] is not None
        and rule["monthly_cap"] is not None
        and rule["monthly_cap"] < rule["daily_cap"]
    ):
        raise InvalidInput(M.MONTHLY_BELOW_DAILY, field="monthly_cap")
    return rule


def ensure_category(*, code, name_zh, name_en, position: int = 0) -> ActivityCategory:
    code = _code(code)
    found = db.session.scalar(sa.select(ActivityCategory).filter_by(code=code))
    if found is None:
        found = ActivityCategory(code=code, position=position)
        db.session.add(found)
    found.name_zh = text(name_zh, "name_zh", 80)
    found.name_en = text(name_en, "name_en", 120)
    db.session.flush()
    return found


def ensure_type(*, code, actor_id: int | None = None, **values) -> ActivityType:
    """Create version 1 of a type unless the code exists (seed loading)."""
    code = _code(code)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput(M.UNKNOWN_FIELDS, field="code", fields=sorted(unknown))
    existing = current_type(code, missing_ok=True)
    if existing is not None:
        return existing
    row = ActivityType(code=code, version=1, is_current=True, created_by=actor_id, **_rule(values))
    db.session.add(row)
    db.session.flush()
    return row


def current_type(code, *, missing_ok: bool = False) -> ActivityType | None:
    found = None
    if isinstance(code, str):
        found = db.session.scalar(sa.select(ActivityType).filter_by(code=code, is_current=True))
    if found is None and not missing_ok:
        raise InvalidInput(M.UNKNOWN_TYPE, field="activity_type")
    return found


def get_version(type_id: int) -> ActivityType:
    found = db.session.get(ActivityType, type_id)
    if found is None:
        raise NotFound(M.NO_SUCH_TYPE, field="activity_type")
    return found


def rule_of(row: ActivityType) -> dict:
    values = {f: getattr(row, f) for f in RULE_FIELDS if f != "category"}
    values["category"] = row.category.code
    return values


def edit_type(code, *, actor: Member, changes: dict, now: datetime | None = None) -> ActivityType:
    """Write the next version of a type with `changes` applied (admins only)."""
    if not actor.has_role("admin"):
        raise Forbidden(M.ADMINS_EDIT_CATALOGUE)
    current = current_type(code, missing_ok=True)
    if current is None:
        raise NotFound(M.UNKNOWN_TYPE, field="activity_type")
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput(M.UNKNOWN_FIELDS, field="changes", fields=sorted(unknown))
    rule = _rule({**rule_of(current), **changes})
    # Lock the current version: two editors at once make one new version, not two.
    locked = db.session.scalar(
        sa.select(ActivityType.id).filter_by(id=current.id, is_current=True).with_for_update()
    )
    if locked is None:
        raise Conflict(M.EDITED_MEANWHILE)
    current.is_current = False
    db.session.flush()
    row = ActivityType(
        code=current.code,
        version=current.version + 1,
        is_current=True,
        created_by=actor.id,
        created_at=now or utcnow(),
        **rule,
    )
    db.session.add(row)
    db.session.flush()
    return row


def categories() -> list[ActivityCategory]:
    return list(
        db.session.scalars(
            sa.select(ActivityCategory).order_by(ActivityCategory.position, ActivityCategory.id)
        )
    )


def catalogue(*, include_inactive: bool = False) -> list[ActivityType]:
    """The current version of every type, by category then code."""
    query = (
        sa.select(ActivityType)
        .join(ActivityCategory)
        .where(ActivityType.is_current)
        .order_by(ActivityCategory.position, ActivityCategory.id, ActivityType.id)
    )
    if not include_inactive:
        query = query.where(ActivityType.active)
    return list(db.session.scalars(query))


def versions(code: str) -> list[ActivityType]:
    return list(
        db.session.scalars(
            sa.select(ActivityType).filter_by(code=code).order_by(ActivityType.version.desc())
        )
    )


def may_claim(member: Member, activity_type: ActivityType) -> bool:
    return LEVELS.index(member.level) >= LEVELS.index(activity_type.min_level)
