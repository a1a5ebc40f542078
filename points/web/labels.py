"""Names of levels, roles, tiers and requirements in the member's language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LEVEL_NAMES = {
    "resident": _l("Resident"),
    "volunteer": _l("Volunteer"),
    "talent": _l("Community talent"),
    "host": _l("Community host"),
}
STATUS_NAMES = {"active": _l("Active"), "suspended": _l("Suspended"), "exited": _l("Exited")}
ROLE_NAMES = {
    "social_worker": _l("Social worker"),
    "admin": _l("Administrator"),
    "merchant_staff": _l("Merchant staff"),
}
TIER_NAMES = {
    "basic": _l("Basic (public-spirited service, service manners)"),
    "specialised": _l("Specialised skills"),
    "leadership": _l("Leadership"),
}
# Short names, beside a course's own name (基础 · 公益理念).
TIER_SHORT_NAMES = {
    "basic": _l("Basic"),
    "specialised": _l("Specialised skills"),
    "leadership": _l("Leadership"),
}
REQUIREMENT_NAMES = {
    "real_name": _l("Real-name details given"),
    "pledge": _l("Volunteer pledge taken"),
    "course_tier:basic": _l("Basic training finished"),
    "course_tier:specialised": _l("Specialised skills training finished"),
    "course_tier:leadership": _l("Leadership training finished"),
    "service_hours": _l("Approved service hours in the last 12 months"),
    "approved_skill": _l("A skill reviewed and approved by a social worker"),
    "host_application": _l("Host application selected by social workers"),
}
APPLICATION_STATUS_NAMES = {
    "submitted": _l("Submitted, waiting for review"),
    "selected": _l("Selected"),
    "declined": _l("Not selected"),
    "appointed": _l("Appointed host"),
    "withdrawn": _l("Withdrawn"),
}
OBJECTION_STATUS_NAMES = {"open": _l("open"), "upheld": _l("upheld"), "dismissed": _l("dismissed")}
BLOCKER_NAMES = {
    "notice_running": _l("the public notice to end"),
    "open_objection": _l("objections to be resolved"),
    "not_an_active_talent": _l("the applicant to be an active community talent"),
}
COLOUR_NAMES = {
    "green": _l("Green"),
    "yellow": _l("Yellow"),
    "red": _l("Red"),
    "unrated": _l("Not rated: no platform data yet"),
}
FINDING_NAMES = {
    "service_hours": _l("Approved service hours"),
    "programmes_held": _l("Programme sessions held"),
    "no_show_rate": _l("Bookings not used (no-shows)"),
    "rating": _l("Participants' rating (1–5)"),
    "complaints": _l("Upheld complaints"),
}
# 代办: what a helper may do for a resident (points.members.models.HELPER_SCOPES).
HELPER_SCOPE_NAMES = {
    "balance": _l("Check points and the statement"),
    "claim": _l("Claim points"),
    "redeem": _l("Redeem benefits"),
    "book": _l("Book space"),
}
CLAIM_STATUS_NAMES = {
    "submitted": _l("Waiting for review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "reversed": _l("Reversed"),
}
TICKET_STATE_NAMES = {
    "reported": _l("Reported, to be checked"),
    "triaged": _l("Checked, to be dispatched"),
    "dispatched": _l("Dispatched, waiting for the unit"),
    "accepted": _l("Taken on by the unit"),
    "in_progress": _l("Being handled"),
    "handled": _l("Handled, waiting for the reporter to confirm"),
    "closed": _l("Closed"),
}
TICKET_OUTCOME_NAMES = {
    "fixed": _l("fixed"),
    "not_fixed": _l("not fixed"),
    "not_ours": _l("not our responsibility"),
    "not_a_problem": _l("not a problem"),
    "duplicate": _l("duplicate"),
    "withdrawn": _l("withdrawn"),
}
TICKET_STAGE_NAMES = {
    "triage": _l("checking and dispatch"),
    "accept": _l("accepting"),
    "handle": _l("handling"),
}
# A ticket's timeline: what each step was, as the person reading it would say it.
TICKET_ACTION_NAMES = {
    "reported": _l("Reported"),
    "verified": _l("Checked by the grid worker"),
    "merged": _l("Merged into an earlier ticket"),
    "me_too": _l("Another report of the same joined it"),
    "closed": _l("Closed at the check"),
    "published": _l("Shown on the public board"),
    "unpublished": _l("Taken off the public board"),
    "dispatched": _l("Dispatched (派单)"),
    "added": _l("Another unit added (加派)"),
    "accepted": _l("Accepted by the unit (接单)"),
    "returned": _l("Returned by the unit (退单)"),
    "started": _l("Being handled"),
    "handled": _l("Handled"),
    "confirmed": _l("Confirmed by the reporter"),
    "unconfirmed": _l("Closed without the reporter's answer"),
    "reopened": _l("Not put right, says the reporter"),
    "rated": _l("Rated (回访)"),
    "withdrawn": _l("Withdrawn by the reporter"),
    "overdue": _l("Past its deadline"),
    "escalated": _l("Escalated to the street (督办)"),
}
TICKET_PHOTO_STAGE_NAMES = {"before": _l("When reported"), "after": _l("After the work")}
TICKET_KIND_NAMES = {"report": _l("Report (随手拍)"), "order": _l("Order (点单)")}
UNIT_NAMES = {"hour": _l("per hour"), "occurrence": _l("each time")}
KIND_NAMES = {
    "earn": _l("Earned"),
    "reverse": _l("Reversal"),
    "redeem": _l("Redeemed"),
    "refund": _l("Refund"),
    "booking": _l("Space booking"),
    "expire": _l("Expired"),
    "adjust": _l("Adjustment"),
    "grant": _l("Space-use right"),
    "transfer": _l("Transfer"),
    "income": _l("Income"),
}
SKILL_STATUS_NAMES = {
    "declared": _l("waiting for review"),
    "approved": _l("approved"),
    "rejected": _l("not approved"),
}
ACTIVITY_STATUS_NAMES = {"open": _l("Open"), "cancelled": _l("Cancelled"), "closed": _l("Held")}
CATEGORY_NAMES = {
    "haircut": _l("Haircuts"),
    "meal": _l("Meals"),
    "grocery": _l("Groceries"),
    "health": _l("Health care"),
    "class": _l("Classes"),
    "repair": _l("Repairs"),
    "household": _l("Household services"),
    "ticket": _l("Tickets"),
    "culture": _l("Culture"),
    "fitness": _l("Fitness"),
    "space_use": _l("Space-use rights"),
    "publicity": _l("Publicity"),
}
VOUCHER_STATUS_NAMES = {
    "held": _l("Not used yet"),
    "confirmed": _l("Used"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}

# 公益 / 低偿 / 市场: the street office's three service tiers for shared space.
SERVICE_TIER_NAMES = {
    "free": _l("Free (public-interest)"),
    "low_fee": _l("Low fee"),
    "market": _l("Market price"),
}
BOOKING_STATUS_NAMES = {
    "pending": _l("Waiting for approval"),
    "confirmed": _l("Booked"),
    "cancelled": _l("Cancelled"),
    "rejected": _l("Not approved"),
    "offered": _l("Offered to you: accept it"),
    "lapsed": _l("Offer lapsed"),
    "no_show": _l("Released: not checked in"),
}
WAIT_STATUS_NAMES = {
    "waiting": _l("Waiting"),
    "offered": _l("Offered to you"),
    "booked": _l("Booked"),
    "lapsed": _l("Lapsed"),
    "withdrawn": _l("Withdrawn"),
}


def finding_amount(unit: str, value) -> str:
    """A measure's value or threshold as members read it: a share as a percentage."""
    return format_percent(value) if unit == "share" else format_decimal(value)


def lift(finding) -> str | None:
    """What would lift a yellow or red finding, said with its unit: the gap and the unit
    come from the finding (points.members.assessment), never worked out here."""
    gap = finding.gap
    if gap is None:
        return None
    unit, green = finding.unit, finding_amount(finding.unit, finding.green)
    n = format_decimal(round(gap * 100, 1) if unit == "share" else gap)
    # gettext chooses a plural form by a whole number; 2.5 hours reads as a plural, like 0.
    count = int(gap) if gap == int(gap) else 0
    if unit == "hours":
        return ngettext(
            "To lift it: %(n)s more hour of service reaches green.",
            "To lift it: %(n)s more hours of service reach green.",
            count,
            n=n,
        )
    if unit == "sessions":
        return ngettext(
            "To lift it: %(n)s more programme session reaches green.",
            "To lift it: %(n)s more programme sessions reach green.",
            count,
            n=n,
        )
    if unit == "rating":
        return _("To lift it: a rating %(n)s points higher (%(g)s) reaches green.", n=n, g=green)
    if unit == "share":
        return _(
            "To lift it: %(n)s percentage points lower, at %(g)s or less, reaches green.",
            n=n,
            g=green,
        )
    if unit == "complaints":
        return ngettext(
            "To lift it: %(n)s upheld complaint fewer (%(g)s at most) reaches green.",
            "To lift it: %(n)s upheld complaints fewer (%(g)s at most) reach green.",
            count,
            n=n,
            g=green,
        )
    if finding.better == "lower":
        return _("To lift it: bring it down to %(g)s or less.", g=green)
    return _("To lift it: %(gap)s more reaches green.", gap=n)


def locale() -> str:
    """The language of this request's pages, as a code ("zh_Hans_CN", "en"); templates
    have it as `locale`."""
    return str(get_locale())


def register(app) -> None:
    from points.members.services import masked_phone

    app.jinja_env.filters["masked_phone"] = masked_phone
    # Times kept as ISO text in JSON records (a level change's consequences) → datetimes.
    app.jinja_env.filters["isodatetime"] = datetime.fromisoformat
    app.jinja_env.globals["finding_amount"] = finding_amount
    app.jinja_env.globals["lift"] = lift

    @app.context_processor
    def _locale():
        return {"locale": locale()}

    @app.context_processor
    def _labels():
        return {
            "LEVEL_NAMES": LEVEL_NAMES,
            "STATUS_NAMES": STATUS_NAMES,
            "ROLE_NAMES": ROLE_NAMES,
            "TIER_NAMES": TIER_NAMES,
            "REQUIREMENT_NAMES": REQUIREMENT_NAMES,
            "TIER_SHORT_NAMES": TIER_SHORT_NAMES,
            "APPLICATION_STATUS_NAMES": APPLICATION_STATUS_NAMES,
            "OBJECTION_STATUS_NAMES": OBJECTION_STATUS_NAMES,
            "BLOCKER_NAMES": BLOCKER_NAMES,
            "COLOUR_NAMES": COLOUR_NAMES,
            "FINDING_NAMES": FINDING_NAMES,
            "CLAIM_STATUS_NAMES": CLAIM_STATUS_NAMES,
            "HELPER_SCOPE_NAMES": HELPER_SCOPE_NAMES,
            "UNIT_NAMES": UNIT_NAMES,
            "KIND_NAMES": KIND_NAMES,
            "SKILL_STATUS_NAMES": SKILL_STATUS_NAMES,
            "SERVICE_TIER_NAMES": SERVICE_TIER_NAMES,
            "BOOKING_STATUS_NAMES": BOOKING_STATUS_NAMES,
            "WAIT_STATUS_NAMES": WAIT_STATUS_NAMES,
            "ACTIVITY_STATUS_NAMES": ACTIVITY_STATUS_NAMES,
            "CATEGORY_NAMES": CATEGORY_NAMES,
            "VOUCHER_STATUS_NAMES": VOUCHER_STATUS_NAMES,
            "TICKET_STATE_NAMES": TICKET_STATE_NAMES,
            "TICKET_OUTCOME_NAMES": TICKET_OUTCOME_NAMES,
            "TICKET_STAGE_NAMES": TICKET_STAGE_NAMES,
            "TICKET_ACTION_NAMES": TICKET_ACTION_NAMES,
            "TICKET_PHOTO_STAGE_NAMES": TICKET_PHOTO_STAGE_NAMES,
            "TICKET_KIND_NAMES": TICKET_KIND_NAMES,
        }
