"""What a ledger movement reads as on a page, in the page's language.

A transfer's memo is the ledger's own record, written once in Chinese when the points moved
(积分申报 #12 陪伴 2026-11-30 1.5小时) and never changed: transfers are immutable and
hash-chained, so it is not rewritten or parsed. Chinese pages show it as it is. English pages
build the line from the rows behind the movement instead — the claim (its activity type's
English name, date and quantity), the voucher (the benefit's English title), the booking (the
space's English name) — which are the movement's key and parameters; a movement with nothing
behind it reads as its kind (Refund, Adjustment …), never as Chinese text.
"""

from __future__ import annotations

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from points.activities import services as claims
from points.marketplace import services as market
from points.spaces import services as spaces
from points.web.labels import KIND_NAMES, locale


def _claim(claim, here: str) -> str:
    kind = claim.activity_type
    name = kind.name_en if here == "en" else kind.name_zh
    amount = f"{claim.quantity:g}"
    count = 1 if claim.quantity == 1 else 2  # 1.5 hours reads as a plural
    if kind.unit == "hour":
        quantity = ngettext("%(n)s hour", "%(n)s hours", count, n=amount)
    else:
        quantity = ngettext("%(n)s time", "%(n)s times", count, n=amount)
    return _(
        "Claim #%(id)s: %(name)s, %(date)s, %(quantity)s",
        id=claim.id,
        name=name,
        date=format_date(claim.occurred_on, "short"),
        quantity=quantity,
    )


def describe(items) -> dict[int, str]:
    """transfer id → the line for each statement item (ledger.StatementItem), in the page's
    language: the stored memo on Chinese pages, a line built from the rows behind it else."""
    items = list(items)
    here = locale()
    if here != "en":
        return {i.transfer_id: i.memo or str(KIND_NAMES.get(i.kind, i.kind)) for i in items}
    ids = [i.transfer_id for i in items]
    behind = claims.claims_for_transfers(ids)
    vouchers = market.vouchers_by_transfer(ids)
    bookings = spaces.bookings_by_transfer(ids)
    lines = {}
    for item in items:
        if (claim := behind.get(item.transfer_id)) is not None:
            lines[item.transfer_id] = _claim(claim, here)
        elif (voucher := vouchers.get(item.transfer_id)) is not None:
            lines[item.transfer_id] = _(
                "Redeemed: %(title)s ×%(n)s", title=voucher.benefit.title(here), n=voucher.quantity
            )
        elif (booking := bookings.get(item.transfer_id)) is not None:
            lines[item.transfer_id] = _(
                "Space booking #%(id)s: %(space)s", id=booking.id, space=booking.space.name(here)
            )
        else:
            lines[item.transfer_id] = str(KIND_NAMES.get(item.kind, item.kind))
    return lines


def held_memo(line) -> str:
    """A booking's hold on a page in the page's language (a voucher's names its benefit)."""
    if locale() != "en":
        return line.hold.memo
    return str(KIND_NAMES.get(line.hold.kind, line.hold.kind))


# Claims the platform writes for work another domain verified carry a source key and its
# parameter ("ticket-report:12"); English pages say what it was from that, not the note the
# code wrote in Chinese (随手拍 #12). A member's own note is shown as they wrote it.
SOURCE_NAMES = {
    "ticket-report": _l("Report (随手拍) #%(id)s"),
    "ticket-follow": _l("Work order #%(id)s"),
    "ticket-handle": _l("Work order #%(id)s"),
}


def claim_note(claim) -> str:
    """A claim's note in the page's language: a verified award's from its source key."""
    if locale() == "en" and claim.source:
        what, _sep, ident = claim.source.partition(":")
        if what in SOURCE_NAMES:
            return str(SOURCE_NAMES[what]) % {"id": ident}
    return claim.note
