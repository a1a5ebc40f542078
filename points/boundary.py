"""Where a request commits: here, once, for pages and the API alike.

Every view runs inside `committed`. When the view returns, what it did is committed in one
transaction; when it raises (a PointsError, an abort, a bug), everything it wrote is rolled
back before any error handler answers, so an error page or error body never sees half a
write. Views and services never commit themselves (a test keeps it so).

- Pages: `init_app` wraps every view function of the app, outermost, so the commit comes
  after the page is rendered and before the response leaves (before the after-request
  hooks: the rate limiter's count, Flask-Login's remember cookie, the session cookie that
  carries a sign-in's secret). A page that shows a refusal on its own form instead of an
  error page uses `points.web.forms.refused`, which rolls back before showing it.
- API: `points.api.blueprint.Blueprint.response` wraps the handler itself, innermost, so the
  commit comes before flask-smorest serialises the result: what is sent is read back from
  the committed rows (ids, database defaults, balances the ledger wrote in SQL), as before.
  A PointsError is then answered by the API's one error handler.

On SQLite every transaction takes the write lock at its start (points/database.py), so the
one commit is also where the lock is let go; reads after it (serialising, a streamed file)
take a new short transaction that the app context's teardown ends.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask

from points.extensions import db

COMMITS = "_commits_once"  # marks a view already inside `committed`


def committed(view: Callable) -> Callable:
    """Run `view`; commit when it returns, roll back when it (or the commit) raises."""
    if getattr(view, COMMITS, False):
        return view

    @wraps(view)
    def run(*args, **kwargs):
        try:
            result = view(*args, **kwargs)
            db.session.commit()  # nothing to do (no database touched) when nothing began
        except BaseException:
            db.session.rollback()
            raise
        return result

    setattr(run, COMMITS, True)
    return run


def init_app(app: Flask) -> None:
    """Put every view of the app inside `committed` (after all blueprints are registered).
    API handlers are inside it already, closer in (see the module's docstring)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = committed(view)
