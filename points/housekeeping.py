"""Work the application does by itself on a timer: voiding overdue holds, appointing hosts
whose public notice has ended, expiring vouchers not confirmed in time, releasing no-show
bookings, passing lapsed waitlist offers on, rejecting bookings never approved,
marking overdue tickets, escalating them (督办) and closing fixes nobody answered,
forgetting sign-ins that ended a month ago, and scrubbing expired SMS codes from the
notifications that carried them (their plaintext stays in the outbox only while it can be
used; points/members/codes.py). After
each sweep the ledger's chain head is written to the anchor file outside the database
(points/ledger/anchor.py).

No member's request pays for it: the worker beside gunicorn (points/worker.py,
`flask --app points worker`, or the Huey consumer with REDIS_URL) runs `sweep_once` every
`HOUSEKEEPING_INTERVAL_S`, in its own short transaction, and then anchors the chain. The
sweep's turn is taken under a database lock (points/jobs.py), so however many machines run a
worker it runs once per interval. An operator (or a cron) runs it at once with
`flask --app points ledger sweep`.
"""

from __future__ import annotations

from points import jobs
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as marketplace
from points.members import applications, codes, training
from points.members import services as members
from points.spaces import attendance, waitlist
from points.spaces import services as spaces
from points.tickets import services as tickets


def sweep(now=None) -> dict[str, int]:
    """Run every periodic job once; returns what each did. The caller commits."""
    return {
        # Vouchers first: they return stock and leave their holds to the ledger's expiry.
        "vouchers_expired": marketplace.expire_due(now=now),
        "vouchers_reminded": marketplace.remind_expiring(now=now),
        "holds_expired": len(ledger.expire_holds(now=now)),
        "notices_ended": applications.notices_ended(now=now),
        "hosts_appointed": applications.appoint_due(now=now),
        # Bookings: no-shows free their time, which may go to the waitlist at once.
        "bookings_no_show": attendance.release_no_shows(now=now),
        "offers_lapsed": waitlist.lapse_offers(now=now),
        "bookings_unapproved": spaces.expire_unapproved(now=now),
        # Reminders: each written once (a `once` key), however often the sweep runs.
        "training_reminded": training.remind_tomorrow(now=now),
        # Tickets: past a deadline, past the second limit (督办), handled but not answered.
        "tickets_overdue": tickets.mark_overdue(now=now),
        "tickets_escalated": tickets.escalate_due(now=now),
        "tickets_unconfirmed": tickets.close_unconfirmed(now=now),
        # Sign-ins that ended a month ago can never sign anyone in again.
        "sign_ins_forgotten": members.forget_ended_sign_ins(now=now),
        # An SMS code's plaintext is kept in its notification only until the code expires.
        "codes_forgotten": codes.forget_codes(now=now),
    }


def sweep_once(interval_s: float, *, now=None, wait: bool = False) -> dict[str, int] | None:
    """Run the sweep in a transaction of its own and commit it, if this interval's turn is
    ours (points/jobs.py); None when another worker has it. `wait`: wait for a sweep running
    elsewhere to end (PostgreSQL) instead of skipping. The caller anchors the chain after."""
    db.session.rollback()  # the turn must be the first thing in its transaction
    if not jobs.claim("sweep", interval_s, now=now, wait=wait):
        db.session.rollback()
        return None
    done = sweep(now=now)
    db.session.commit()
    return done
