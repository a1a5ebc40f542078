"""What the programmes domain refuses, and what it tells attendees and social workers.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`. Import as `from points.programmes import messages as M`.
"""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text
from points.notifications.kinds import Kind

ONE_OF = shared.ONE_OF
ACCOUNT_NOT_ACTIVE = shared.ACCOUNT_NOT_ACTIVE

# ---------------------------------------------------------------------------- programmes

HOSTS_ONLY = Text(
    "programmes.hosts_only",
    "only community hosts and staff run programmes",
    N_("Only community hosts and social workers run programmes."),
)
NOT_YOURS = Text(
    "programmes.not_yours",
    "only the programme's host or a social worker of its community may change it",
    N_("Only the programme's host or a social worker of its community may change it."),
)
NO_SUCH_PROGRAMME = Text(
    "programmes.no_such_programme", "no such programme", N_("There is no such programme.")
)
NO_SUCH_HOST = Text(
    "programmes.no_such_host",
    "no community host of yours with that id",
    N_("Choose a community host of your community."),
)
NO_COMMUNITY = Text(
    "programmes.no_community",
    "you belong to no community",
    N_("You belong to no community yet; ask the street office."),
)
FEE_FOR_FREE = Text(
    "programmes.fee_for_free",
    "a free (公益) programme has no fee",
    N_("A 公益 programme is free to residents: leave the fee at 0."),
)
FEE_NEEDED = Text(
    "programmes.fee_needed",
    "a low-fee or market programme needs a fee from {low} to {high} fen "
    "(¥{low_yuan} to ¥{high_yuan})",
    N_("A 低偿 or 市场 programme needs a fee from ¥%(low_yuan)s to ¥%(high_yuan)s."),
)
FEE_SHAPE = Text(
    "programmes.fee_shape",
    "must be an amount in yuan with at most two decimals",
    N_("Enter the fee in yuan, such as 10 or 12.50."),
)
NO_SUCH_SPACE = Text(
    "programmes.no_such_space",
    "no active space of the programme's community",
    N_("Choose a space of your community."),
)
ENDED = Text(
    "programmes.ended", "the programme has ended", N_("This programme has ended.")
)
UNKNOWN_CHANGE = Text(
    "programmes.unknown_change", "cannot change {fields}", N_("These cannot be changed here.")
)

# ---------------------------------------------------------------------------- sessions

NO_SUCH_BOOKING = Text(
    "programmes.no_such_booking",
    "no booking of the programme's host with that id",
    N_("Choose one of the host's own bookings."),
)
BOOKING_NOT_CONFIRMED = Text(
    "programmes.booking_not_confirmed",
    "the booking is {status}, not confirmed",
    N_("Only a confirmed booking can hold a session."),
)
BOOKING_USED = Text(
    "programmes.booking_used",
    "the booking already holds a session",
    N_("That booking already holds a session."),
)
NO_SUCH_SESSION = Text(
    "programmes.no_such_session", "no such session", N_("There is no such session.")
)
NO_UPCOMING = Text(
    "programmes.no_upcoming",
    "the programme has no upcoming session",
    N_("This programme has no upcoming session to sign up for."),
)
TERM_FULL = Text(
    "programmes.term_full",
    "session of {day} is full: the term is all or nothing",
    N_("The session on %(day)s is full, so the whole term cannot be taken. Sign up for "
       "single sessions instead."),
)
NOT_IN_TERM = Text(
    "programmes.not_in_term",
    "you are not signed up for the term",
    N_("You are not signed up for the whole term."),
)
SIGNUP_CHOICE = Text(
    "programmes.signup_choice",
    "give session_id or term: true, not both",
    N_("Choose one session or the whole term."),
)

# ---------------------------------------------------------------------------- ratings

NOT_ENDED = Text(
    "programmes.not_ended",
    "the session has not ended yet",
    N_("You can rate a session once it has ended."),
)
ATTENDEES_ONLY = Text(
    "programmes.attendees_only",
    "only members checked in at the session may rate it",
    N_("Only those who checked in at the session may rate it."),
)
ALREADY_RATED = Text(
    "programmes.already_rated",
    "you have rated this session already",
    N_("You have rated this session already."),
)
STARS = Text(
    "programmes.stars", "must be a whole number from 1 to 5", N_("Choose from 1 to 5 stars.")
)
NO_SUCH_COMPLAINT = Text(
    "programmes.no_such_complaint", "no such complaint", N_("There is no such complaint.")
)
COMPLAINT_DECIDED = Text(
    "programmes.complaint_decided",
    "the complaint is {status} already",
    N_("This complaint has been decided already."),
)
SOCIAL_WORKERS_ONLY = Text(
    "programmes.social_workers_only",
    "only the community's social workers decide complaints",
    N_("Only the community's social workers decide complaints."),
)
DECISION = Text(
    "programmes.decision", "must be uphold or dismiss", N_("Choose uphold or dismiss.")
)

# ---------------------------------------------------------------------------- notifications

RATE_SESSION = Kind(
    "programme.rate_session",
    N_("Rating sessions you attended"),
    N_("Please rate %(programme)s"),
    N_("How was %(programme)s on %(day)s? Give it 1 to 5 stars; the host sees the average."),
    link=("programmes.rate", {"session_id": "session_id"}),
    priority="low",
)
COMPLAINT_LODGED = Kind(
    "programme.complaint",
    N_("Complaints about programmes (staff)"),
    N_("A complaint about %(programme)s"),
    N_("%(resident)s complains about %(programme)s on %(day)s: %(comment)s Uphold or dismiss it."),
    link=("programmes.complaints", {}),
    answer=True,
    email_default=True,
    staff=True,
)
COMPLAINT_UPHELD = Kind(
    "programme.complaint_upheld",
    N_("Your complaints decided"),
    N_("Your complaint about %(programme)s is upheld"),
    N_("Your complaint about %(programme)s on %(day)s is upheld: %(reason)s"),
    link=("programmes.index", {}),
)
COMPLAINT_DISMISSED = Kind(
    "programme.complaint_dismissed",
    N_("Your complaints decided"),
    N_("Your complaint about %(programme)s is dismissed"),
    N_("Your complaint about %(programme)s on %(day)s is dismissed: %(reason)s"),
    link=("programmes.index", {}),
)

# ---------------------------------------------------------------------------- fees

NO_FEE = Text(
    "programmes.no_fee",
    "this programme is 公益 (free): there is no fee to record",
    N_("This programme is free (公益): there is no fee to record."),
)
NOT_A_PARTICIPANT = Text(
    "programmes.not_a_participant",
    "only a member signed up for this session pays its fee",
    N_("Only someone signed up for this session pays its fee."),
)
