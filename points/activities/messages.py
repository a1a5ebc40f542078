"""What the activities domain refuses: the catalogue, claims and their evidence, approval,
and scheduled activities with check-in.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`. Raise one with its parameters: `raise Conflict(M.FULL, n=20)`.
"""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text
from points.notifications.kinds import Kind

# ---------------------------------------------------------------------------- shared here
# Sentences other domains raise as well: the one Text of `points.messages`, by a local name.

ACCOUNT_NOT_ACTIVE = shared.ACCOUNT_NOT_ACTIVE
ONE_OF = shared.ONE_OF
NOT_YOUR_COMMUNITY = shared.NOT_YOUR_COMMUNITY

# ---------------------------------------------------------------------------- catalogue

CODE_SHAPE = shared.CODE_SHAPE
TRUE_OR_FALSE = shared.TRUE_OR_FALSE
UNKNOWN_CATEGORY = Text(
    "activities.unknown_category",
    "is not a category of the catalogue",
    N_("There is no such category. Choose one from the list."),
)
POINTS_RANGE = Text(
    "activities.points_range",
    "must be between {low} and {high}",
    N_("Enter a whole number from %(low)s to %(high)s."),
)
CAP_BELOW_UNIT = Text(
    "activities.cap_below_unit",
    "must be at least the points of one unit",
    N_("A cap must be at least the points of one unit."),
)
MONTHLY_BELOW_DAILY = Text(
    "activities.monthly_below_daily",
    "must be at least the daily cap",
    N_("The monthly cap must be at least the daily cap."),
)
UNKNOWN_FIELDS = Text(
    "activities.unknown_fields",
    "unknown fields: {fields}",
    N_("These fields are not part of an activity type: %(fields)s"),
)
UNKNOWN_TYPE = Text(
    "activities.unknown_type",
    "is not an activity type of the catalogue",
    N_("Choose an activity from the list."),
)
NO_SUCH_TYPE = Text(
    "activities.no_such_type",
    "no such activity type",
    N_("That activity type was not found."),
)
ADMINS_EDIT_CATALOGUE = Text(
    "activities.admins_edit_catalogue",
    "only admins may change the catalogue",
    N_("Only the street admin may change the catalogue."),
)
EDITED_MEANWHILE = Text(
    "activities.edited_meanwhile",
    "someone else edited this type just now; reload and try again",
    N_("Someone else changed this activity type just now. Reload the page and try again."),
)

# ---------------------------------------------------------------------------- evidence photos

PHOTO_MISSING = Text(
    "activities.photo_missing",
    "choose a photo to upload",
    N_("Choose a photo to upload."),
)
PHOTO_NOT_MULTIPART = Text(
    "activities.photo_not_multipart",
    "send the photo as multipart/form-data field 'photo'",
    N_("Choose a photo to upload."),
)
PHOTO_TOO_BIG = Text(
    "activities.photo_too_big",
    "must be at most {n} MB",
    N_("The photo is too large: at most %(n)s MB."),
)
PHOTO_TOO_MANY_PIXELS = Text(
    "activities.photo_too_many_pixels",
    "must be at most {n} megapixels",
    N_("The photo has too many pixels: at most %(n)s megapixels."),
)
PHOTO_KIND = Text(
    "activities.photo_kind",
    "must be a JPEG or PNG photo",
    N_("Upload a JPEG or PNG photo."),
)
PHOTO_UNREADABLE = Text(
    "activities.photo_unreadable",
    "cannot be read as a photo",
    N_("This photo could not be read. Take it again or choose another."),
)
PHOTO_NOT_YOURS = Text(
    "activities.photo_not_yours",
    "is not a photo you uploaded",
    N_("This is not a photo you uploaded. Choose the photo again."),
)
PHOTO_USED = Text(
    "activities.photo_used",
    "this photo already backs another claim",
    N_("This photo was already used for another claim."),
)
PHOTO_NEEDED = Text(
    "activities.photo_needed",
    "this activity needs a photo as evidence",
    N_("This activity needs a photo: add one taken at the work."),
)

# ---------------------------------------------------------------------------- claiming

CLOSED_FOR_CLAIMS = Text(
    "activities.closed_for_claims",
    "is no longer open for claims",
    N_("This activity is no longer open for claims."),
)
LEVEL_NEEDED = Text(
    "activities.level_needed",
    "this activity needs level {level} or above",
    N_("This activity is for %(level)s and above."),
    labels={"level": "level"},
)
NOT_A_NUMBER = Text(
    "activities.not_a_number",
    "must be a number",
    N_("Enter a number, e.g. 2 or 1.5."),
)
HALF_HOURS = Text(
    "activities.half_hours",
    "must be between 0.5 and 24 hours, in half hours",
    N_("Enter hours from 0.5 to 24, in half hours (e.g. 1.5)."),
)
TOO_SMALL = Text(
    "activities.too_small",
    "is too small to earn a point",
    N_("This is too little to earn a point. Enter a larger amount."),
)
DATE_SHAPE = Text(
    "activities.date_shape",
    "must be a date like 2026-05-01",
    N_("Enter a date like 2026-05-01."),
)
DATE_IN_FUTURE = Text(
    "activities.date_in_future",
    "cannot be in the future",
    N_("The date cannot be in the future."),
)
DATE_TOO_OLD = Text(
    "activities.date_too_old",
    "must be within the last {n} days",
    N_("Claim within %(n)s days of the work."),
)
NOT_TEXT = shared.NOT_TEXT
DAILY_CAP = Text(
    "activities.daily_cap",
    "daily cap of {cap} points for this activity reached: "
    "{had} already awarded that day, this claim adds {adds}",
    N_(
        "Daily limit reached: at most %(cap)s points a day for this activity; %(had)s "
        "already awarded that day, this claim adds %(adds)s."
    ),
)
MONTHLY_CAP = Text(
    "activities.monthly_cap",
    "monthly cap of {cap} points for this activity reached: "
    "{had} already awarded that month, this claim adds {adds}",
    N_(
        "Monthly limit reached: at most %(cap)s points a month for this activity; %(had)s "
        "already awarded that month, this claim adds %(adds)s."
    ),
)

# ---------------------------------------------------------------------------- decisions

NO_SUCH_CLAIM = Text(
    "activities.no_such_claim",
    "no such claim",
    N_("That claim was not found."),
)
OWN_CLAIM = Text(
    "activities.own_claim",
    "nobody approves their own claim",
    N_("Another social worker must approve your own claim."),
)
ADMIN_APPROVES = Text(
    "activities.admin_approves",
    "this activity type is approved by the street admin",
    N_("The street admin approves this kind of activity."),
)
CLAIM_DECIDED = Text(
    "activities.claim_decided",
    "this claim is already {status}",
    N_("This claim has already been decided."),
)
ONLY_APPROVED_REVERSED = Text(
    "activities.only_approved_reversed",
    "only an approved claim can be reversed; this one is {status}",
    N_("Only an approved claim can be reversed."),
)
NO_CLAIMS_CHOSEN = Text(
    "activities.no_claims_chosen",
    "choose at least one claim",
    N_("Tick the claims to approve first."),
)
TOO_MANY_CLAIMS = Text(
    "activities.too_many_claims",
    "at most {n} claims at once",
    N_("Approve at most %(n)s claims at once."),
)

# ---------------------------------------------------------------------------- scheduled activities

ORGANISERS_ONLY = Text(
    "activities.organisers_only",
    "only hosts and social workers organise activities",
    N_("Only community hosts and social workers organise activities."),
)
NO_COMMUNITY = Text(
    "activities.no_community",
    "you need a community to organise in",
    N_("Choose your community on your profile first."),
)
ENDS_BEFORE_START = shared.END_AFTER_START
TOO_LONG_EVENT = Text(
    "activities.too_long_event",
    "an activity lasts at most 12 hours",
    N_("An activity lasts at most 12 hours."),
)
START_IN_PAST = Text(
    "activities.start_in_past",
    "cannot be in the past",
    N_("The start cannot be in the past."),
)
START_TOO_FAR = Text(
    "activities.start_too_far",
    "must be within a year from now",
    N_("Schedule activities up to a year ahead."),
)
NO_SUCH_ACTIVITY = Text(
    "activities.no_such_activity",
    "no such activity",
    N_("That activity was not found."),
)
RUNNERS_ONLY = Text(
    "activities.runners_only",
    "only the organiser or a social worker of its community may do this",
    N_("Only the organiser or a social worker of this community may do this."),
)
NOT_OPEN = Text(
    "activities.not_open",
    "this activity is {status}",
    N_("This activity is closed."),
)
ALREADY_CLOSED = Text(
    "activities.already_closed",
    "this activity is already {status}",
    N_("This activity is closed."),
)
HAS_ENDED = Text(
    "activities.has_ended",
    "this activity has ended",
    N_("This activity has ended."),
)
FULL = shared.PLACES_TAKEN
NOT_SIGNED_UP = Text(
    "activities.not_signed_up",
    "you have not signed up for this activity",
    N_("You have not signed up for this activity."),
)
CHECKED_IN = Text(
    "activities.checked_in",
    "you have already checked in",
    N_("You have already checked in."),
)
NOT_ENDED = Text(
    "activities.not_ended",
    "the activity has not ended yet",
    N_("Close the activity after it has ended."),
)
NO_SUCH_MEMBER = Text(
    "activities.no_such_member",
    "no such member in this activity's community",
    N_("That member is not in this activity's community."),
)

# ---------------------------------------------------------------------------- check-in

CODE_INVALID = Text(
    "activities.check_in_code_invalid",
    "this check-in code is not valid",
    N_("This is not a valid check-in code. Scan the organiser's code again."),
)
CODE_EXPIRED = Text(
    "activities.check_in_code_expired",
    "this check-in code has expired; scan the code on the organiser's screen again",
    N_("This code has expired. Scan the code on the organiser's screen again."),
)
CHECK_IN_WINDOW = Text(
    "activities.check_in_window",
    "check-in opens {n} minutes before the start and closes {n} minutes after the end",
    N_("Check-in opens %(n)s minutes before the start and closes %(n)s minutes after the end."),
)


# ---------------------------------------------------------------------------- notifications
# What a member hears about their claims (see points/notifications/kinds.py).

CLAIM_APPROVED = Kind(
    "claim.approved",
    N_("Claims approved"),
    N_("%(points)s points for %(activity)s"),
    N_("Your claim for %(activity)s on %(day)s is approved: %(points)s points are yours."),
    link=("activities.statement", {}),
    sms=("activity", "points"),
)
CLAIM_REJECTED = Kind(
    "claim.rejected",
    N_("Claims not approved"),
    N_("Your claim for %(activity)s is not approved"),
    N_("Your claim for %(activity)s on %(day)s is not approved: %(reason)s"),
    link=("activities.my_claims", {}),
    sms=("activity", "reason"),
)
CLAIM_REVERSED = Kind(
    "claim.reversed",
    N_("Awards reversed"),
    N_("%(points)s points for %(activity)s taken back"),
    N_(
        "The %(points)s points awarded for %(activity)s on %(day)s are taken back: %(reason)s. "
        "Your statement shows both movements."
    ),
    link=("activities.statement", {}),
    sms=("activity", "points", "reason"),
)
