"""Operator commands: `flask --app points ledger verify|sweep|anchor`, `… seed demo`,
`… members create-staff|reset-password|look-alikes`, `… ops backup|restore`,
`… notifications deliver [--loop]`, and `… worker`, the background work beside gunicorn
(points/worker.py).

Each calls the same services as the pages and commits once at the end.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from points import backup, housekeeping, seeding, validate, worker
from points import messages as shared
from points.errors import NotFound, PointsError
from points.extensions import db
from points.ledger.anchor import AnchorError, write_anchor
from points.ledger.verify import verify_ledger
from points.members import services as members
from points.members.models import ROLES, Member
from points.notifications import delivery
from points.tickets import services as tickets

ledger_cli = AppGroup("ledger", help="Check and maintain the points ledger.")
seed_cli = AppGroup("seed", help="Load seed data.")


@ledger_cli.command("verify")
def verify_command():
    """Recompute every balance and the hash chain, check the chain against its anchor and
    every domain's rows against their transfers; exit 1 on any fault."""
    report = verify_ledger()
    db.session.rollback()
    click.echo(report.anchor_line())
    click.echo(report.assets_line())
    click.echo(report.summary())
    for fault in report.faults:
        click.echo(f"FAULT: {fault}", err=True)
    sys.exit(0 if report.ok else 1)


@ledger_cli.command("sweep")
def sweep_command():
    """Run the housekeeping sweep now, then anchor the chain (the worker does this every
    HOUSEKEEPING_INTERVAL_S); waits for a sweep running elsewhere to end first."""
    done = housekeeping.sweep_once(0, wait=True)
    click.echo(", ".join(f"{name}: {count}" for name, count in done.items()))
    _anchor()


@ledger_cli.command("anchor")
def anchor_command():
    """Write the chain head to the anchor file outside the database (the sweep does too)."""
    _anchor()


def _anchor() -> None:
    try:
        anchor = write_anchor()
    except AnchorError as error:
        db.session.rollback()
        click.echo(f"FAULT: {error}", err=True)
        sys.exit(1)
    click.echo(f"anchored {anchor.describe()}")


@seed_cli.command("demo")
def seed_demo_command():
    """Load the demo data once, into an empty database; a second run changes nothing."""
    _seed_demo()


@click.command("setup")
@with_appcontext
def setup_command():
    """Migrate the database to the latest schema, then load the demo data once: what `make
    run` does before it serves (`flask db upgrade` and `flask seed demo` in one start of the
    app instead of two)."""
    from flask_migrate import upgrade

    upgrade()
    _seed_demo()


def _seed_demo() -> None:
    if db.session.scalar(db.select(Member.id).limit(1)) is not None:
        click.echo("database already has members; demo seed not loaded again")
        return
    try:
        loaded = seeding.load_demo()
    except PointsError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo("demo seed loaded: " + ", ".join(f"{k}: {v}" for k, v in loaded.items()))


members_cli = AppGroup("members", help="Manage members and staff.")


@members_cli.command("create-staff")
@click.option("--phone", required=True, help="Mainland mobile number; the login name.")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", help="Needed when the phone is not registered yet.")
@click.option("--community", "community_name", help="Community name (social workers).")
@click.option("--merchant", "merchant_id", type=int, help="Merchant id (merchant staff).")
def create_staff_command(phone, name, role, password, community_name, merchant_id):
    """Create a staff member, or grant the role to an existing member."""
    try:
        member = members.create_staff(
            phone=phone,
            name=name,
            role=role,
            password=password,
            community_name=community_name,
            merchant_id=merchant_id,
        )
    except PointsError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{member.name} ({member.phone}) is now {role}")


@members_cli.command("reset-password")
@click.option("--phone", required=True, help="The member's mobile number.")
@click.password_option("--password", help="The new password (asked twice when left out).")
def reset_password_command(phone, password):
    """Set a new password for a member who lost theirs; every sign-in of theirs ends."""
    try:
        member = members.find_by_phone(validate.folded(phone).strip())
        if member is None:
            raise NotFound(shared.NOT_A_REGISTERED_PHONE, field="phone")
        members.reset_password(member, new=password)
    except PointsError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{member.name} ({member.phone}): new password set; every sign-in ended")


@members_cli.command("look-alikes")
def lookalikes_command():
    """List accounts whose phone number is not plain ASCII digits (full-width or other
    scripts' digits, accepted before numbers were folded), with the plain account each
    would collide with. Exits 1 when there are any."""
    groups = members.lookalike_phones()
    for folded, group in groups:
        listed = "; ".join(f"#{m.id} {m.name} {m.phone!r}" for m in group)
        click.echo(f"{folded}: {listed}")
    click.echo(f"{len(groups)} number(s) with look-alike digits")
    sys.exit(1 if groups else 0)


def _fail(error: PointsError) -> None:
    """Roll back and end the command with the fields that were wrong, named as options."""
    db.session.rollback()
    fields = "; ".join(
        f"--{k.replace('_id', '').replace('_', '-')}: {', '.join(v)}"
        for k, v in error.errors.items()
    )
    raise click.ClickException(fields or error.message) from None


tickets_cli = AppGroup("tickets", help="Grid workers and handling units' staff.")


def _existing_member(phone):
    member = members.find_by_phone(validate.folded(phone).strip())
    if member is None:
        raise NotFound(shared.NOT_A_REGISTERED_PHONE, field="phone")
    return member


@tickets_cli.command("grid-worker")
@click.option("--phone", required=True, help="A registered member's mobile number.")
@click.option("--community", "community_name", required=True, help="Community name.")
@click.option("--grid", "grid_name", required=True, help="Grid name within the community.")
@click.option("--leader", is_flag=True, help="The grid's leader (网格长).")
def grid_worker_command(phone, community_name, grid_name, leader):
    """Make a member a grid worker (网格员) of a grid: they triage its tickets."""
    try:
        member = _existing_member(phone)
        grid = tickets.find_grid(community_name, grid_name)
        tickets.add_grid_worker(member, grid.id, leader=leader)
    except PointsError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{member.name} ({member.phone}) works {community_name} {grid_name}")


@tickets_cli.command("unit-staff")
@click.option("--phone", required=True, help="A registered member's mobile number.")
@click.option("--unit", "unit_code", required=True, help="The unit's code (seed/tickets.toml).")
def unit_staff_command(phone, unit_code):
    """Make a member staff of a handling unit: they accept, return and handle its tickets."""
    try:
        member = _existing_member(phone)
        unit = tickets.get_unit(unit_code)
        tickets.add_unit_staff(member, unit)
    except PointsError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{member.name} ({member.phone}) is staff of {unit.name_zh}")


ops_cli = AppGroup("ops", help="Back up and restore the database.")


def _describe(info: backup.BackupInfo) -> None:
    click.echo(f"  method:      {info.method}")
    click.echo(f"  size:        {info.size:,} bytes")
    click.echo(f"  ledger head: seq {info.head_seq}, hash {info.head_hash}")
    click.echo(f"  members:     {info.members}")
    click.echo(f"  transfers:   {info.transfers}")
    click.echo(f"  schema:      revision {info.revision}")


def _database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


@ops_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path, force):
    """Write a consistent copy of the live database to PATH (safe while the app serves)."""
    try:
        info = backup.backup_database(_database_url(), path, force=force)
    except backup.BackupExists as error:
        raise click.ClickException(f"{error.message}; pass --force to overwrite it") from None
    except PointsError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"backup written: {info.path}")
    _describe(info)


@ops_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
def restore_command(path, yes):
    """Replace the database's data with the backup at PATH, then verify the ledger.

    Stop the app first: requests in flight would see the data change under them."""
    where = db.engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Replace all the data of {where} with {path}?", abort=True)
    # Our own pooled connections must not hold locks the restore needs, nor stale plans.
    db.session.remove()
    db.engine.dispose()
    try:
        info = backup.restore_database(_database_url(), path)
    except PointsError as error:
        raise click.ClickException(error.message) from None
    db.engine.dispose()
    click.echo(f"restored {path.absolute()} into {where}")
    _describe(info)
    head = backup.schema_head()
    if info.revision != head:
        click.echo(
            f"note: the backup's schema is revision {info.revision}; this code's migrations end "
            f"at {head}: run `flask --app points db upgrade` before serving",
            err=True,
        )
    try:
        report = verify_ledger()
    except SQLAlchemyError as error:
        db.session.rollback()
        raise click.ClickException(f"ledger verify could not run: {error.orig or error}") from None
    db.session.rollback()
    click.echo(f"ledger verify: {report.summary()}")
    for fault in report.faults:
        click.echo(f"FAULT: {fault}", err=True)
    sys.exit(0 if report.ok else 1)


@click.command("worker")
@click.option(
    "--workers",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="With REDIS_URL: the Huey consumer's worker threads.",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
)
@with_appcontext
def worker_command(workers, log_level):
    """Do the background work until SIGTERM or SIGINT: send the notifications whose time has
    come (every NOTIFY_POLL_S) and run the housekeeping sweep (every HOUSEKEEPING_INTERVAL_S,
    once across machines). With REDIS_URL set: the Huey consumer of those tasks."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    try:
        if app.config["REDIS_URL"]:
            from points import tasks

            tasks.consume(app, workers=workers)
        else:
            worker.Worker(app).run()
    except PointsError as error:
        named = "; ".join(f"{k}: {', '.join(v)}" for k, v in error.errors.items())
        raise click.ClickException(named or error.message) from None


notifications_cli = AppGroup("notifications", help="Send the outbox: SMS and email.")


@notifications_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep going: look again every NOTIFY_POLL_S seconds.")
@click.option("--limit", default=100, show_default=True, help="Most deliveries per round.")
def deliver_command(loop, limit):
    """Send every queued delivery whose time has come; settle claims of workers that died
    mid-send (marked uncertain, never sent twice). Commits as it goes (one delivery at a time)."""
    from flask import current_app

    pause = worker.seconds(current_app.config, "NOTIFY_POLL_S", least=0.1)
    while True:
        done = delivery.deliver_due(limit=limit)
        if not loop:
            click.echo(f"{done} deliveries finished")
            return
        if done < limit:  # a full round means more may be due at once
            time.sleep(pause)


def register_cli(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(members_cli)
    app.cli.add_command(ops_cli)
