"""A statement lists an account's postings newest first, with a running balance."""

from __future__ import annotations

from points.extensions import db
from points.ledger import services as ledger


def test_pages_walk_the_whole_history_newest_first_without_overlap(issuance, make_wallet):
    wallet = make_wallet(1)
    for i in range(1, 8):
        ledger.transfer(kind="earn", source=issuance, destination=wallet, amount=i, memo=f"第{i}次")
    db.session.commit()
    seen, cursor, pages = [], None, 0
    while True:
        page = ledger.statement(wallet, cursor=cursor, limit=3)
        seen += [(item.amount, item.balance_after, item.memo) for item in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert [amount for amount, _, _ in seen] == [7, 6, 5, 4, 3, 2, 1]
    assert [after for _, after, _ in seen] == [28, 21, 15, 10, 6, 3, 1]
    assert seen[0][2] == "第7次"


def test_a_statement_shows_only_its_own_account(issuance, make_wallet):
    mine, theirs = make_wallet(1, 5), make_wallet(2, 9)
    items = ledger.statement(mine).items
    assert [(i.amount, i.kind) for i in items] == [(5, "earn")]
    assert ledger.statement(theirs).items[0].amount == 9


def test_an_empty_account_has_an_empty_statement(make_wallet):
    page = ledger.statement(make_wallet(1))
    assert (page.items, page.next_cursor) == ([], None)


def test_a_wallets_statement_read_by_member_is_the_wallets_own_and_opens_none(
    issuance, make_wallet
):
    import sqlalchemy as sa

    from points.ledger.models import Account

    mine = make_wallet(1)
    for i in range(1, 6):
        ledger.transfer(kind="earn", source=issuance, destination=mine, amount=i)
    make_wallet(2, 9)
    make_wallet(1, 30, asset="space_minutes")
    db.session.commit()
    cursor, pages = None, []
    while True:
        by_member = ledger.wallet_statement(1, cursor=cursor, limit=2)
        assert by_member == ledger.statement(mine, cursor=cursor, limit=2)
        pages.append([item.amount for item in by_member.items])
        if (cursor := by_member.next_cursor) is None:
            break
    assert pages == [[5, 4], [3, 2], [1]]
    minutes = ledger.wallet_statement(1, "space_minutes").items
    assert [(i.amount, i.balance_after) for i in minutes] == [(30, 30)]
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(Account))
    assert ledger.wallet_statement(3) == ledger.StatementPage(items=[], next_cursor=None)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == accounts
