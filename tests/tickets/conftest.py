"""Ticket fixtures: the seeded categories, units and menu; a reporter in 云溪二网格, its
grid worker, a grid worker of another grid, city-management and police staff."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from points import seeding
from points.activities import services as activities
from points.extensions import db
from points.ledger import services as ledger
from points.members.models import Grid
from points.tickets import services as tickets
from tests import snapshots
from tests.activities.photos import jpeg
from tests.conftest import load_catalogue


@pytest.fixture
def grids(places):
    """{name: Grid} of the test places."""
    return {g.name: g for g in db.session.scalars(sa.select(Grid))}


TICKET_TABLES = ["ticket_categories", "ticket_units", "service_items", "unit_services"]


@pytest.fixture
def world(ctx, places, backend, db_url, tmp_path_factory):
    """The catalogue (for 随手拍 points) and seed/tickets.toml's categories, units, menu:
    loaded once per session and backend, copied into each test's database after that."""
    ledger.system_account("issuance")
    seeding.load_places()  # every community a unit names, with the same ids in every test
    db.session.commit()
    load_catalogue(backend, db_url, tmp_path_factory)
    snapshots.load("tickets", backend.name, db_url, snapshots.folder(tmp_path_factory),
                   seeding.load_tickets, tables=TICKET_TABLES)


@pytest.fixture
def reporter(make_member, world, grids):
    return make_member("13900000010", name="小刘", grid_id=grids["云溪二网格"].id)


@pytest.fixture
def grid_worker(make_member, world, grids):
    member = make_member("13900000008", name="赵网格", level="volunteer",
                         grid_id=grids["云溪二网格"].id)
    tickets.add_grid_worker(member, grids["云溪二网格"].id, leader=True)
    db.session.commit()
    return member


@pytest.fixture
def other_grid_worker(make_member, world, grids):
    member = make_member("13900000012", name="钱网格", level="volunteer",
                         grid_id=grids["云溪一网格"].id)
    tickets.add_grid_worker(member, grids["云溪一网格"].id)
    db.session.commit()
    return member


@pytest.fixture
def city_staff(make_member, world):
    member = make_member("13900000009", name="孙队员")
    tickets.add_unit_staff(member, "city-management")
    db.session.commit()
    return member


@pytest.fixture
def police_staff(make_member, world):
    member = make_member("13900000013", name="吴警官")
    tickets.add_unit_staff(member, "police")
    db.session.commit()
    return member


@pytest.fixture
def photo():
    """photo(member) → the token of a fresh photo the member uploaded."""
    counter = iter(range(1, 1000))

    def upload(member) -> str:
        n = next(counter)
        return activities.save_evidence(member, jpeg(colour_shift(n))).token

    return upload


def colour_shift(n: int):
    from tests.activities.photos import picture

    return picture(colour=(200, (30 + n * 7) % 255, 30))


@pytest.fixture
def report(reporter, photo):
    """report(category="hazard-general", member=reporter, **kw) → a committed ticket."""

    def make(category="hazard-general", member=None, **kw):
        member = member or reporter
        kw.setdefault("description", "楼道里堆满了纸箱，挡住了消防通道")
        kw.setdefault("spot", "12幢2单元")
        kw.setdefault("photos", [photo(member)])
        ticket = tickets.report(member, category=category, **kw)
        db.session.commit()
        return ticket

    return make


def city(ctx=None):
    return tickets.get_unit("city-management")
