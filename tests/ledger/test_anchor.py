"""The chain head written outside the database: `verify` finds a chain cut short or
rewritten behind it, and a truncated database cannot move the anchor back."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from points.extensions import db
from points.ledger import services as ledger
from points.ledger.anchor import AnchorError, read_anchors, write_anchor
from points.ledger.models import LedgerHead
from points.ledger.verify import verify_ledger
from tests.ledger.conftest import raw as _raw


@pytest.fixture
def anchor_file(app) -> Path:
    return Path(app.config["LEDGER_ANCHOR_PATH"])


@pytest.fixture
def three(make_wallet):
    """Three plain transfers: earn 100, then two moves of 10."""
    a, b = make_wallet(1, 100), make_wallet(2)
    ledger.transfer(kind="transfer", source=a, destination=b, amount=10)
    ledger.transfer(kind="transfer", source=a, destination=b, amount=10)
    db.session.commit()
    return a, b


def _cut_last_transfer() -> None:
    """Delete the newest transfer and make everything else agree, as someone with the
    database but not the key would: every remaining link of the chain stays valid."""
    last = db.session.scalar(sa.select(sa.func.max(LedgerHead.seq)))
    _raw(
        "DELETE FROM postings WHERE transfer_id = (SELECT id FROM transfers WHERE seq = :s)", s=last
    )
    _raw("DELETE FROM transfers WHERE seq = :s", s=last)
    _raw(
        "UPDATE accounts SET balance = (SELECT COALESCE(SUM(amount), 0) FROM postings "
        "WHERE postings.account_id = accounts.id)"
    )
    _raw(
        "UPDATE ledger_head SET seq = :s, hash = (SELECT hash FROM transfers WHERE seq = :s)",
        s=last - 1,
    )


def test_without_an_anchor_verify_says_so_and_passes(app, three):
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "anchor: none yet at" in result.output
    assert "not checked against one" in result.output


def test_the_anchor_command_writes_the_head_owner_only_and_verify_checks_against_it(
    app, three, anchor_file
):
    runner = app.test_cli_runner()
    written = runner.invoke(args=["ledger", "anchor"])
    assert written.exit_code == 0, written.output
    assert "anchored position 3" in written.output
    document = json.loads(anchor_file.read_text())
    head = db.session.execute(sa.select(LedgerHead.seq, LedgerHead.hash)).one()
    assert (document["seq"], document["hash"]) == (head.seq, head.hash) == (3, head.hash)
    assert document["history"] == []
    assert stat.S_IMODE(anchor_file.stat().st_mode) == 0o600
    checked = runner.invoke(args=["ledger", "verify"])
    assert checked.exit_code == 0, checked.output
    assert f"anchor: position 3, hash {head.hash[:16]}…" in checked.output


def test_the_anchor_moves_forward_and_keeps_earlier_heads(ctx, three, anchor_file):
    a, b = three
    first = write_anchor()
    assert write_anchor() == first  # nothing new: the file is left as it was
    ledger.transfer(kind="transfer", source=a, destination=b, amount=5)
    db.session.commit()
    second = write_anchor()
    assert (first.seq, second.seq) == (3, 4)
    assert [x.seq for x in read_anchors(anchor_file)] == [4, 3]
    assert verify_ledger().ok


def test_a_chain_cut_short_behind_the_anchor_is_found(ctx, three, unguarded, anchor_file):
    write_anchor()
    _cut_last_transfer()
    report = verify_ledger()
    assert report.faults == [
        f"the chain ends at position 2, but the anchor ({anchor_file}) records position 3: "
        "1 transfer(s) were cut off the end"
    ]


def test_a_cut_chain_that_grew_again_reads_as_rewritten(ctx, three, unguarded, anchor_file):
    a, b = three
    anchored = write_anchor()
    _cut_last_transfer()
    db.session.expire_all()
    ledger.transfer(kind="transfer", source=a, destination=b, amount=1)
    db.session.commit()
    report = verify_ledger()
    assert len(report.faults) == 1
    assert report.faults[0].startswith("the transfer at position 3 has hash ")
    assert f"records {anchored.hash[:16]}…: the chain was rewritten" in report.faults[0]


def test_a_truncated_database_cannot_move_the_anchor_back(app, three, unguarded, anchor_file):
    write_anchor()
    before = anchor_file.read_text()
    _cut_last_transfer()
    with pytest.raises(AnchorError, match="anchor not moved: the chain ends at position 2"):
        write_anchor()
    runner = app.test_cli_runner()
    for command in (["ledger", "anchor"], ["ledger", "sweep"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1, result.output
        assert "FAULT: anchor not moved" in result.output
    assert anchor_file.read_text() == before


def test_an_unreadable_anchor_is_a_fault(app, three, anchor_file):
    anchor_file.write_text("{not json")
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"FAULT: the anchor file {anchor_file} cannot be read" in result.output


def test_the_sweep_command_anchors_the_head(app, three, anchor_file):
    result = app.test_cli_runner().invoke(args=["ledger", "sweep"])
    assert result.exit_code == 0, result.output
    assert "anchored position 3" in result.output
    assert read_anchors(anchor_file)[0].seq == 3
