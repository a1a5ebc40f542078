"""Form plumbing for pages: a PointsError becomes messages on the fields it names."""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from points.errors import PointsError
from points.extensions import db
from points.web.messages import translate_error


def commit_or_show(action, success: str) -> bool:
    """Run `action`, commit and flash `success`; on a PointsError roll back and show it.
    Returns whether it succeeded (the caller redirects either way)."""
    try:
        action()
        db.session.commit()
    except PointsError as error:
        db.session.rollback()
        show_error(None, error)
        return False
    flash(success, "success")
    return True


def show_error(form: FlaskForm | None, error: PointsError) -> None:
    """Attach the error to the named form fields; what no field takes is flashed."""
    placed = False
    for field_name, messages in error.errors.items():
        field = getattr(form, field_name, None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.extend(translate_error(m) for m in messages)
            placed = True
    if not placed:
        flash(translate_error(error.message), "error")
    elif form is not None:
        flash(_("Please correct the marked fields and try again."), "error")


def query_number(name: str):
    """A whole-number query parameter as the service should see it: None when absent or
    empty, an int when it is digits, else the text as sent, for the service to refuse by
    name (never silently dropped, which would widen a filtered list to everything)."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else value
