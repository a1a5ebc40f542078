"""Who may read which figures: the one place that decides. A social worker reads their own
community; an admin reads any one community or the whole street; nobody else reads staff
reports (the public summary is a separate, masked read)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from points.errors import Forbidden, NotFound
from points.extensions import db
from points.members import services as members
from points.members.models import Community, Member
from points.reports import messages as M


@dataclass(frozen=True)
class Scope:
    """One community (`community` set) or the whole street (`community` None)."""

    community: Community | None

    @property
    def community_ids(self) -> tuple[int, ...] | None:
        return None if self.community is None else (self.community.id,)

    @property
    def street(self) -> bool:
        return self.community is None

    def where(self, column) -> sa.ColumnElement[bool]:
        """A condition keeping rows of this scope, by a community id column."""
        return sa.true() if self.community is None else column == self.community.id

    def indexed(self, column) -> sa.ColumnElement[bool]:
        """Like `where`, but for the street every community's id, so that a (community,
        moment) index finds the period's rows instead of a scan of the whole table."""
        if self.community is None:
            return column.in_(sa.select(Community.id))
        return column == self.community.id

    def member_of(self, column) -> sa.ColumnElement[bool]:
        """A condition keeping rows whose member (`column`, a member id) is of this scope,
        checked row by row on rows found by another index (a period's): `column + 0` keeps
        the planner from probing a member index once per member of the scope, which would
        read all their history. The street needs no condition at all."""
        if self.community is None:
            return sa.true()
        return (column + 0).in_(self.members())

    def members(self) -> sa.Select:
        """Ids of the members of this scope (a subquery for IN)."""
        return sa.select(Member.id).where(self.where(Member.community_id))


def community(value) -> Community:
    """A community by id; anything else is 'not a community'."""
    text = str(value).strip()
    found = db.session.get(Community, int(text)) if text.isdigit() and len(text) < 10 else None
    if found is None:
        raise NotFound(M.NOT_A_COMMUNITY, field="community")
    return found


def scope_for(actor: Member, value=None) -> Scope:
    """The scope `actor` asked for: staff only (403); a social worker's own community (another
    community is not found, 404); for an admin the community named, or the street."""
    members.require_staff(actor)
    asked = community(value) if value not in (None, "") else None
    if actor.has_role("admin"):
        return Scope(asked)
    if actor.community_id is None:
        raise Forbidden(M.NO_COMMUNITY)
    if asked is not None and asked.id != actor.community_id:
        raise NotFound(M.NOT_A_COMMUNITY, field="community")
    return Scope(db.session.get(Community, actor.community_id))


def choices(actor: Member) -> list[Community]:
    """The communities the actor may pick (admins: all; others: none to pick)."""
    return members.communities() if actor.has_role("admin") else []
