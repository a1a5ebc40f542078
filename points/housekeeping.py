"""Work the application does by itself on a timer: voiding overdue holds, appointing hosts
whose public notice has ended, expiring vouchers not confirmed in time, releasing no-show
bookings, passing lapsed waitlist offers on, rejecting bookings never approved,
forgetting sign-ins that ended a month ago, and scrubbing expired SMS codes from the
notifications that carried them (their plaintext stays in the outbox only while it can be
used; points/members/codes.py). After
each sweep the ledger's chain head is written to the anchor file outside the database
(points/ledger/anchor.py).

No scheduler or broker is needed: before a request, at most once per
`HOUSEKEEPING_INTERVAL_S` per process, the sweep runs in its own short transaction. A cron
can run the same sweep with `flask --app points ledger sweep`.
"""

from __future__ import annotations

import threading
import time

from flask import Flask

from points.extensions import db
from points.ledger import services as ledger
from points.ledger.anchor import AnchorError, write_anchor
from points.marketplace import services as marketplace
from points.members import applications, codes
from points.members import services as members
from points.spaces import attendance, waitlist
from points.spaces import services as spaces


def sweep(now=None) -> dict[str, int]:
    """Run every periodic job once; returns what each did. The caller commits."""
    return {
        # Vouchers first: they return stock and leave their holds to the ledger's expiry.
        "vouchers_expired": marketplace.expire_due(now=now),
        "holds_expired": len(ledger.expire_holds(now=now)),
        "hosts_appointed": applications.appoint_due(now=now),
        # Bookings: no-shows free their time, which may go to the waitlist at once.
        "bookings_no_show": attendance.release_no_shows(now=now),
        "offers_lapsed": waitlist.lapse_offers(now=now),
        "bookings_unapproved": spaces.expire_unapproved(now=now),
        # Sign-ins that ended a month ago can never sign anyone in again.
        "sign_ins_forgotten": members.forget_ended_sign_ins(now=now),
        # An SMS code's plaintext is kept in its notification only until the code expires.
        "codes_forgotten": codes.forget_codes(now=now),
    }


def init_app(app: Flask) -> None:
    interval = app.config["HOUSEKEEPING_INTERVAL_S"]
    if interval <= 0:
        return
    guard = threading.Lock()
    last_run = [0.0]

    @app.before_request
    def _housekeeping():
        if time.monotonic() - last_run[0] < interval or not guard.acquire(blocking=False):
            return
        try:
            last_run[0] = time.monotonic()
            sweep()
            db.session.commit()
            write_anchor()
        except AnchorError as error:  # the database no longer extends the anchored chain
            db.session.rollback()
            app.logger.error("ledger anchor not moved: %s", error)
        except Exception:  # never fail a member's request for the sweep's sake
            db.session.rollback()
            app.logger.exception("housekeeping sweep failed; it will run again")
        finally:
            guard.release()
