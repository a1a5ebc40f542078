"""代办 fixtures: 王阿姨 (a volunteer with points), her daughter as helper, a shop's benefit,
the catalogue for claims and the community's social worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from points.extensions import db
from points.ledger.verify import verify_ledger
from points.members import helpers
from tests.activities.conftest import catalogue  # noqa: F401
from tests.marketplace.conftest import make_benefit, rich_member, shop  # noqa: F401


@pytest.fixture(autouse=True)
def ledger_verifies_after_each_test(app):
    yield
    with app.app_context():
        report = verify_ledger()
        db.session.remove()
    assert report.ok, report.faults


@pytest.fixture
def wang(rich_member):  # noqa: F811
    return rich_member(100, phone="13900000004", name="王阿姨")


@pytest.fixture
def daughter(make_member):
    return make_member("13900000011", name="王小红")


@pytest.fixture
def grant(wang, daughter, ctx):
    """grant(scopes=("balance", "redeem"), days=30) → 王阿姨 names her daughter, committed."""

    def make(scopes=("balance", "redeem"), days=30, by=None):
        made = helpers.grant_helper(
            wang,
            helper_phone=daughter.phone,
            scopes=list(scopes),
            ends_on=_today() + timedelta(days=days),
            granted_by=by or wang,
        )
        db.session.commit()
        return made

    return make


def _today():
    from points import clock

    return clock.today()
