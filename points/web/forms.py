"""Form plumbing for pages: a refused action is rolled back and its PointsError shown, on
the form fields it names or as a flashed message. The request's one commit is
points/boundary.py's, when the view returns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from points.errors import PointsError, WrongAttempt
from points.extensions import db
from points.web.messages import translate_error


@dataclass
class Refusal:
    """What `refused` caught: the PointsError, or None when the block went through."""

    error: PointsError | None = None


@contextmanager
def refused(
    form: FlaskForm | None = None,
    *,
    show: bool = True,
    lets_through: tuple[type[PointsError], ...] = (),
) -> Iterator[Refusal]:
    """Run the block. A PointsError it raises rolls back what the request wrote, is shown
    on `form` (unless `show` is false: the view says it its own way) and is kept in the
    yielded Refusal; the view goes on after the block, typically to draw the form again.
    Errors of `lets_through` go on to the app's error page (a NotFound: 404)."""
    refusal = Refusal()
    try:
        yield refusal
    except lets_through:
        raise
    except PointsError as error:
        db.session.rollback()
        refusal.error = error
        if show:
            show_error(form, error)


@contextmanager
def counted(form: FlaskForm | None = None) -> Iterator[Refusal]:
    """Like `refused` for a WrongAttempt (a wrong SMS code), which is shown on `form` but
    *not* rolled back: the wrong try it counted is committed when the view returns, so five
    of them end the code. Put it inside `refused`, which takes every other refusal."""
    refusal = Refusal()
    try:
        yield refusal
    except WrongAttempt as error:
        refusal.error = error
        show_error(form, error)


def attempt(action: Callable[[], object], success: str) -> bool:
    """Run `action` and flash `success`; when it is refused, roll back and show why.
    Returns whether it went through (the caller redirects either way)."""
    with refused() as refusal:
        action()
        flash(success, "success")
    return refusal.error is None


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
