"""HTML pages. One module per area: parse → call a service → render (the request commits
once, in points/boundary.py; a refusal is shown with points.web.forms.refused)."""

from __future__ import annotations

from flask import Flask, render_template


def register_web(app: Flask) -> None:
    from points.web import (
        assessments,
        auth,
        courses,
        earning,
        elder,
        fund,
        helping,
        home,
        hosting,
        inbox,
        labels,
        market,
        movements,
        outbox,
        profile,
        programmes,
        reports,
        space_reports,
        spaces,
        staff,
        tickets,
        training,
    )

    pages = (home, auth, profile, staff, hosting, assessments, training, courses, earning, market)
    pages += (spaces, inbox, outbox, tickets, helping, fund, programmes)
    for module in pages:
        app.register_blueprint(module.bp)
    app.register_blueprint(space_reports.bp)
    app.register_blueprint(reports.bp)
    labels.register(app)
    elder.register(app)
    app.jinja_env.globals["movement_lines"] = movements.describe
    app.jinja_env.globals["held_memo"] = movements.held_memo
    app.jinja_env.globals["claim_note"] = movements.claim_note
    inbox.register(app)
    tickets.register(app)


def error_page(status: int, *, retry_minutes: int | None = None, details=()):
    """A friendly page in the member's language for 403, 404 and the like; a 429 says in
    how many minutes to try again; `details` are (field, message) pairs to list."""
    page = render_template(
        "error.html", status=status, retry_minutes=retry_minutes, details=list(details)
    )
    return page, status


def points_error_page(error):
    """A PointsError no page caught: its status, and each field it names with the reason."""
    from points.web.messages import translate_error

    details = [(f, translate_error(m)) for f, ms in error.errors.items() for m in ms]
    return error_page(error.status, details=details)
