"""Operators give members their ticket work from the command line: grid workers and unit
staff; a wrong phone, grid or unit is named and changes nothing."""

from __future__ import annotations

from points.extensions import db
from points.tickets import services as tickets


def test_an_operator_makes_a_grid_worker_and_unit_staff(app, reporter, make_member):
    staff = make_member("13900000019", name="钱队员")
    runner = app.test_cli_runner()
    made = runner.invoke(args=["tickets", "grid-worker", "--phone", reporter.phone,
                               "--community", "云溪社区", "--grid", "云溪二网格", "--leader"])
    assert made.exit_code == 0, made.output
    unit = runner.invoke(args=["tickets", "unit-staff", "--phone", staff.phone,
                               "--unit", "police"])
    assert unit.exit_code == 0 and "派出所" in unit.output, unit.output
    db.session.rollback()
    assert tickets.is_grid_worker(reporter)
    assert [u.code for u in tickets.units_of(staff)] == ["police"]


def test_a_wrong_phone_grid_or_unit_is_named(app, reporter):
    runner = app.test_cli_runner()
    for args, field in [
        (["grid-worker", "--phone", "13999999999", "--community", "云溪社区", "--grid",
          "云溪二网格"], "phone"),
        (["grid-worker", "--phone", reporter.phone, "--community", "云溪社区", "--grid",
          "没有这个网格"], "grid"),
        (["unit-staff", "--phone", reporter.phone, "--unit", "no-such-unit"], "unit"),
    ]:
        result = runner.invoke(args=["tickets", *args])
        assert result.exit_code == 1 and field in result.output, result.output
    db.session.rollback()
    assert not tickets.is_grid_worker(reporter) and not tickets.is_unit_staff(reporter)
