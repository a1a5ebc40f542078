"""Operator commands: `flask --app points ledger verify|sweep`, `flask --app points seed demo`.

Each calls the same services as the pages and commits once at the end.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from points import housekeeping
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.verify import verify_ledger

ledger_cli = AppGroup("ledger", help="Check and maintain the points ledger.")
seed_cli = AppGroup("seed", help="Load seed data.")

SYSTEM_ACCOUNTS = (
    ("issuance", "points"),
    ("adjustments", "points"),
    ("expired", "points"),
    ("space", "points"),
    ("issuance", "space_minutes"),
    ("space", "space_minutes"),
)


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
    from points.ledger.models import Account

    if db.session.scalar(db.select(Account).limit(1)) is not None:
        click.echo("database already has data; demo seed not loaded again")
        return
    for name, asset in SYSTEM_ACCOUNTS:
        ledger.system_account(name, asset)
    db.session.commit()
    click.echo(f"demo seed loaded: {len(SYSTEM_ACCOUNTS)} system accounts")


def register_cli(app: Flask) -> None:
    app.cli.add_command(ledger_cli)
    app.cli.add_command(seed_cli)
