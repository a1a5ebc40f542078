"""Whether the host-application page offers the form: as `apply` decides."""

from __future__ import annotations

import pytest

from points.errors import Conflict
from points.extensions import db
from points.members import applications
from points.members import services as members


def _apply(member):
    return applications.apply(member, programme_title="晨间瑜伽", proposal="每周二早上七点")


def test_an_active_talent_may_apply_once_at_a_time(make_member, social_worker):
    talent = make_member(level="talent")
    assert applications.may_apply(talent)
    application = _apply(talent)
    db.session.commit()
    assert not applications.may_apply(talent)
    with pytest.raises(Conflict):
        _apply(talent)
    db.session.rollback()
    applications.review(application, select=False, reason="名额已满", actor=social_worker)
    db.session.commit()
    assert applications.may_apply(talent)


def test_residents_hosts_and_suspended_talents_may_not_apply(make_member, social_worker):
    assert not applications.may_apply(make_member(level="resident"))
    assert not applications.may_apply(make_member(level="host"))
    suspended = make_member(level="talent")
    members.set_status(suspended, "suspended", reason="调查中", actor=social_worker)
    db.session.commit()
    assert not applications.may_apply(suspended)
