"""What booking shared space refuses: spaces and closed days, requests, bookings, check-in,
the waiting list, weekly series, utilisation reports and calendar feeds.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`. Import as `from points.spaces import messages as M`.
"""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text
from points.notifications.kinds import Kind

# ---------------------------------------------------------------------------- spaces (set-up)

OPENING_HOURS_SHAPE = Text(
    "spaces.opening_hours_shape",
    "must map mon … sun to lists of [open, close]",
    N_(
        "Give the opening hours of each weekday (mon … sun) as a list of opening and closing times."
    ),
)
OPENING_INTERVAL = Text(
    "spaces.opening_interval",
    '{day}: each interval is ["08:00", "21:00"]',
    N_('%(day)s: write each opening interval as ["08:00", "21:00"], opening before closing.'),
)
DAY_PARTS_SHAPE = Text(
    "spaces.day_parts_shape",
    'each day-part is {{name_zh, name_en, start: "08:00", end: "12:00"}}, in order',
    N_(
        "Give each day-part a Chinese name, an English name, a start and an end (such as 08:00 "
        "and 12:00), in the order of the day and without overlaps."
    ),
)
SPACE_CODE = shared.CODE_SHAPE
MIN_LEVEL = shared.ONE_OF
SLOT_MINUTES = Text(
    "spaces.slot_minutes", "must be 15, 30 or 60", N_("Choose slots of 15, 30 or 60 minutes.")
)
NOT_A_COMMUNITY = shared.NOT_A_COMMUNITY
NOT_A_SPACE_OF_COMMUNITY = Text(
    "spaces.not_a_space_of_community",
    "is not a space of this community",
    N_("This community has no space with that code. Check the code and try again."),
)
CLOSURE_ENDS_BEFORE_START = Text(
    "spaces.closure_ends_before_start",
    "must not be before starts_on",
    N_("The last closed day must not be before the first one."),
)
REQUIRED_SHORT = shared.REQUIRED_AT_MOST_80
DATE = Text("spaces.date", "must be a date like 2026-12-01", N_("Enter a date like 2026-12-01."))
NO_SUCH_SPACE = Text("spaces.no_such_space", "no such space", N_("That space was not found."))

# ---------------------------------------------------------------------------- a request

END_BEFORE_START = shared.END_AFTER_START
SLOT_BOUNDARY = Text(
    "spaces.slot_boundary",
    "must be on a {n}-minute boundary",
    N_("Choose a time on the %(n)s-minute marks."),
)
ONE_DAY = Text(
    "spaces.one_day",
    "a booking stays within one day",
    N_("A booking starts and ends on the same day."),
)
CLOSED_DAY = Text(
    "spaces.closed_day",
    "the space is closed that day ({reason})",
    N_("The space is closed that day (%(reason)s)."),
)
OUTSIDE_HOURS = Text(
    "spaces.outside_hours",
    "is outside the space's opening hours",
    N_("The space is not open then. See the week page for its hours."),
)
ACCOUNT_NOT_ACTIVE = shared.ACCOUNT_NOT_ACTIVE
LEVEL_REQUIRED = Text(
    "spaces.level_required",
    "this space is booked by level {level} or above",
    N_("This space is for %(level)s and above."),
    labels={"level": "level"},
)
TIER = Text("spaces.tier", "must be one of {tiers}", N_("Choose 公益, 低偿 or 市场."))
BOOKING_WINDOW = Text(
    "spaces.booking_window",
    "must be within the booking window",
    N_("Choose a time within the next few weeks."),
)
ATTENDANCE = Text(
    "spaces.attendance", "must be from 0 to {n}", N_("Enter a number from 0 to %(n)s.")
)
TOO_SOON = Text(
    "spaces.too_soon",
    "is too soon: book at least {n} minutes ahead",
    N_("Too soon: book at least %(n)s minutes ahead."),
)
TOO_FAR_AHEAD = Text(
    "spaces.too_far_ahead",
    "is too far ahead: at most {n} days",
    N_("Too far ahead: book at most %(n)s days ahead."),
)
WEEKLY_QUOTA = Text(
    "spaces.weekly_quota",
    "would pass your weekly quota of {quota} hours (already booked that week: {used} hours)",
    N_(
        "This would pass your weekly quota of %(quota)s hours "
        "(you have %(used)s hours booked that week)."
    ),
)

# ---------------------------------------------------------------------------- bookings

SLOT_TAKEN = Text(
    "spaces.slot_taken",
    "this time is already booked",
    N_("This time is already booked. Choose a free time, or join the waiting list."),
)
NO_SUCH_BOOKING = Text(
    "spaces.no_such_booking", "no such booking", N_("That booking was not found.")
)
NOT_CHANGEABLE = Text(
    "spaces.not_changeable",
    "cannot be changed",
    N_("This cannot be changed on a booking. Cancel it and book again instead."),
)
BOOKING_IS = Text(
    "spaces.booking_is",
    "this booking is {status}",
    N_("This can no longer be done: the booking is now “%(status)s”."),
    labels={"status": "booking_status"},
)
BEGUN_NO_CHANGE = Text(
    "spaces.begun_no_change",
    "this booking has begun and can no longer be changed",
    N_("This booking has begun, so it can no longer be cancelled or changed."),
)
BEGUN_NO_CANCEL = Text(
    "spaces.begun_no_cancel",
    "this booking has begun and can no longer be cancelled",
    N_("This booking has begun, so it can no longer be cancelled or changed."),
)
TIME_PASSED = Text(
    "spaces.time_passed",
    "this booking's time has passed; it can no longer be approved",
    N_("This booking's time has passed; it can no longer be approved."),
)
RENT_NOT_MARKET = Text(
    "spaces.rent_not_market",
    "only a 市场 (market-tier) booking pays market rent",
    N_("Only a 市场 (market) booking pays market rent."),
)
RENT_NOT_CONFIRMED = Text(
    "spaces.rent_not_confirmed",
    "the booking is {status}: rent is recorded for a confirmed booking",
    N_("Rent is recorded for a confirmed booking only."),
)
RENT_NOT_ALLOWED = Text(
    "spaces.rent_not_allowed",
    "only the space's managers who record income may record its rent",
    N_("Only the space's managers who record the fund's income may record its rent."),
)
RENT_RECORDED_ALREADY = Text(
    "spaces.rent_recorded_already",
    "this booking's rent is already recorded: {amount} on {day}",
    N_("This booking's rent is already recorded: %(amount)s on %(day)s."),
)
NOT_YOUR_COMMUNITY = Text(
    "spaces.not_your_community",
    "this space is not in your community",
    N_("This space is not in your community."),
)

# ---------------------------------------------------------------------------- check-in

CHECK_IN_OPENS = Text(
    "spaces.check_in_opens",
    "check-in opens at {time:%Y-%m-%d %H:%M} UTC",
    N_("Check-in opens at %(time)s. Come back then."),
)
CHECK_IN_CLOSED = Text(
    "spaces.check_in_closed",
    "check-in for this booking has closed",
    N_("Check-in for this booking has closed. Ask the social worker on duty."),
)
NOTHING_TO_CHECK_IN = Text(
    "spaces.nothing_to_check_in",
    "you have no booking of this space to check in to now",
    N_(
        "You have no booking here to check in to now. Check-in opens 15 minutes "
        "before the start; see My bookings."
    ),
)
NOT_A_CHECK_IN_CODE = Text(
    "spaces.not_a_check_in_code",
    "is not this platform's check-in code",
    N_("This is not a check-in code of ours. Scan the code at the door."),
)

# ---------------------------------------------------------------------------- waiting list

TIME_IS_FREE = Text(
    "spaces.time_is_free",
    "this time is free: book it instead of waiting",
    N_("This time is free: book it instead of waiting."),
)
ALREADY_WAITING = Text(
    "spaces.already_waiting",
    "you are already waiting for this time",
    N_("You are already on the waiting list for this time."),
)
NO_SUCH_OFFER = Text("spaces.no_such_offer", "no such offer", N_("That offer was not found."))
OFFER_IS = Text(
    "spaces.offer_is",
    "this offer is {status}",
    N_("This can no longer be done: the booking is now “%(status)s”."),
    labels={"status": "booking_status"},
)
OFFER_LAPSED = Text("spaces.offer_lapsed", "this offer has lapsed", N_("This offer has lapsed."))
NO_SUCH_WAIT = Text(
    "spaces.no_such_wait",
    "no such waiting entry",
    N_("You are not on the waiting list for that time."),
)
WAIT_IS = Text(
    "spaces.wait_is",
    "this entry is {status}",
    N_(
        "You can no longer leave this waiting list: the time was already offered to you, "
        "or the wait has ended. See My bookings."
    ),
)

# ---------------------------------------------------------------------------- weekly series

TRUE_OR_FALSE = shared.TRUE_OR_FALSE
WEEKS_REFUSED = Text(
    "spaces.weeks_refused",
    "these weeks cannot be booked: {weeks}",
    N_(
        "Some weeks cannot be booked, so nothing was booked. Tick “book the "
        "others anyway” or choose another time."
    ),
)
# One item of WEEKS_REFUSED's list: the week's date and why it cannot be booked.
WEEK_WITH_REASON = Text(
    "spaces.week_with_reason", "{day:%Y-%m-%d} ({reason})", N_("%(day)s (%(reason)s)")
)
# The message on the `start` field for each week that cannot be booked.
WEEK_REFUSED = Text("spaces.week_refused", "{day:%Y-%m-%d}: {reason}", N_("%(day)s: %(reason)s"))

# ---------------------------------------------------------------------------- utilisation

REPORT_DATE_RANGE = Text(
    "spaces.report_date_range",
    "must be a date from 2000-01-01 to 2100-12-31",
    N_("Enter a date from 2000-01-01 to 2100-12-31."),
)
REPORT_ENDS_BEFORE_START = Text(
    "spaces.report_ends_before_start",
    "must not be before from",
    N_("The last day must not be before the first."),
)
REPORT_TOO_LONG = Text(
    "spaces.report_too_long",
    "must be at most {n} days after from",
    N_("A report covers at most %(n)s days."),
)

# ---------------------------------------------------------------------------- calendar feeds

CALENDAR_HOSTS_ONLY = Text(
    "spaces.calendar_hosts_only",
    "only hosts have a booking calendar",
    N_("Only community hosts have a booking calendar."),
)
NO_SUCH_CALENDAR = Text(
    "spaces.no_such_calendar",
    "no such calendar",
    N_(
        "This calendar address was not found. It may have been replaced: get the new one "
        "on the Booking calendars page."
    ),
)

# ---------------------------------------------------------------------------- booking form

TIME_FROM_LIST = Text(
    "spaces.time_from_list", "choose a time from the list", N_("Choose a time from the list.")
)


# ------------------------------------------------------------------- what hosts are told

OFFERED = Kind(
    "booking.offered",
    N_("A time you are waiting for is free"),
    N_("%(space)s is free for you"),
    N_("%(space)s, %(start)s–%(end)s is yours if you accept by %(deadline)s."),
    link=("spaces.mine", {}),
    priority="urgent",
    answer=True,
    deadline="deadline",
    sms=("space", "start", "deadline", "link"),
)


# ---------------------------------------------------------------------------- notifications
# What a host hears about their bookings, and staff about bookings to approve.

BOOKING_APPROVED = Kind(
    "booking.approved",
    N_("Bookings approved"),
    N_("%(space)s is booked for you"),
    N_("Your booking of %(space)s, %(start)s–%(end)s (%(title)s) is approved."),
    link=("spaces.mine", {}),
    sms=("space", "start"),
)
BOOKING_REJECTED = Kind(
    "booking.rejected",
    N_("Bookings not approved"),
    N_("Your booking of %(space)s is not approved"),
    N_(
        "%(space)s, %(start)s–%(end)s (%(title)s) is not approved: %(reason)s. What it set "
        "aside is yours again."
    ),
    link=("spaces.mine", {}),
    sms=("space", "start", "reason"),
)
BOOKING_NOT_DECIDED = Kind(
    "booking.not_decided",
    N_("Bookings not approved in time"),
    N_("Your booking of %(space)s was not approved in time"),
    N_(
        "Nobody approved %(space)s, %(start)s–%(end)s (%(title)s) before it began, so it "
        "does not take place. What it set aside is yours again."
    ),
    link=("spaces.mine", {}),
)
BOOKING_NO_SHOW = Kind(
    "booking.no_show",
    N_("Bookings released as not used"),
    N_("%(space)s was released: nobody checked in"),
    N_(
        "Nobody checked in to %(space)s, %(start)s–%(end)s (%(title)s) within %(minutes)s "
        "minutes of the start, so the rest of its time is free for others. It counts as "
        "not used in your quarterly assessment."
    ),
    link=("spaces.mine", {}),
)
BOOKING_CANCELLED = Kind(
    "booking.cancelled_by_platform",
    N_("Bookings cancelled by the platform"),
    N_("Your booking of %(space)s is cancelled"),
    N_(
        "%(space)s, %(start)s–%(end)s (%(title)s) is cancelled because your level or status "
        "changed; %(points)s points and %(minutes)s space minutes came back in full."
    ),
    link=("spaces.mine", {}),
    sms=("space", "start"),
)
BOOKING_TO_APPROVE = Kind(
    "booking.to_approve",
    N_("Bookings to approve (staff)"),
    N_("%(host)s asks for %(space)s"),
    N_(
        "%(host)s asks for %(space)s, %(start)s–%(end)s (%(title)s). Approve or reject it "
        "before it begins."
    ),
    link=("spaces.queue", {}),
    answer=True,
    deadline="start",
    email_default=True,
    staff=True,
)
