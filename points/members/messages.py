"""What the members domain refuses: accounts, staff powers, the ladder, courses and skills,
host applications, the quarterly assessment and training sessions.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`. Checks shared with other domains (a required field, a community, a
choice from a list) are in `points.messages`.
"""

from __future__ import annotations

from points.errors import N_, Text
from points.notifications.kinds import Kind

# ---------------------------------------------------------------------------- passwords

PASSWORD_TOO_SHORT = Text(
    "members.password_too_short",
    "must be at least {n} characters",
    N_("Use at least %(n)s characters."),
)
PASSWORD_REPEATED = Text(
    "members.password_repeated",
    "must not be one character repeated",
    N_("Do not use one character over and over."),
)
PASSWORD_HAS_PHONE = Text(
    "members.password_has_phone",
    "must not contain your mobile number",
    N_("Do not put your mobile number in your password."),
)
PASSWORD_COMMON = Text(
    "members.password_common",
    "is one of the most common passwords: choose another",
    N_("Many people use this password, so it is easy to guess. Choose another."),
)
NOT_CURRENT_PASSWORD = Text(
    "members.not_current_password",
    "is not your current password",
    N_("That is not your current password."),
)

# ---------------------------------------------------------------------------- accounts

ALREADY_REGISTERED = Text(
    "members.already_registered",
    "is already registered; sign in instead",
    N_("This number is already registered. Sign in instead."),
)
WRONG_PASSWORD = Text(
    "members.wrong_password",
    "wrong phone number or password",
    N_("Wrong phone number or password. Check both and try again."),
)
# status: suspended or exited.
ACCOUNT_CLOSED = Text(
    "members.account_closed",
    "this account is {status}",
    N_("This account is closed for now. Please contact your social worker."),
)
NO_SUCH_MEMBER = Text("members.no_such_member", "no such member", N_("That member was not found."))
GRID_NEEDS_COMMUNITY = Text(
    "members.grid_needs_community",
    "needs a community",
    N_("Choose the community first, then one of its grids."),
)
NOT_A_GRID = Text(
    "members.not_a_grid",
    "is not a grid of that community",
    N_("Choose a grid of your community."),
)
PASSWORD_NEEDED = Text(
    "members.password_needed",
    "is needed for a new member",
    N_("A new member needs a password."),
)


# ---------------------------------------------------------------------------- SMS codes

# One message for every code that does not work (wrong, expired, used, ended by wrong
# tries, or a number with no account): telling them apart would say which numbers exist.
WRONG_CODE = Text(
    "members.wrong_code",
    "wrong or expired code; ask for a new one",
    N_("This code is wrong or no longer valid. Check it, or ask for a new code."),
)
CODE_SHAPE = Text(
    "members.code_shape",
    "must be the 6 digits of the SMS",
    N_("Enter the 6 digits of the SMS."),
)
PASSWORD_OR_CODE = Text(
    "members.password_or_code",
    "give either password or code",
    N_("Enter either your password or the SMS code."),
)
PASSWORDS_DIFFER = Text(
    "members.passwords_differ",
    "the two passwords differ",
    N_("The two passwords are not the same. Type the new password twice."),
)
CODE_SIGN_IN_FIRST = Text(
    "members.code_sign_in_first",
    "you have no password yet: sign in with an SMS code, then set one within {minutes} minutes",
    N_(
        "You have no password yet. Sign in with an SMS code, then set one within "
        "%(minutes)s minutes."
    ),
)

# What a member is sent: by SMS always (their preferences cannot turn it off), at once even
# in quiet hours (they just asked for it), and never kept in the inbox.
SIGN_IN_CODE = Kind(
    "members.sign_in_code",
    N_("Sign-in codes"),
    N_("Your code"),
    N_(
        "Your code is %(code)s. It is valid for %(minutes)s minutes. "
        "Never tell it to anyone, not even staff."
    ),
    priority="urgent",
    quiet=False,
    inbox=False,
    sms=("code", "minutes"),
    required=("sms",),
)

# ---------------------------------------------------------------------------- staff

STAFF_ONLY = Text(
    "members.staff_only",
    "only social workers and admins may do this",
    N_("Only social workers may do this."),
)
MERCHANT_STAFF_MERCHANT = Text(
    "members.merchant_staff_merchant",
    "merchant staff need a merchant, and only they",
    N_("Name a merchant for merchant staff, and for no other role."),
)
NOT_A_MERCHANT = Text(
    "members.not_a_merchant",
    "is not a merchant here",
    N_("There is no such merchant here. Check the merchant's number."),
)
SOCIAL_WORKER_COMMUNITY = Text(
    "members.social_worker_community",
    "a social worker needs a community",
    N_("A social worker works in a community: name one."),
)
ASSIGN_ADMIN_ONLY = Text(
    "members.assign_admin_only",
    "only the street admin assigns members to a community",
    N_("Only the street admin assigns members to a community."),
)
ALREADY_THERE = Text(
    "members.already_there",
    "the member is already there",
    N_("The member is already in that community."),
)

# ---------------------------------------------------------------------------- status and level

STATUS_CHOICE = Text(
    "members.status_choice",
    "must be active, suspended or exited",
    N_("Choose a status from the list."),
)
STATUS_OWN = Text(
    "members.status_own",
    "nobody changes their own status",
    N_("Another social worker must change your own status."),
)
STATUS_UNCHANGED = Text(
    "members.status_unchanged",
    "the member is already {status}",
    N_("Nothing changed: the member already has that status."),
)
LOWER_LEVEL = Text(
    "members.lower_level",
    "must be a lower level",
    N_("Choose a level below the member's current one."),
)
ADMIN_REVERSES_DEMOTION = Text(
    "members.admin_reverses_demotion",
    "only an administrator reverses a demotion",
    N_("Only an administrator can reverse a demotion."),
)
ONLY_DEMOTION_REVERSED = Text(
    "members.only_demotion_reversed",
    "only a demotion can be reversed",
    N_("Only a demotion can be reversed."),
)
# n: LEVEL_REVERSAL_DAYS.
REVERSED_ONCE = Text(
    "members.reversed_once",
    "a demotion is reversed once, within {n} days",
    N_("A demotion can be reversed once, within %(n)s days."),
)
CHANGED_SINCE = Text(
    "members.changed_since",
    "the member's level or status has changed since",
    N_("The member's level or status has changed since; nothing was reversed."),
)
NO_SUCH_LEVEL_CHANGE = Text(
    "members.no_such_level_change",
    "no such level change",
    N_("That change of level was not found."),
)

# ---------------------------------------------------------------------------- courses and skills

NO_SUCH_COURSE = Text(
    "members.no_such_course", "no course {code!r}", N_("That course was not found.")
)
COURSE_CODE = Text(
    "members.course_code",
    "must be 2-40 lowercase letters, digits or dashes",
    N_("Use 2 to 40 lower-case letters, digits or dashes."),
)
POSITIVE_WHOLE = Text(
    "members.positive_whole",
    "must be a positive whole number",
    N_("Enter a whole number above 0."),
)
NO_SUCH_SKILL = Text("members.no_such_skill", "no such skill", N_("That skill was not found."))
SKILL_OWN = Text(
    "members.skill_own",
    "nobody reviews their own skill",
    N_("Someone else must review your own skill."),
)
# status: approved or rejected.
SKILL_REVIEWED = Text(
    "members.skill_reviewed",
    "this skill was already {status}",
    N_("This skill has already been reviewed."),
)

# ---------------------------------------------------------------------------- host applications

NO_SUCH_APPLICATION = Text(
    "members.no_such_application",
    "no such application",
    N_("That host application was not found."),
)
NO_APPLICATION_YET = Text(
    "members.no_application_yet",
    "no host application yet",
    N_("You have not applied to become a host yet."),
)
TALENTS_ONLY = Text(
    "members.talents_only",
    "only community talents may apply to become hosts",
    N_("Only community talents may apply to become hosts."),
)
APPLICATION_IN_PROGRESS = Text(
    "members.application_in_progress",
    "you already have an application in progress",
    N_("You already have an application in progress."),
)
APPLICATION_OWN = Text(
    "members.application_own",
    "nobody reviews their own application",
    N_("Another social worker must review your own application."),
)
APPLICATION_DECIDED = Text(
    "members.application_decided",
    "this application is already {status}",
    N_("This application has already been decided."),
)
NO_SUCH_NOTICE = Text(
    "members.no_such_notice",
    "no such notice",
    N_("That public notice was not found, or it has ended."),
)
NOTICE_OVER = Text(
    "members.notice_over",
    "objections are taken only during the public notice",
    N_("The public notice has ended; objections are closed."),
)
OBJECTION_OWN = Text(
    "members.objection_own",
    "nobody objects to their own application",
    N_("You cannot object to your own application."),
)
NO_SUCH_OBJECTION = Text(
    "members.no_such_objection", "no such objection", N_("That objection was not found.")
)
OBJECTION_RESOLVED = Text(
    "members.objection_resolved",
    "this objection is already {status}",
    N_("This objection has already been resolved."),
)
# waiting: the blockers' codes (notice_running, open_objection, course_tier:…).
CANNOT_APPOINT_YET = Text(
    "members.cannot_appoint_yet",
    "cannot appoint yet: {waiting}",
    N_("Not yet: see what the appointment is waiting for."),
)

# What the API's "no such {what}" names, by `what`.
NO_SUCH = {
    "member": NO_SUCH_MEMBER,
    "skill": NO_SUCH_SKILL,
    "application": NO_SUCH_APPLICATION,
    "objection": NO_SUCH_OBJECTION,
}

# ---------------------------------------------------------------------------- quarterly assessment

QUARTER_FORMAT = Text(
    "members.quarter_format",
    "must be a quarter like 2026Q4",
    N_("Give the quarter like 2026Q4."),
)
FUTURE_QUARTER = Text(
    "members.future_quarter",
    "must not be a future quarter",
    N_("A quarter can be rated only once it has begun."),
)
# date: the first day after the quarter, on the community's calendar.
QUARTER_NOT_ENDED = Text(
    "members.quarter_not_ended",
    "{quarter} has not ended yet: it can be rated from {date:%Y-%m-%d}; "
    "until then look at the preview",
    N_(
        "%(quarter)s has not ended yet: it can be rated from %(date)s. Until then, look at "
        "the preview, which records nothing."
    ),
)
NO_DRAFT = Text(
    "members.no_draft",
    "there is no draft for {quarter} to publish: rate it first",
    N_("There is no draft for %(quarter)s to publish: rate it first."),
)
DRAFTS_CHANGED = Text(
    "members.drafts_changed",
    "the drafts changed since the confirmation was shown: look again",
    N_("The drafts changed after the confirmation was shown. Nothing was published: look again."),
)
NOTE_YELLOW_RED = Text(
    "members.note_yellow_red",
    "only yellow and red quarters take an improvement note",
    N_("Only yellow and red quarters take an improvement note."),
)
NO_SUCH_ASSESSMENT = Text(
    "members.no_such_assessment",
    "no such assessment",
    N_("That assessment was not found."),
)
NO_PUBLISHED_ASSESSMENT = Text(
    "members.no_published_assessment",
    "no published assessment yet",
    N_("No quarterly assessment of yours has been published yet."),
)

# ---------------------------------------------------------------------------- training sessions

CHOOSE_COURSE = Text("members.choose_course", "choose a course", N_("Choose a course."))
NO_SUCH_SESSION = Text(
    "members.no_such_session", "no such session", N_("That training session was not found.")
)
ATTENDANCE_TOO_EARLY = Text(
    "members.attendance_too_early",
    "attendance is recorded once the session has begun",
    N_("Attendance can be recorded once the session has begun."),
)
TICK_SOMEONE = Text(
    "members.tick_someone",
    "tick a member or enter a phone number",
    N_("Tick the members who came, or enter a walk-in's phone number."),
)
MEMBER_IDS = Text("members.member_ids", "must be member ids", N_("Tick members from the list."))
MEMBER_ID = Text("members.member_id", "must be a member id", N_("Tick a member from the list."))
# phones / ids: lists, joined by the API with ", ".
PHONES_NOT_REGISTERED = Text(
    "members.phones_not_registered",
    "not registered: {phones}",
    N_("These numbers are not registered: %(phones)s"),
)
PHONE_NOT_REGISTERED = Text(
    "members.phone_not_registered",
    "not registered: {phone}",
    N_("This number is not registered: %(phone)s"),
)
MEMBER_NOT_FOUND = Text(
    "members.member_not_found", "no such member: {id}", N_("This member was not found: %(id)s")
)
MEMBERS_NOT_FOUND = Text(
    "members.members_not_found",
    "no such member: {ids}",
    N_("These members were not found: %(ids)s"),
)
MEMBERS_OUTSIDE = Text(
    "members.members_outside",
    "not in your community: {phones}",
    N_("These members are not in your community: %(phones)s"),
)
SESSION_BEGUN = Text(
    "members.session_begun",
    "this session has already begun",
    N_("This session has already begun: seats can no longer be taken or freed."),
)
NOT_SIGNED_UP = Text(
    "members.not_signed_up",
    "you have not signed up for this session",
    N_("You have not signed up for this session."),
)

EMAIL = Text(
    "member.email",
    "must be an email address like name@example.com",
    N_("Enter an email address like name@example.com."),
)

# ---------------------------------------------------------------------------- notifications
# What members hear about their level, training, host application and assessment; staff
# about objections they must resolve. See points/notifications/kinds.py.

LEVEL_GAINED = Kind(
    "member.level_gained",
    N_("A new level"),
    N_("You are now %(level)s"),
    N_("From %(was)s to %(level)s on %(day)s. Your profile shows what the next level needs."),
    link=("profile.show", {}),
    labels={"level": "level", "was": "level"},
    sms=("level",),
)
LEVEL_LOST = Kind(
    "member.level_lost",
    N_("A level lost"),
    N_("Your level is now %(level)s"),
    N_(
        "From %(was)s to %(level)s on %(day)s. Your profile's level history says why and "
        "what it changed."
    ),
    link=("profile.show", {}),
    labels={"level": "level", "was": "level"},
    sms=("was", "level"),
)
TRAINING_SIGNED_UP = Kind(
    "training.signed_up",
    N_("Training seats taken"),
    N_("Your seat at %(course)s is booked"),
    N_("%(course)s, %(start)s at %(place)s. We remind you the day before."),
    link=("courses.sessions", {}),
    priority="low",
)
TRAINING_TOMORROW = Kind(
    "training.tomorrow",
    N_("Training tomorrow"),
    N_("%(course)s is tomorrow"),
    N_(
        "%(course)s starts %(start)s at %(place)s. If you cannot come, free your seat for "
        "someone else."
    ),
    link=("courses.sessions", {}),
    # A time to be somewhere: SMS by default (after quiet hours), like a deadline.
    priority="urgent",
    sms=("course", "start", "place"),
)
TRAINING_ATTENDED = Kind(
    "training.attended",
    N_("Training recorded"),
    N_("%(course)s is recorded as done"),
    N_("You attended %(course)s on %(day)s; it counts towards your next level."),
    link=("profile.show", {}),
    priority="low",
)
APPLICATION_SELECTED = Kind(
    "application.selected",
    N_("Host application selected"),
    N_("Your host application is selected"),
    N_(
        "%(programme)s is selected. Its public notice (公示) runs until %(ends)s; if no "
        "objection is upheld and your training is done, you are then appointed."
    ),
    link=("hosting.mine", {}),
    sms=("programme", "ends"),
)
APPLICATION_DECLINED = Kind(
    "application.declined",
    N_("Host application not selected"),
    N_("Your host application is not selected"),
    N_("%(programme)s is not selected: %(reason)s"),
    link=("hosting.mine", {}),
    sms=("programme",),
)
NOTICE_ENDED = Kind(
    "application.notice_ended",
    N_("Public notice ended"),
    N_("Your public notice has ended"),
    N_(
        "The public notice of %(programme)s ended on %(ends)s. Your application shows what, "
        "if anything, is still waited for."
    ),
    link=("hosting.mine", {}),
    priority="low",
)
OBJECTION_UPHELD = Kind(
    "application.objection_upheld",
    N_("An objection to your host application upheld"),
    N_("An objection to your application is upheld"),
    N_("%(programme)s is therefore not selected: %(note)s"),
    link=("hosting.mine", {}),
    sms=("programme",),
)
OBJECTION_RESOLVED = Kind(
    "objection.resolved",
    N_("Your objections' outcome"),
    N_("Your objection is %(outcome)s"),
    N_("Your objection to %(applicant)s's public notice (%(programme)s) is %(outcome)s: %(note)s"),
    link=("hosting.notices", {}),
    labels={"outcome": "objection_status"},
)
OBJECTION_LODGED = Kind(
    "objection.lodged",
    N_("Objections to resolve (staff)"),
    N_("An objection to %(applicant)s's public notice"),
    N_("%(programme)s: “%(reason)s”. Uphold or dismiss it before the appointment."),
    link=("hosting.queue", {}),
    answer=True,
    email_default=True,
    staff=True,
)
ASSESSMENT_PUBLISHED = Kind(
    "assessment.published",
    N_("Quarterly assessment (三色预警)"),
    N_("Your assessment for %(quarter)s: %(colour)s"),
    N_(
        "Your rating for %(quarter)s is %(colour)s. Your profile shows each measure and what "
        "would lift it."
    ),
    link=("profile.show", {}),
    labels={"colour": "colour"},
    sms=("quarter", "colour"),
)

# ---------------------------------------------------------------------------- helpers (代办)

HELPER_UNKNOWN_PHONE = Text(
    "helpers.unknown_phone",
    "no member has this mobile number: the helper signs up first",
    N_("Nobody has an account with this mobile number. Ask your helper to sign up first."),
)
HELPER_SELF = Text(
    "helpers.self",
    "you cannot name yourself as your helper",
    N_("This is your own number. Enter your helper's mobile number."),
)
HELPER_NOT_ACTIVE = Text(
    "helpers.not_active",
    "this member's account is not active",
    N_("This member's account is closed, so they cannot help anyone for now."),
)
HELPER_SCOPES_NEEDED = Text(
    "helpers.scopes_needed",
    "choose at least one of {values}",
    N_("Tick at least one thing your helper may do for you."),
)
HELPER_END_NEEDED = Text(
    "helpers.end_needed",
    "must be a date (YYYY-MM-DD)",
    N_("Enter the last day your helper may act for you, like 2027-06-30."),
)
HELPER_END_PAST = Text(
    "helpers.end_past",
    "must be today or later",
    N_("The last day cannot be in the past."),
)
HELPER_END_TOO_FAR = Text(
    "helpers.end_too_far",
    "must be within {days} days from today",
    N_("Name a last day within %(days)s days from today; you can name the helper again then."),
)
HELPER_GRANTER = Text(
    "helpers.granter",
    "only the resident, or a social worker of their community who witnessed their consent "
    "in person, names a helper",
    N_(
        "Only the resident names a helper, or a social worker of their community who heard "
        "them agree in person."
    ),
)
NO_SUCH_GRANT = Text(
    "helpers.no_such_grant", "no such helper grant", N_("That helper was not found.")
)
HELPER_NOT_GRANTED = Text(
    "helpers.not_granted",
    "{name} has not named you their helper for {scope}, or it has ended",
    N_("%(name)s has not asked you to do this for them, or your help has ended."),
)
HELPER_ALREADY_WITHDRAWN = Text(
    "helpers.already_withdrawn",
    "this helper grant was withdrawn already",
    N_("This helper was already withdrawn."),
)
COUNTER_NOT_STAFF = Text(
    "helpers.counter_not_staff",
    "only a social worker of the resident's community acts for them at the counter",
    N_("Only a social worker of the resident's community can act for them at the counter."),
)

# What a resident hears about their helpers (always by SMS too: nobody acts for a resident
# without the resident's own phone being told).

HELPER_GRANTED = Kind(
    "helpers.granted",
    N_("Helpers named (代办)"),
    N_("%(helper)s is now your helper"),
    N_(
        "%(helper)s may act for you until %(ends_on)s: %(scopes)s. You can withdraw this at "
        "any time on My helpers."
    ),
    link=("helping.mine", {}),
    sms=("helper", "ends_on"),
    required=("sms",),
)
HELPER_WITHDRAWN = Kind(
    "helpers.withdrawn",
    N_("Helpers withdrawn"),
    N_("%(helper)s no longer acts for you"),
    N_("%(helper)s can no longer act for you, from %(time)s."),
    link=("helping.mine", {}),
    sms=("helper",),
    required=("sms",),
)
HELPER_ACTED = Kind(
    "helpers.acted",
    N_("Things done for you by a helper (代办)"),
    N_("%(actor)s did something for you"),
    N_("%(actor)s, acting for you, %(what)s at %(time)s."),
    link=("activities.statement", {}),
    sms=("actor", "what"),
    required=("sms",),
)
