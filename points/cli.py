"""Operator commands: `flask --app points ledger verify|sweep`, `flask --app points seed demo`.

Each calls the same services as the pages and commits once at the end.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from points import housekeeping, seeding
from points.errors import NotFound, PointsError
from points.extensions import db
from points.ledger.verify import verify_ledger
from points.members import services as members
from points.members.models import ROLES, Member

ledger_cli = AppGroup("ledger", help="Check and maintain the points ledger.")
seed_cli = AppGroup("seed", help="Load seed data.")


@ledger_cli.command("verify")
def verify_command():
    """Recompute every balance and the hash chain; exit 1 on any fault."""
    report = verify_ledger()
    db.session.rollback()
    click.echo(report.summary())
    for fault in report.faults:
        click.echo(f"FAULT: {fault}", err=True)
    sys.exit(0 if report.ok else 1)


@ledger_cli.command("sweep")
def sweep_command():
    """Void overdue holds now (the app also does this by itself); for a cron."""
    done = housekeeping.sweep()
    db.session.commit()
    click.echo(", ".join(f"{name}: {count}" for name, count in done.items()))


@seed_cli.command("demo")
def seed_demo_command():
    """Load the demo data once, into an empty database; a second run changes nothing."""
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
        member = members.find_by_phone(phone.strip())
        if member is None:
            raise NotFound("is not a registered mobile number", field="phone")
        members.reset_password(member, new=password)
    except PointsError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{member.name} ({member.phone}): new password set; every sign-in ended")


def _fail(error: PointsError) -> None:
    """Roll back and end the command with the fields that were wrong, named as options."""
    db.session.rollback()
    fields = "; ".join(
        f"--{k.replace('_id', '').replace('_', '-')}: {', '.join(v)}"
        for k, v in error.errors.items()
    )
    raise click.ClickException(fields or error.message) from None


def register_cli(app: Flask) -> None:
    app.cli.add_command(ledger_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(members_cli)
