"""What the tickets domain refuses, and what it tells people (see `points.errors.Text` and
`points.notifications.kinds.Kind`). Raise a Text with its parameters:
`raise Conflict(M.STATE, state=ticket.state)`.
"""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text
from points.notifications.kinds import Kind

ACCOUNT_NOT_ACTIVE = shared.ACCOUNT_NOT_ACTIVE
ONE_OF = shared.ONE_OF
REQUIRED = shared.REQUIRED
NOT_YOUR_COMMUNITY = shared.NOT_YOUR_COMMUNITY
NOT_A_COMMUNITY = shared.NOT_A_COMMUNITY
# The public board's periods: a page names them (本月、上月、今年), not their codes.
ONE_OF_BOARD_PERIODS = Text(
    "tickets.one_of_board_periods",
    "must be one of {values}",
    N_("Choose one of: %(values)s."),
    labels={"values": "board_period"},
)

# ---------------------------------------------------------------------------- what a ticket is

NO_SUCH_TICKET = Text("tickets.no_such_ticket", "no such ticket", N_("That ticket was not found."))
NO_SUCH_CATEGORY = Text(
    "tickets.no_such_category",
    "is not a category of {kind}s",
    N_("Choose a category from the list."),
)
NO_SUCH_ITEM = Text(
    "tickets.no_such_item",
    "is not an item of the service menu",
    N_("Choose a service from the menu."),
)
ITEM_NOT_OFFERED = Text(
    "tickets.item_not_offered",
    "no unit offers this service in your community yet",
    N_("No unit offers this service in your community yet. Choose another one."),
)
NO_SUCH_GRID = Text(
    "tickets.no_such_grid",
    "is not a grid of the community",
    N_("Choose the grid (网格) where it is."),
)
NO_SUCH_UNIT = Text(
    "tickets.no_such_unit",
    "is not a handling unit",
    N_("Choose a unit from the list."),
)
UNIT_ELSEWHERE = Text(
    "tickets.unit_elsewhere",
    "this unit does not serve the ticket's community",
    N_("This unit does not work in the ticket's community."),
)
PHOTO_NEEDED = Text(
    "tickets.photo_needed",
    "a report needs at least one photo",
    N_("Add at least one photo of what is wrong."),
)
TOO_MANY_PHOTOS = Text(
    "tickets.too_many_photos",
    "at most {n} photos",
    N_("At most %(n)s photos."),
)
POINT_PAIR = Text(
    "tickets.point_pair",
    "give both latitude and longitude, or neither",
    N_("The map point needs both latitude and longitude."),
)
POINT_RANGE = Text(
    "tickets.point_range",
    "must be a number between {low} and {high}",
    N_("Enter a number between %(low)s and %(high)s."),
)
WANTED_IN_PAST = Text(
    "tickets.wanted_in_past",
    "must be in the future",
    N_("Choose a time that has not passed."),
)

# ---------------------------------------------------------------------------- who may act

NOT_GRID_WORKER = Text(
    "tickets.not_grid_worker",
    "only the grid workers of this ticket's grid (or its community's social workers) may do this",
    N_("Only the grid workers of this grid, or the community's social workers, may do this."),
)
OWN_TICKET = Text(
    "tickets.own_ticket",
    "you cannot triage a ticket you reported",
    N_("You reported this yourself: another grid worker checks it."),
)
NOT_UNIT_STAFF = Text(
    "tickets.not_unit_staff",
    "only the staff of a unit this ticket is dispatched to may do this",
    N_("This ticket is not dispatched to your unit."),
)
NOT_REPORTER = Text(
    "tickets.not_reporter",
    "only the member who reported it may do this",
    N_("Only the person who reported it may do this."),
)
ADMINS_ONLY = Text(
    "tickets.admins_only",
    "only the street's admins may see this",
    N_("Only the street admin may see this."),
)

# ---------------------------------------------------------------------------- the loop

STATE = Text(
    "tickets.state",
    "the ticket is {state}; that cannot be done now",
    N_("This ticket is %(state)s now, so that cannot be done. Reload the page to see it."),
    labels={"state": "ticket_state"},
)
DUPLICATE_TARGET = Text(
    "tickets.duplicate_target",
    "must be an earlier ticket of the same grid that is still open",
    N_("Choose an earlier open ticket of the same grid."),
)
ALREADY_DISPATCHED = Text(
    "tickets.already_dispatched",
    "this unit holds the ticket already",
    N_("This unit has the ticket already."),
)
OUTCOME_CHOICE = Text(
    "tickets.outcome_choice",
    "must be one of {values}",
    N_("Choose what came of it."),
)
AFTER_PHOTO_NEEDED = Text(
    "tickets.after_photo_needed",
    "a fix needs a photo taken after it",
    N_("Add a photo taken after the fix."),
)
NOTE_NEEDED = Text(
    "tickets.note_needed",
    "say what was done (or why not)",
    N_("Say what was done, or why it could not be."),
)
ALREADY_RATED = Text(
    "tickets.already_rated",
    "this ticket is rated already",
    N_("You have rated this already. Thank you."),
)
NOT_RATEABLE = Text(
    "tickets.not_rateable",
    "a ticket can be rated once it is handled",
    N_("You can rate the handling once the unit has finished."),
)
RATING_RANGE = Text(
    "tickets.rating_range",
    "must be a whole number from 1 to 5",
    N_("Choose from 1 to 5 stars."),
)
ME_TOO_OWN = Text(
    "tickets.me_too_own",
    "you follow this ticket already",
    N_("You are already told about this one."),
)
NOT_PUBLIC = Text(
    "tickets.not_public",
    "only a ticket shown on the public board can be followed",
    N_("Only tickets shown on the public board can be followed."),
)

# ---------------------------------------------------------------------------- notifications

REPORTED = Kind(
    "ticket.reported",
    N_("New tickets in your grid (grid workers)"),
    N_("New in %(grid)s: %(category)s"),
    N_("#%(ticket)s at %(spot)s: “%(description)s”. Check it by %(deadline)s."),
    link=("tickets.triage", {}),
    answer=True,
    deadline="deadline",
    email_default=True,
    staff=True,
    sms=("grid", "category", "deadline", "link"),
)
VERIFIED = Kind(
    "ticket.verified",
    N_("Your reports checked"),
    N_("Your report #%(ticket)s is confirmed"),
    N_("A grid worker checked %(category)s at %(spot)s and passed it on to be handled. %(award)s"),
    link=("tickets.show", {"ticket_id": "ticket"}),
)
CLOSED_AT_TRIAGE = Kind(
    "ticket.closed_at_triage",
    N_("Your reports closed without work"),
    N_("Your report #%(ticket)s is closed: %(outcome)s"),
    N_("%(category)s at %(spot)s: %(note)s"),
    link=("tickets.show", {"ticket_id": "ticket"}),
    labels={"outcome": "ticket_outcome"},
)
DISPATCHED = Kind(
    "ticket.dispatched",
    N_("Tickets dispatched to your unit (units)"),
    N_("派单 #%(ticket)s: %(category)s"),
    N_("%(community)s, %(spot)s: “%(description)s”. Accept or return it by %(deadline)s."),
    link=("tickets.unit_queue", {}),
    answer=True,
    deadline="deadline",
    priority="urgent",
    email_default=True,
    staff=True,
    sms=("ticket", "category", "deadline", "link"),
)
RETURNED = Kind(
    "ticket.returned",
    N_("Tickets returned by a unit (grid workers)"),
    N_("#%(ticket)s returned by %(unit)s"),
    N_("%(unit)s returned %(category)s at %(spot)s: “%(reason)s”. Dispatch it again."),
    link=("tickets.triage", {}),
    answer=True,
    email_default=True,
    staff=True,
    sms=("ticket", "unit", "link"),
)
ACCEPTED = Kind(
    "ticket.accepted",
    N_("Your tickets taken on by a unit"),
    N_("%(unit)s has taken on #%(ticket)s"),
    N_("%(unit)s will handle %(category)s at %(spot)s by %(deadline)s."),
    link=("tickets.show", {"ticket_id": "ticket"}),
    priority="low",
)
HANDLED = Kind(
    "ticket.handled",
    N_("Your tickets handled: confirm the fix"),
    N_("#%(ticket)s is handled: %(outcome)s"),
    N_(
        "%(unit)s: “%(note)s”. Is it put right? Confirm or say it is not, and rate the "
        "handling, by %(deadline)s."
    ),
    link=("tickets.show", {"ticket_id": "ticket"}),
    answer=True,
    deadline="deadline",
    labels={"outcome": "ticket_outcome"},
    sms=("ticket", "unit", "deadline", "link"),
)
OUTCOME = Kind(
    "ticket.outcome",
    N_("Tickets you follow"),
    N_("#%(ticket)s: %(outcome)s"),
    N_("%(category)s at %(spot)s is %(outcome)s."),
    link=("tickets.show", {"ticket_id": "ticket"}),
    priority="low",
    labels={"outcome": "ticket_outcome"},
)
REOPENED = Kind(
    "ticket.reopened",
    N_("Tickets reopened by the reporter (units)"),
    N_("#%(ticket)s is not put right, says the reporter"),
    N_("%(category)s at %(spot)s: “%(reason)s”. It is back in your queue."),
    link=("tickets.unit_queue", {}),
    answer=True,
    email_default=True,
    staff=True,
    sms=("ticket", "link"),
)
OVERDUE = Kind(
    "ticket.overdue",
    N_("Tickets past their deadline (staff and units)"),
    N_("#%(ticket)s is overdue"),
    N_("%(category)s at %(spot)s was due by %(deadline)s (%(stage)s)."),
    link=("tickets.overdue", {}),
    email_default=True,
    staff=True,
    labels={"stage": "ticket_stage"},
)
ESCALATED = Kind(
    "ticket.escalated",
    N_("Tickets escalated to the street (督办)"),
    N_("督办 #%(ticket)s: %(holder)s"),
    N_(
        "%(category)s at %(spot)s, %(community)s, was due by %(deadline)s (%(stage)s) and "
        "is still with %(holder)s."
    ),
    link=("tickets.overdue", {}),
    answer=True,
    email_default=True,
    staff=True,
    labels={"stage": "ticket_stage"},
    sms=("ticket", "holder", "link"),
)

# ---------------------------------------------------------------------------- added for the API

END_AFTER_START = shared.END_AFTER_START
BOARD_TOO_LONG = Text(
    "tickets.board_too_long",
    "the board covers at most {n} days",
    N_("The board covers at most %(n)s days."),
)
