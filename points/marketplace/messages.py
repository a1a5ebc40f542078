"""What the marketplace refuses: the catalogue of merchants and benefits, redeeming one,
vouchers at the counter (核销) and the merchant's statement.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`. Raise one with its parameters: `raise Conflict(M.CLOSED_ON, date=day)`.
Times are aware datetimes: the API reads them in UTC, pages in the community's time.
"""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text
from points.notifications.kinds import Kind

# ---------------------------------------------------------------------------- shared here
# Sentences other domains raise as well: the one Text of `points.messages`, by a local name.

ACCOUNT_NOT_ACTIVE = shared.ACCOUNT_NOT_ACTIVE
ONE_OF = shared.ONE_OF
UNKNOWN_COMMUNITY = shared.NOT_A_COMMUNITY

# ---------------------------------------------------------------------------- catalogue (seed)

CODE_SHAPE = shared.CODE_SHAPE
UNKNOWN_MERCHANT = Text(
    "marketplace.unknown_merchant",
    "is not a merchant of the marketplace",
    N_("There is no such merchant. Choose one from the list."),
)
UNKNOWN_PROVIDER = Text(
    "marketplace.unknown_provider",
    "is not a provider code",
    N_("There is no merchant with this code."),
)
LIMIT_HALF_GIVEN = Text(
    "marketplace.limit_half_given",
    "give both per_member_limit and limit_period, or neither",
    N_("Give both the limit per member and its period, or neither."),
)
SPACE_MINUTES_MISPLACED = Text(
    "marketplace.space_minutes_misplaced",
    "space-use rights, and only they, give space_minutes",
    N_("Space minutes belong to space-use rights, and only to them."),
)
NOT_A_DATE = Text(
    "marketplace.not_a_date",
    "must be a date",
    N_("Enter a date."),
)

# ---------------------------------------------------------------------------- redeeming

NO_SUCH_BENEFIT = Text(
    "marketplace.no_such_benefit",
    "no such benefit",
    N_("That benefit was not found."),
)
IDEMPOTENCY_KEY_SHAPE = Text(
    "marketplace.idempotency_key_shape",
    "must be printable text of at most {limit} characters",
    N_("Use at most %(limit)s printable characters."),
)
SOLD_OUT = Text(
    "marketplace.sold_out",
    "sold out: no stock left",
    N_("Sold out: none left."),
)
LEVEL_NEEDED = Text(
    "marketplace.level_needed",
    "this benefit needs level {level} or above",
    N_("This benefit is for %(level)s and above."),
    labels={"level": "level"},
)
OPENS_ON = Text(
    "marketplace.opens_on",
    "this benefit opens on {date:%Y-%m-%d}",
    N_("This benefit opens on %(date)s."),
)
CLOSED_ON = Text(
    "marketplace.closed_on",
    "this benefit closed on {date:%Y-%m-%d}",
    N_("This benefit closed on %(date)s."),
)
LIMIT_REACHED = Text(
    "marketplace.limit_reached",
    "limit reached: {limit} per {period} per member, you have {used}",
    N_("You have reached the limit for this benefit: %(limit)s per member (%(period)s)."),
    labels={"period": "period"},
)

# ---------------------------------------------------------------------------- vouchers

NO_SUCH_VOUCHER = Text(
    "marketplace.no_such_voucher",
    "no such voucher",
    N_("That voucher was not found."),
)
ALREADY_USED = Text(
    "marketplace.already_used",
    "this voucher was already used and cannot be cancelled",
    N_("This voucher was already used, so it cannot be cancelled."),
)
CANCELLED_AT = Text(
    "marketplace.cancelled_at",
    "this voucher was cancelled at {time:%Y-%m-%d %H:%M} UTC",
    N_("This voucher was cancelled at %(time)s."),
)
EXPIRED_AT = Text(
    "marketplace.expired_at",
    "this voucher expired at {time:%Y-%m-%d %H:%M} UTC",
    N_("This voucher expired at %(time)s."),
)

# ---------------------------------------------------------------------------- the counter (核销)

CODE_TYPED = Text(
    "marketplace.code_typed",
    "type the 9-character code on the voucher",
    N_("Type the 9 letters and digits on the voucher, e.g. ABC-DEF-GHJ."),
)
STAFF_CONFIRM = Text(
    "marketplace.staff_confirm",
    "only a merchant's staff confirm its vouchers",
    N_("Only the merchant's own staff can do this."),
)
STAFF_SEE = Text(
    "marketplace.staff_see",
    "only a merchant's staff see its vouchers",
    N_("Only the merchant's own staff can do this."),
)
NO_VOUCHER_HERE = Text(
    "marketplace.no_voucher_here",
    "no voucher with this code here; check the code",
    N_("No voucher of yours has this code. Check the letters and try again."),
)
CONFIRMED_AT = Text(
    "marketplace.confirmed_at",
    "already confirmed at {time:%Y-%m-%d %H:%M} UTC by {name}",
    N_("Already used: confirmed at %(time)s by %(name)s."),
)
NOT_CONFIRMED = Text(
    "marketplace.not_confirmed",
    "this voucher is not confirmed; there is nothing to undo",
    N_("This voucher has not been used, so there is nothing to undo."),
)
UNDO_TOO_LATE = Text(
    "marketplace.undo_too_late",
    "confirmed at {time:%Y-%m-%d %H:%M} UTC; a confirmation can be undone within {minutes} "
    "minutes only",
    N_(
        "This confirmation can no longer be undone: it was made at %(time)s, and a "
        "confirmation can be undone within %(minutes)s minutes only."
    ),
)
UNDO_EXPIRED = Text(
    "marketplace.undo_expired",
    "this voucher expired at {time:%Y-%m-%d %H:%M} UTC, so it cannot be usable again; "
    "the confirmation stands",
    N_(
        "This voucher expired at %(time)s, so it cannot be made usable again: the "
        "confirmation stands."
    ),
)
UNDO_SPACE_RIGHT = Text(
    "marketplace.undo_space_right",
    "a space-use right's confirmation is not undone at the counter",
    N_("A space-use right cannot be undone at the counter: its minutes are already credited."),
)
# Who confirmed a voucher the platform confirmed itself (space-use rights, instantly).
THE_SYSTEM = Text("marketplace.the_system", "the system", N_("the system"))
MONTH_SHAPE = Text(
    "marketplace.month_shape",
    "must be a month like 2026-11",
    N_("Give the month like 2026-11."),
)


# ---------------------------------------------------------------------------- notifications
# What a member hears about their vouchers (see points/notifications/kinds.py).

VOUCHER_CONFIRMED = Kind(
    "voucher.confirmed",
    N_("Vouchers used (核销)"),
    N_("Your voucher for %(benefit)s is used"),
    N_(
        "%(merchant)s confirmed your voucher for %(benefit)s ×%(quantity)s at %(time)s: "
        "%(points)s points."
    ),
    link=("market.voucher", {"redemption_id": "voucher"}),
    priority="low",
)
VOUCHER_UNDONE = Kind(
    "voucher.undone",
    N_("Voucher confirmations undone (撤销)"),
    N_("Your voucher for %(benefit)s can be used again"),
    N_(
        "%(merchant)s undid the confirmation of your voucher for %(benefit)s ×%(quantity)s "
        "at %(time)s. It can be used again until %(expires)s; its %(points)s points are "
        "held for it."
    ),
    link=("market.voucher", {"redemption_id": "voucher"}),
)
VOUCHER_EXPIRING = Kind(
    "voucher.expiring",
    N_("Vouchers about to expire"),
    N_("Your voucher for %(benefit)s expires soon"),
    N_(
        "Use your voucher for %(benefit)s at %(merchant)s before %(expires)s; after that it "
        "is void and the points come back."
    ),
    link=("market.voucher", {"redemption_id": "voucher"}),
    priority="urgent",
    answer=True,
    deadline="expires",
    sms=("benefit", "merchant", "expires"),
)
VOUCHER_EXPIRED = Kind(
    "voucher.expired",
    N_("Vouchers expired"),
    N_("Your voucher for %(benefit)s has expired"),
    N_(
        "It was not used by %(expires)s, so it is void: its %(points)s points are yours "
        "again, to redeem this or another benefit."
    ),
    link=("market.benefit", {"benefit_id": "benefit_id"}),
)
