"""What the fund domain refuses, and what it tells people: income, 反哺 rates, settlements
and grants.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`.
"""

from __future__ import annotations

from points import messages as shared
from points.errors import N_, Text
from points.notifications.kinds import Kind

ONE_OF = shared.ONE_OF
REQUIRED = shared.REQUIRED
TOO_LONG = shared.TOO_LONG
NOT_YOUR_COMMUNITY = shared.NOT_YOUR_COMMUNITY

# ---------------------------------------------------------------------------- input

AMOUNT_FEN = Text(
    "fund.amount_fen",
    "must be a whole number of fen from 1 to {high}",
    N_("Enter an amount in yuan, from ¥0.01 to %(high)s."),
)
YUAN = Text(
    "fund.yuan",
    "must be an amount in yuan with at most two decimals, e.g. 120.50",
    N_("Enter an amount in yuan with at most two decimals, e.g. 120.50."),
)
DAY = Text("fund.day", "must be a date like 2026-12-01", N_("Enter a date like 2026-12-01."))
DAY_IN_FUTURE = Text(
    "fund.day_in_future", "must not be after today", N_("This date is after today.")
)
MONTH = Text("fund.month", "must be a month like 2026-12", N_("Enter a month like 2026-12."))
TIER_FOR_SOURCE = Text(
    "fund.tier_for_source",
    "{source} takes tier {tiers}",
    N_("This kind of income does not go with that service tier."),
)
RATE_BP = Text(
    "fund.rate_bp",
    "must be a whole number of basis points from 0 to 10000",
    N_("Enter a share from 0 to 100 per cent, with at most two decimals."),
)
PERCENT = Text(
    "fund.percent",
    "must be a percentage from 0 to 100 with at most two decimals",
    N_("Enter a share from 0 to 100 per cent, with at most two decimals."),
)
RATE_START_PAST = Text(
    "fund.rate_start_past",
    "must be today or later: a rate applies from its start",
    N_("A new rate starts today or later; what is recorded keeps its rate."),
)
RATE_WOULD_CHANGE = Text(
    "fund.rate_would_change",
    "income paid on or after {day} is already recorded under the current rate",
    N_("Income paid on or after %(day)s is already recorded. Start the new rate later."),
)
RATE_START_TAKEN = Text(
    "fund.rate_start_taken",
    "a version of this rate already starts on {day}",
    N_("A version of this rate already starts on %(day)s."),
)
NOT_A_COLLECTOR = Text(
    "fund.not_a_collector",
    "must be a host or staff member of this community",
    N_("Choose a host or a staff member of this community."),
)
NOT_A_MARKET_BOOKING = Text(
    "fund.not_a_market_booking",
    "must be a 市场 booking of this community",
    N_("Market rent belongs to a 市场 booking of this community."),
)
NO_SUCH_BOOKING = Text("fund.no_such_booking", "no such booking", N_("That booking was not found."))
BOOKING_ONLY_FOR_RENT = Text(
    "fund.booking_only_for_rent",
    "only market rent is linked to a booking",
    N_("Only market rent is linked to a booking."),
)

# ---------------------------------------------------------------------------- who

STAFF_ONLY = Text(
    "fund.staff_only",
    "only staff of this community may do this",
    N_("Only staff of this community may do this."),
)
ADMIN_ONLY = Text(
    "fund.admin_only", "only an admin may change the rates", N_("Only an admin may change rates.")
)
HOSTS_AND_STAFF = Text(
    "fund.hosts_and_staff",
    "only hosts and staff of this community may do this",
    N_("Only hosts and staff of this community may do this."),
)
REQUESTER_MAY_NOT_APPROVE = Text(
    "fund.requester_may_not_approve",
    "the requester may not approve or reject their own request",
    N_("You asked for this grant, so two other staff members must decide it."),
)
APPROVED_ALREADY = Text(
    "fund.approved_already",
    "you have already approved this request",
    N_("You have already approved this request; a second staff member must approve it."),
)

# ---------------------------------------------------------------------------- states

NO_SUCH_ENTRY = Text("fund.no_such_entry", "no such income entry", N_("That income was not found."))
NO_SUCH_PAYMENT = Text(
    "fund.no_such_payment", "no such settlement payment", N_("That payment was not found.")
)
NO_SUCH_GRANT = Text(
    "fund.no_such_grant", "no such grant request", N_("That request was not found.")
)
NO_SUCH_COMMUNITY = Text(
    "fund.no_such_community", "no such community", N_("That community was not found.")
)
NOT_DECIDABLE = Text(
    "fund.not_decidable",
    "the request is {status}: it can no longer be decided",
    N_("This request has already been decided."),
)
NOT_PAYABLE = Text(
    "fund.not_payable",
    "the request is {status}: only an approved request is paid",
    N_("Only an approved request can be paid."),
)
IN_PUBLIC_WINDOW = Text(
    "fund.in_public_window",
    "shown publicly until {until:%Y-%m-%d %H:%M} UTC before it can be paid",
    N_("This grant is shown publicly first; it can be paid from %(until)s."),
)
APPROVAL_LAPSED = Text(
    "fund.approval_lapsed",
    "the approved amount is no longer set aside; ask again",
    N_("The approval has lapsed: the amount is no longer set aside. Ask again."),
)
NOT_REVERSIBLE = Text(
    "fund.not_reversible",
    "the request is {status}: only a paid grant is reversed",
    N_("Only a paid grant can be reversed."),
)
FUND_SHORT = Text(
    "fund.fund_short",
    "the fund has only {have} fen available, {need} needed",
    N_("The fund has only %(have)s available; %(need)s is needed."),
)
OVERPAID = Text(
    "fund.overpaid",
    "only {have} fen is owed to the fund, {need} declared",
    N_("Only %(have)s is owed to the fund; %(need)s was declared."),
)
PAYMENT_NOT_DECLARED = Text(
    "fund.payment_not_declared",
    "the payment is {status}",
    N_("This payment has already been confirmed."),
)
RECEIPT_USED = Text(
    "fund.receipt_used",
    "this receipt belongs to another request",
    N_("This receipt photo belongs to another request."),
)
INCOME_REVERSED_ALREADY = Text(
    "fund.income_reversed_already",
    "income entry {entry} was already reversed at {at}",
    N_("This income was already reversed (%(at)s)."),
)
REVERSAL_FUND_SHORT = Text(
    "fund.reversal_fund_short",
    "reversing takes {need} from the fund, which has only {have} available (the rest is "
    "granted out or set aside for approved grants)",
    N_(
        "Reversing this income takes %(need)s from the fund, but the fund has only %(have)s "
        "available: the rest has been granted out or set aside for approved grants."
    ),
)

# ---------------------------------------------------------------------------- notifications

GRANT_TO_APPROVE = Kind(
    "fund.grant_to_approve",
    N_("Grant requests to approve"),
    N_("A grant of %(amount)s waits for your approval"),
    N_(
        "%(purpose)s (%(project)s) asks %(amount)s from the community fund. %(approvals)s of 2 "
        "approvals so far."
    ),
    link=("fund.grant", {"grant_id": "grant_id"}),
    sms=("amount",),
    email_default=True,
    staff=True,
    answer=True,
)
GRANT_PAYABLE = Kind(
    "fund.grant_payable",
    N_("Grants to pay"),
    N_("A grant of %(amount)s can be paid from %(day)s"),
    N_("%(purpose)s (%(project)s) is approved: %(amount)s can be paid from %(day)s."),
    link=("fund.grant", {"grant_id": "grant_id"}),
    sms=("amount", "day"),
    email_default=True,
    staff=True,
)
GRANT_APPROVED = Kind(
    "fund.grant_approved",
    N_("Grant requests approved"),
    N_("Your grant request of %(amount)s is approved"),
    N_(
        "Your request of %(amount)s for %(purpose)s is approved by two staff members; it can be "
        "paid from %(day)s."
    ),
    link=("fund.grant", {"grant_id": "grant_id"}),
    sms=("amount", "day"),
)
GRANT_REJECTED = Kind(
    "fund.grant_rejected",
    N_("Grant requests not approved"),
    N_("Your grant request of %(amount)s is not approved"),
    N_("Your request of %(amount)s for %(purpose)s is not approved: %(reason)s"),
    link=("fund.grant", {"grant_id": "grant_id"}),
    sms=("amount", "reason"),
)
PAYMENT_TO_CONFIRM = Kind(
    "fund.payment_to_confirm",
    N_("Fund payments to confirm"),
    N_("%(host)s handed over %(amount)s"),
    N_(
        "%(host)s declares %(amount)s handed over to the fund for %(month)s. Confirm when you "
        "have received it."
    ),
    link=("fund.settlements", {}),
    sms=("host", "amount"),
    email_default=True,
    staff=True,
    answer=True,
)
PAYMENT_CONFIRMED = Kind(
    "fund.payment_confirmed",
    N_("Fund payments confirmed"),
    N_("%(amount)s received by the fund"),
    N_("Staff confirm that the fund received %(amount)s from you for %(month)s."),
    link=("fund.my_settlement", {}),
    sms=("amount", "month"),
)
INCOME_REVERSED = Kind(
    "fund.income_reversed",
    N_("Income reversed"),
    N_("Income of %(amount)s you recorded is reversed"),
    N_(
        "Staff reversed the income of %(amount)s paid on %(day)s: %(reason)s. Its share of "
        "%(share)s is no longer owed to the fund; see your monthly settlement."
    ),
    link=("fund.my_settlement", {}),
)
