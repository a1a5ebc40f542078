"""Backup and restore (`flask --app points ops backup|restore`), on both databases.

A backup taken while writers commit holds every write acknowledged before it began, restores
into a ledger that verifies, and a restore replaces the data; bad paths change nothing.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from points import backup
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.members import services as members
from points.members.models import Member


def _transfer_ids() -> set[int]:
    return set(db.session.scalars(sa.select(Transfer.id)))


def _state() -> dict:
    """Everything a restore should bring back: members, transfers, each account's balance."""
    state = {
        "members": sorted(db.session.scalars(sa.select(Member.phone))),
        "transfers": sorted(_transfer_ids()),
        "balances": sorted(db.session.execute(sa.text("SELECT id, balance FROM accounts")).all()),
    }
    db.session.commit()  # holding no lock the restore would wait for
    return state


def _fresh_session() -> None:
    """Forget pooled connections: the database was replaced under them."""
    db.session.remove()
    db.engine.dispose()


@pytest.fixture
def wallets(make_member) -> list[int]:
    """Four members' wallets with 100 points each (transfers 1 to 4)."""
    ids = []
    for _ in range(4):
        wallet = ledger.member_wallet(make_member().id)
        ledger.transfer(
            kind="earn", source=ledger.system_account("issuance"), destination=wallet, amount=100
        )
        ids.append(wallet.id)
    db.session.commit()
    return ids


class Writers:
    """Threads committing ledger writes one by one, recording each acknowledged transfer."""

    def __init__(self, app, wallet_ids: list[int], n: int = 3):
        self.app, self.wallet_ids = app, wallet_ids
        self.acknowledged: list[int] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(n)]

    def _run(self, i: int) -> None:
        with self.app.app_context():
            issuance = ledger.system_account("issuance").id
            db.session.commit()
            step = 0
            while not self.stop.is_set():
                step += 1
                mine = self.wallet_ids[i % len(self.wallet_ids)]
                other = self.wallet_ids[(i + step) % len(self.wallet_ids)]
                try:
                    if step % 2 or other == mine:
                        t = ledger.transfer(
                            kind="earn", source=issuance, destination=mine, amount=1
                        )
                    else:
                        t = ledger.transfer(
                            kind="transfer", source=mine, destination=other, amount=1
                        )
                    transfer_id = t.id
                    db.session.commit()
                except Exception as error:  # reported, so the test fails with the reason
                    db.session.rollback()
                    self.errors.append(repr(error))
                    return
                with self.lock:
                    self.acknowledged.append(transfer_id)
            db.session.remove()

    def __enter__(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.acknowledged) < count and not self.errors:
            assert time.monotonic() < deadline, "the writers made no progress"
            time.sleep(0.01)

    def snapshot(self) -> set[int]:
        with self.lock:
            return set(self.acknowledged)


# ---------------------------------------------------------------------------- under load


def test_a_backup_under_write_load_holds_every_acknowledged_write_and_verifies(
    app, ctx, db_url, dialect, wallets, tmp_path
):
    path = tmp_path / "nightly.backup"
    with Writers(app, wallets) as writers:
        writers.wait_for(30)
        before = writers.snapshot()
        # Small steps with pauses make the SQLite copy last while the writers commit.
        info = backup.backup_database(db_url, path, pages=4, sleep=0.005)
        during = len(writers.snapshot()) - len(before)
        writers.wait_for(len(before) + during + 10)  # and they keep going after it
    assert writers.errors == []
    assert during > 0, "writers were blocked while the backup ran"
    assert path.is_file() and info.path == path and info.size == path.stat().st_size
    assert info.transfers >= len(before) + len(wallets)

    if dialect == "sqlite":
        # One plain file that opens on its own: no WAL beside it, nothing to recover.
        assert not Path(f"{path}-wal").exists()
        alone = sqlite3.connect(path)
        assert alone.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert alone.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert alone.execute("SELECT count(*) FROM transfers").fetchone()[0] == info.transfers
        alone.close()

    # Restored, the copy is exactly what the backup said it held, and its ledger verifies.
    restored = backup.restore_database(db_url, path)
    _fresh_session()
    ids = _transfer_ids()
    assert before <= ids
    assert len(ids) == info.transfers == restored.transfers
    assert (restored.head_seq, restored.head_hash) == (info.head_seq, info.head_hash)
    assert info.head_seq == len(ids)
    report = verify_ledger()
    assert report.ok, report.faults
    assert report.transfers == info.transfers


# ---------------------------------------------------------------------------- the commands


def test_restore_replaces_the_data_and_verifies_the_ledger(app, ctx, dialect, wallets, tmp_path):
    path = tmp_path / "points.backup"
    runner = app.test_cli_runner()
    saved = _state()
    made = runner.invoke(args=["ops", "backup", str(path)])
    assert made.exit_code == 0, made.output
    assert f"backup written: {path}" in made.output
    method = {"sqlite": "SQLite online backup", "postgresql": "PostgreSQL pg_dump --format=custom"}
    assert f"method:      {method[dialect]}" in made.output
    assert f"transfers:   {len(saved['transfers'])}" in made.output
    assert f"members:     {len(saved['members'])}" in made.output
    assert "ledger head: seq 4, hash " in made.output

    # Life goes on: a new member, more points, a transfer.
    newcomer = members.register_member(
        phone="13811112222", password=None, password_hash="x", name="新人"
    )
    newcomer = ledger.member_wallet(newcomer.id)
    issuance = ledger.system_account("issuance")
    ledger.transfer(kind="earn", source=issuance, destination=newcomer, amount=7)
    ledger.transfer(kind="transfer", source=wallets[1], destination=wallets[2], amount=30)
    db.session.commit()
    changed = _state()
    assert changed != saved

    refused = runner.invoke(args=["ops", "restore", str(path)], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    _fresh_session()
    assert _state() == changed

    done = runner.invoke(args=["ops", "restore", str(path), "--yes"])
    assert done.exit_code == 0, done.output
    assert f"restored {path} into" in done.output
    assert "ledger verify: checked" in done.output and ": OK" in done.output
    _fresh_session()
    assert _state() == saved
    assert verify_ledger().ok
    db.session.rollback()

    # The ledger works on after the restore (on PostgreSQL: sequences and triggers came back).
    again = ledger.transfer(kind="transfer", source=wallets[0], destination=wallets[3], amount=5)
    db.session.commit()
    assert again.seq == len(saved["transfers"]) + 1
    assert verify_ledger().ok


def test_a_restore_whose_ledger_does_not_verify_exits_1_naming_the_fault(
    app, ctx, wallets, tmp_path
):
    db.session.execute(
        sa.text("UPDATE accounts SET balance = balance + 5 WHERE id = :id"), {"id": wallets[0]}
    )
    db.session.commit()
    path = tmp_path / "tampered.backup"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ops", "backup", str(path)]).exit_code == 0
    result = runner.invoke(args=["ops", "restore", str(path), "--yes"])
    assert result.exit_code == 1
    assert f"FAULT: account {wallets[0]}" in result.output
    assert "caches balance 105" in result.output


def test_the_same_backup_made_twice_is_refused_unless_forced(app, ctx, wallets, tmp_path):
    path = tmp_path / "points.backup"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ops", "backup", str(path)]).exit_code == 0
    first = path.read_bytes()
    again = runner.invoke(args=["ops", "backup", str(path)])
    assert again.exit_code == 1
    assert f"{path} already exists; pass --force to overwrite it" in again.output
    assert path.read_bytes() == first
    ledger.transfer(kind="transfer", source=wallets[0], destination=wallets[1], amount=1)
    db.session.commit()
    forced = runner.invoke(args=["ops", "backup", str(path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "transfers:   5" in forced.output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/points.backup", "folder {tmp}/missing does not exist"),
        ("a-file/points.backup", "{tmp}/a-file is not a folder"),
        ("a-folder", "is a directory"),
    ],
)
def test_a_bad_backup_path_is_a_clear_error_and_writes_nothing(
    app, ctx, wallets, tmp_path, where, message
):
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = app.test_cli_runner().invoke(args=["ops", "backup", str(tmp_path / where)])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)  # a message, never a traceback
    assert message.format(tmp=tmp_path) in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_backup_into_an_unwritable_folder_is_a_clear_error(app, ctx):
    # /proc refuses new files even to root, which a chmod cannot promise.
    result = app.test_cli_runner().invoke(args=["ops", "backup", "/proc/points.backup"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "/proc" in result.output


def _sqlite_file_of_another_app(path: Path) -> None:
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (body TEXT)")
    other.commit()
    other.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (None, "backup file {path} does not exist"),
        (lambda p: p.write_text("hello"), "{path} is not a backup: neither a SQLite database"),
        (lambda p: p.write_bytes(b"PGDMP" + b"\0" * 64), "{path} is not a readable pg_dump"),
        (_sqlite_file_of_another_app, "{path} is a SQLite file but not a backup of this app"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
)
def test_restoring_what_is_not_a_backup_is_a_clear_error_and_changes_nothing(
    app, ctx, dialect, wallets, tmp_path, make, message
):
    path = tmp_path / "suspect.backup"
    if make is not None:
        make(path)
    saved = _state()
    result = app.test_cli_runner().invoke(args=["ops", "restore", str(path), "--yes"])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    kind = path.read_bytes()[:5] if path.is_file() else b""
    if dialect == "postgresql" and kind == b"SQLit":
        message = "{path} is a SQLite backup, but the configured database is PostgreSQL"
    if dialect == "sqlite" and kind == b"PGDMP":
        message = "{path} is a PostgreSQL backup, but the configured database is SQLite"
    assert message.format(path=path) in result.output
    _fresh_session()
    assert _state() == saved


def test_a_backup_of_another_schema_revision_restores_with_a_note_to_upgrade(
    app, ctx, wallets, tmp_path
):
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0008'"))
    db.session.commit()
    path = tmp_path / "older.backup"
    runner = app.test_cli_runner()
    try:
        assert runner.invoke(args=["ops", "backup", str(path)]).exit_code == 0
        result = runner.invoke(args=["ops", "restore", str(path), "--yes"])
        assert result.exit_code == 0, result.output
        assert "schema:      revision 0008" in result.output
        assert f"this code's migrations end at {backup.schema_head()}" in result.output
        assert "flask --app points db upgrade" in result.output
    finally:
        _fresh_session()
        db.session.execute(
            sa.text("UPDATE alembic_version SET version_num = :head"),
            {"head": backup.schema_head()},
        )
        db.session.commit()


def test_pg_dump_is_found_on_path_or_else_the_newest_server_version(monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/opt/bin/{name}")
    assert backup._pg_tool("pg_dump") == "/opt/bin/pg_dump"
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    found = ["/usr/lib/postgresql/9.6/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump"]
    found += ["/usr/lib/postgresql/13/bin/pg_dump"]
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: list(found))
    assert backup._pg_tool("pg_dump") == "/usr/lib/postgresql/15/bin/pg_dump"
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    with pytest.raises(backup.BackupError, match="pg_restore was not found on PATH or in"):
        backup._pg_tool("pg_restore")


def test_a_failing_pg_dump_is_a_clear_error_and_leaves_no_file(
    app, ctx, dialect, tmp_path, monkeypatch
):
    if dialect != "postgresql":
        pytest.skip("pg_dump is for PostgreSQL")
    monkeypatch.setattr(backup, "_pg_tool", lambda name: "/bin/false")
    result = app.test_cli_runner().invoke(args=["ops", "backup", str(tmp_path / "p.backup")])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "pg_dump of database" in result.output and "failed" in result.output
    assert list(tmp_path.iterdir()) == []
