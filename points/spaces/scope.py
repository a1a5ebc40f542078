"""Which spaces a member of staff looks after: a social worker their community's, an admin
every community's. Reports and calendar feeds use the same rule."""

from __future__ import annotations

from points.errors import NotFound
from points.members import services as members
from points.members.models import Member
from points.spaces import messages as M
from points.spaces import services as spaces
from points.spaces.models import Space


def managed_spaces(actor: Member) -> list[Space]:
    """The active spaces `actor` looks after; 403 (Forbidden) for anyone but staff."""
    members.require_staff(actor)
    if actor.has_role("admin"):
        return spaces.spaces()
    if actor.community_id is None:
        return []
    return spaces.spaces(actor.community_id)


def managed_space(actor: Member, space_id) -> Space:
    """One space `actor` looks after; another community's space is 'not found'."""
    for space in managed_spaces(actor):
        if str(space.id) == str(space_id):
            return space
    raise NotFound(M.NO_SUCH_SPACE, field="space_id")
