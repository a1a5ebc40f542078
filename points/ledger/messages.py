"""What the ledger refuses: each Text is a stable key, the API's English sentence and the
page's message (see `points.errors.Text`).

Text fields that are required or too long use the shared `points.messages.REQUIRED` and
`TOO_LONG`; a reused idempotency key is `points.errors.IDEMPOTENCY_KEY_REUSED`.
"""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text

# ---------------------------------------------------------------------------- arguments

AMOUNT_NOT_WHOLE = Text(
    "ledger.amount_not_whole",
    "must be a whole number of points",
    N_("Enter a whole number of points."),
)
AMOUNT_ZERO = Text("ledger.amount_zero", "must not be zero", N_("Enter an amount other than zero."))
AMOUNT_NOT_POSITIVE = Text(
    "ledger.amount_not_positive", "must be positive", N_("Enter an amount above zero.")
)
AMOUNT_TOO_LARGE = Text(
    "ledger.amount_too_large",
    "must be at most {limit:,} in size",
    N_("Enter an amount of at most %(limit)s."),
)
NOT_TEXT = shared.NOT_TEXT
# The kinds of transfer, or the assets, the ledger knows.
ONE_OF = shared.ONE_OF
NOT_A_MEMBER_ID = Text(
    "ledger.not_a_member_id", "must be a member id", N_("This must be a member's id.")
)
NOT_AN_ACCOUNT = Text(
    "ledger.not_an_account", "must be an account", N_("This must be a ledger account.")
)
NOT_A_SYSTEM_ACCOUNT = Text(
    "ledger.not_a_system_account",
    "is not a system account name",
    N_("This is not the name of a system account."),
)
TOO_FEW_POSTINGS = Text(
    "ledger.too_few_postings",
    "a transfer needs two or more postings",
    N_("A transfer needs two or more postings."),
)
POSTING_SHAPE = Text(
    "ledger.posting_shape",
    "each posting is (account, amount)",
    N_("Give each posting as an account and an amount."),
)
ACCOUNT_TWICE = Text(
    "ledger.account_twice",
    "an account appears twice",
    N_("Each account may appear only once in a transfer."),
)
NOT_A_TRANSFER_SPEC = Text(
    "ledger.not_a_transfer_spec",
    "must be a TransferSpec",
    N_("Each transfer of a bulk posting must be a TransferSpec."),
)
NO_TIME_ZONE = Text(
    "ledger.no_time_zone", "must carry a time zone", N_("Give the time with its time zone.")
)
SAME_ACCOUNT = Text(
    "ledger.same_account",
    "must differ from the source",
    N_("Choose a destination other than the source account."),
)
EXPIRY_NO_ZONE = Text(
    "ledger.expiry_no_zone",
    "must be a time with a zone",
    N_("Give the expiry as a time with its time zone."),
)
EXPIRY_NOT_FUTURE = Text(
    "ledger.expiry_not_future", "must be in the future", N_("Choose an expiry in the future.")
)
PAGE_SIZE = Text(
    "ledger.page_size",
    "must be between {low} and {high}",
    N_("Show from %(low)s to %(high)s movements a page."),
)
BAD_CURSOR = Text(
    "ledger.bad_cursor",
    "is not a cursor this statement gave out",
    N_("This page of the statement cannot be found. Start again from the first page."),
)

# ---------------------------------------------------------------------------- the rules

UNBALANCED = Text(
    "ledger.unbalanced",
    "postings of {asset} do not sum to zero ({total:+d})",
    N_("The postings do not balance: they add up to %(total)s instead of zero."),
)
# The floor, by the asset that falls short (a single transfer or hold; the bulk path names
# the account).
INSUFFICIENT_POINTS = Text(
    "ledger.insufficient_points",
    "only {have} points available, {need} needed",
    N_("Not enough points: %(have)s available, %(need)s needed."),
)
INSUFFICIENT_SPACE_MINUTES = Text(
    "ledger.insufficient_space_minutes",
    "only {have} space_minutes available, {need} needed",
    N_("Not enough space-use minutes: %(have)s available, %(need)s needed."),
)
INSUFFICIENT_IN_ACCOUNT = Text(
    "ledger.insufficient_in_account",
    "only {have} {asset} available in account {account}, {need} needed",
    N_("Account %(account)s does not have enough: %(have)s available, %(need)s needed."),
)
INSUFFICIENT_MONEY = Text(
    "ledger.insufficient_money",
    "only {have} fen available, {need} needed",
    N_("Not enough money in this account: %(have)s fen available, %(need)s needed."),
)
MONEY_MIXED = Text(
    "ledger.money_mixed",
    "a transfer with cny postings may have only cny postings",
    N_("Money and points never move in one transfer."),
)
MIXED_ASSETS = Text(
    "ledger.mixed_assets",
    "holds {source} but the destination holds {destination}",
    N_("The source and the destination hold different things: points or space-use minutes."),
)

# ---------------------------------------------------------------------------- not found

NO_ACCOUNT = Text(
    "ledger.no_account", "account {account} does not exist", N_("That account was not found.")
)
NO_TRANSFER = Text(
    "ledger.no_transfer",
    "transfer {transfer} does not exist",
    N_("That transfer was not found."),
)
NO_HOLD = Text(
    "ledger.no_hold", "hold {hold} does not exist", N_("That hold on points was not found.")
)

# ---------------------------------------------------------------------------- once only

REVERSAL_NOT_REVERSIBLE = Text(
    "ledger.reversal_not_reversible",
    "a reversal cannot itself be reversed; post a new transfer",
    N_("A reversal cannot itself be reversed. Post a new transfer instead."),
)
ALREADY_REVERSED = Text(
    "ledger.already_reversed",
    "transfer {transfer} was already reversed by transfer {reversal} at {at:%Y-%m-%d %H:%M} UTC",
    N_("This transfer was already reversed, at %(at)s."),
)
HOLD_ENDED = Text(
    "ledger.hold_ended",
    "hold {hold} was already {status} at {at:%Y-%m-%d %H:%M:%S} UTC",
    N_("These points are no longer set aside: that ended at %(at)s."),
)
HOLD_EXPIRED = Text(
    "ledger.hold_expired",
    "hold {hold} expired at {at:%Y-%m-%d %H:%M:%S} UTC",
    N_("These points were set aside until %(at)s, which has passed."),
)
HOLD_NOT_PENDING = Text(
    "ledger.hold_not_pending",
    "hold {hold} is no longer pending",
    N_("These points are no longer set aside."),
)
