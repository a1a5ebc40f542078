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

SQLite's write lock (points/database.py) is taken at the start of the view of a request that
may write — any method but GET, HEAD and OPTIONS — so the one commit is also where it is let
go. What a request reads before its view (who is asking: the bearer token or the session's
row, with the member) is a short deferred read of its own, ended as the view begins, so
writers do not queue behind the next one's sign-in check; the rows it loaded are read again,
under the lock, when the view uses them. A GET
begins deferred: it reads its snapshot while writers hold the lock, and never waits on them.
A GET that does write (few do) simply writes; only when SQLite cannot turn its snapshot into
a write because another connection wrote meanwhile, the view is run once more from the
start, writing from its first statement (nothing was committed or sent, so nothing is done
twice). After the commit, reads (serialising, a streamed file) begin deferred too, in a new
short transaction that the app context's teardown ends. The answer's language is settled
just before the commit, so serialising does not load the signed-in member again for it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, has_request_context, request
from flask_babel import get_locale

from points.database import is_stale_read
from points.extensions import db

COMMITS = "_commits_once"  # marks a view already inside `committed`
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# Kept on the request (its WSGI environ), not on `g`: an app context may outlive a request.
_WRITING = "points.boundary.writing"  # the view runs again, writing from its first statement
_COMMITTED = "points.boundary.committed"  # the request's writes are committed; then it reads
_IN_VIEW = "points.boundary.in_view"  # the view runs: a request that may write writes now
_READ_FIRST = "points.boundary.read_first"  # a read began before the view (SQLite only)


def begins_writing() -> bool:
    """Whether the SQLite transaction about to begin takes the write lock at once: outside a
    request (commands, the worker, tests) always; in a request, from its view to its commit,
    unless it is a GET that has not yet had to run again."""
    if not has_request_context():
        return True
    environ = request.environ
    if environ.get(_COMMITTED):
        return False
    if environ.get(_WRITING):
        return True
    if request.method in READS:
        return False
    if environ.get(_IN_VIEW):
        return True
    environ[_READ_FIRST] = True  # before the view: ended when it begins (`committed`)
    return False


def _settle_locale() -> None:
    """Choose the answer's language now, from what the view left (the session, the member):
    read after the commit, the member's expired row would be loaded again, in a second
    transaction, only to serialise the answer. Flask-Babel keeps the choice for the request."""
    if has_request_context():
        get_locale()


def _once(view: Callable, args, kwargs):
    try:
        result = view(*args, **kwargs)
        _settle_locale()
        # No session yet (the health check): nothing began and nothing waits to be written.
        session = db.session.registry() if db.session.registry.has() else None
        if session is not None and (
            session.in_transaction() or session.new or session.dirty or session.deleted
        ):
            session.commit()  # else no database was touched and nothing waits to be written
    except BaseException:
        db.session.rollback()
        raise
    return result


def committed(view: Callable) -> Callable:
    """Run `view`; commit when it returns, roll back when it (or the commit) raises."""
    if getattr(view, COMMITS, False):
        return view

    @wraps(view)
    def run(*args, **kwargs):
        environ = request.environ
        if environ.pop(_READ_FIRST, False):
            db.session.commit()  # the read before the view wrote nothing; the view writes
        environ[_IN_VIEW] = True
        try:
            result = _once(view, args, kwargs)
        except Exception as error:
            writing = request.environ.get(_WRITING) or request.method not in READS
            if writing or not is_stale_read(error):
                raise
            request.environ[_WRITING] = True
            result = _once(view, args, kwargs)
        request.environ[_COMMITTED] = True
        return result

    setattr(run, COMMITS, True)
    return run


def init_app(app: Flask) -> None:
    """Put every view of the app inside `committed` (after all blueprints are registered).
    API handlers are inside it already, closer in (see the module's docstring)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = committed(view)
