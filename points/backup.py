"""Online backup and restore of the whole database, for `flask --app points ops backup|restore`.

SQLite: the sqlite3 online backup API copies the live file page by page, in steps, from a
connection that holds one read transaction for the whole copy. In WAL mode a reader never
blocks writers, and the held snapshot means the copy is exactly the database at its start
(WAL content included) and is never restarted by concurrent commits. The copy is switched to
the rollback journal, checked, synced and only then moved into place, so it is one plain
SQLite file that opens on its own.

PostgreSQL: `pg_dump -Fc` in a REPEATABLE READ snapshot exported by our own transaction, so
the ledger head and counts we print are those of the dump; restore is `pg_restore --clean
--if-exists --single-transaction`, all or nothing.

Services take paths and the database URL and raise `BackupError`; the caller verifies the
ledger after a restore.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from points import messages as M
from points.errors import PointsError
from points.ledger.models import LedgerHead, Transfer
from points.members.models import Member

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Tables that make a file a backup of this app (the migrations create them all).
REQUIRED_TABLES = ("alembic_version", LedgerHead.__tablename__, Transfer.__tablename__)
MIGRATIONS = Path(__file__).parent / "migrations"
STEP_PAGES = 1024  # 4 MiB a step with 4 KiB pages
BUSY_TIMEOUT_MS = 30_000


class BackupError(PointsError):
    """A backup or restore could not be made; nothing was changed."""

    code = "backup_failed"


class BackupExists(BackupError):
    """The backup's path already holds a file, and overwriting was not asked for."""

    code = "backup_exists"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    method: str  # how it was made or restored, in words
    head_seq: int
    head_hash: str
    members: int
    transfers: int
    revision: str | None  # the Alembic revision of the schema


def schema_head() -> str | None:
    """The Alembic revision this code's migrations end at."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def backup_database(
    database_url: str | URL, path: str | os.PathLike, *, force: bool = False, **steps
) -> BackupInfo:
    """Write a consistent copy of the live database to `path` (refused if it exists unless
    `force`); returns what was written. `steps` (pages, sleep) tune the SQLite copy."""
    url = make_url(database_url)
    target = _writable_target(Path(path), force=force)
    if url.get_backend_name() == "sqlite":
        if target == _sqlite_path(url):
            raise BackupError(M.BACKUP_IS_DATABASE, path=target)
        return _backup_sqlite(_sqlite_path(url, must_exist=True), target, force=force, **steps)
    if url.get_backend_name() == "postgresql":
        return _backup_postgresql(url, target, force=force)
    raise BackupError(M.BACKUP_BACKEND, backend=url.get_backend_name())


def restore_database(database_url: str | URL, path: str | os.PathLike) -> BackupInfo:
    """Replace the configured database's data with the backup at `path`; returns what the
    database now holds. The caller should verify the ledger afterwards."""
    url = make_url(database_url)
    source = Path(path).expanduser().absolute()
    kind = _backup_kind(source)
    backend = url.get_backend_name()
    if kind != backend:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            M.RESTORE_KIND, path=source, kind=names[kind], backend=names.get(backend, backend)
        )
    if backend == "sqlite":
        database = _sqlite_path(url)
        if source == database:
            raise BackupError(M.RESTORE_IS_DATABASE, path=source)
        return _restore_sqlite(source, database)
    return _restore_postgresql(source, url)


# ---------------------------------------------------------------------------- paths


def _writable_target(path: Path, *, force: bool) -> Path:
    path = path.expanduser().absolute()
    folder = path.parent
    if not folder.exists():
        raise BackupError(M.FOLDER_MISSING, folder=folder)
    if not folder.is_dir():
        raise BackupError(M.NOT_A_FOLDER, folder=folder)
    if path.is_dir():
        raise BackupError(M.PATH_IS_FOLDER, path=path)
    if path.exists() and not force:
        raise BackupExists(M.BACKUP_EXISTS, path=path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(M.FOLDER_NOT_WRITABLE, folder=folder)
    return path


def _scratch_file(target: Path) -> Path:
    """An empty file beside `target` to write into before it is moved into place."""
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:
        raise BackupError(M.CANNOT_WRITE_IN, folder=target.parent, reason=error.strerror) from None
    os.close(fd)
    return Path(name)


def _put_in_place(scratch: Path, target: Path, *, force: bool) -> None:
    """Sync `scratch` and move it to `target` (atomically; never over a file unless forced)."""
    try:
        with open(scratch, "rb+") as file:
            os.fsync(file.fileno())
        if force:
            os.replace(scratch, target)
        else:
            try:
                os.link(scratch, target)  # fails if `target` appeared meanwhile
            except FileExistsError:
                raise BackupExists(M.BACKUP_EXISTS, path=target) from None
            except OSError:  # a file system without hard links
                if target.exists():
                    raise BackupExists(M.BACKUP_EXISTS, path=target) from None
                os.replace(scratch, target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as error:
        raise BackupError(M.CANNOT_WRITE, path=target, reason=error.strerror) from None
    finally:
        scratch.unlink(missing_ok=True)


def _backup_kind(path: Path) -> str:
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(M.BACKUP_MISSING, path=path) from None
    except IsADirectoryError:
        raise BackupError(M.BACKUP_IS_FOLDER, path=path) from None
    except OSError as error:
        raise BackupError(M.CANNOT_READ, where=path, reason=error.strerror) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(M.NOT_A_BACKUP, path=path)


# ---------------------------------------------------------------------------- SQLite


def _sqlite_path(url: URL, *, must_exist: bool = False) -> Path:
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(M.SQLITE_NOT_A_FILE)
    path = Path(name).expanduser().absolute()
    if must_exist and not path.is_file():
        raise BackupError(M.DATABASE_MISSING, path=path)
    return path


def _connect(path: Path, *, read_only: bool = False, create: bool = False) -> sqlite3.Connection:
    mode = "ro" if read_only else ("rwc" if create else "rw")
    connection = sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


def _sqlite_info(connection: sqlite3.Connection, path: Path, method: str) -> BackupInfo:
    seq, digest = connection.execute(
        f"SELECT seq, hash FROM {LedgerHead.__tablename__} WHERE id = 1"
    ).fetchone()
    count = "SELECT count(*) FROM {}".format
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return BackupInfo(
        path=path,
        size=path.stat().st_size,
        method=method,
        head_seq=seq,
        head_hash=digest,
        members=connection.execute(count(Member.__tablename__)).fetchone()[0],
        transfers=connection.execute(count(Transfer.__tablename__)).fetchone()[0],
        revision=revision[0] if revision else None,
    )


def _backup_sqlite(
    database: Path, target: Path, *, force: bool, pages: int = STEP_PAGES, sleep: float = 0.005
) -> BackupInfo:
    scratch = _scratch_file(target)
    try:
        try:
            source = _connect(database)
            copy = sqlite3.connect(scratch, isolation_level=None)
            try:
                # One read transaction across every step: a fixed snapshot that writers
                # (appending to the WAL) never wait for and never invalidate.
                source.execute("BEGIN")
                source.execute(f"SELECT seq FROM {LedgerHead.__tablename__}").fetchone()
                source.backup(copy, pages=pages, sleep=sleep)
                source.execute("COMMIT")
                # A self-contained file: no -wal beside it, nothing to recover on open.
                copy.execute("PRAGMA journal_mode = DELETE")
                _check_sqlite(copy, target)
                info = _sqlite_info(copy, scratch, "SQLite online backup")
            finally:
                copy.close()
                source.close()
        except sqlite3.Error as error:
            raise BackupError(M.BACKUP_FAILED, database=database, reason=str(error)) from None
        _put_in_place(scratch, target, force=force)
    finally:
        for leftover in (scratch, *(Path(f"{scratch}-{x}") for x in ("journal", "wal", "shm"))):
            leftover.unlink(missing_ok=True)
    return BackupInfo(**{**info.__dict__, "path": target})


def _check_sqlite(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a file that is damaged or is not this app's database."""
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
        listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in listed}
    except sqlite3.DatabaseError as error:
        raise BackupError(M.SQLITE_UNREADABLE, path=path, reason=str(error)) from None
    if result != "ok":
        raise BackupError(M.DAMAGED, path=path, result=result)
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(M.SQLITE_NOT_OURS, path=path, missing=missing)


def _restore_sqlite(source_path: Path, database: Path) -> BackupInfo:
    if not database.parent.is_dir():
        raise BackupError(M.DATABASE_FOLDER_MISSING, folder=database.parent)
    try:
        source = _connect(source_path, read_only=True)
    except sqlite3.Error as error:
        raise BackupError(M.CANNOT_OPEN, path=source_path, reason=str(error)) from None
    try:
        _check_sqlite(source, source_path)
        target = _connect(database, create=True)
        try:
            # The backup API writes the whole file under the target's own write lock, so
            # connections the app may still hold see either the old data or the new.
            source.backup(target)
            target.execute("PRAGMA journal_mode = WAL")
            info = _sqlite_info(target, database, f"SQLite backup API into {database}")
            size = source_path.stat().st_size
            return BackupInfo(**{**info.__dict__, "path": source_path, "size": size})
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(M.RESTORE_FAILED, database=database, reason=str(error)) from None
    finally:
        source.close()


# ---------------------------------------------------------------------------- PostgreSQL


def _pg_tool(name: str) -> str:
    """The newest `name` (pg_dump, pg_restore): on PATH, else in /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    versions.sort(key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()])
    if versions:
        return versions[-1]
    raise BackupError(M.TOOL_NOT_FOUND, name=name)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the command-line tools; the password goes in the env."""
    env = {**os.environ, "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", "10")}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _where(url: URL) -> str:
    return f"database {url.database} at {url.host or 'localhost'}:{url.port or 5432}"


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    except OSError as error:
        raise BackupError(
            M.CANNOT_RUN, what=what, command=command[0], reason=error.strerror
        ) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(
            M.COMMAND_FAILED, what=what, detail=" / ".join(detail[-3:]) or done.returncode
        )


def _pg_info(connection: sa.Connection, path: Path, size: int, method: str) -> BackupInfo:
    head = connection.execute(
        sa.text(f"SELECT seq, hash FROM {LedgerHead.__tablename__} WHERE id = 1")
    ).one()
    count = "SELECT count(*) FROM {}".format
    return BackupInfo(
        path=path,
        size=size,
        method=method,
        head_seq=head.seq,
        head_hash=head.hash,
        members=connection.scalar(sa.text(count(Member.__tablename__))),
        transfers=connection.scalar(sa.text(count(Transfer.__tablename__))),
        revision=connection.scalar(sa.text("SELECT version_num FROM alembic_version")),
    )


def _engine(url: URL) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _backup_postgresql(url: URL, target: Path, *, force: bool) -> BackupInfo:
    pg_dump = _pg_tool("pg_dump")
    conninfo, env = _libpq(url)
    scratch = _scratch_file(target)
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the snapshot this transaction holds open: what we count
                # below is exactly what it dumps.
                snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
                info = _pg_info(connection, target, 0, "")
                _run(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(scratch)]
                    + ["--dbname", conninfo],
                    env,
                    f"pg_dump of {_where(url)}",
                )
        _put_in_place(scratch, target, force=force)
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(
            M.CANNOT_READ, where=_where(url), reason=str(error.orig or error)
        ) from None
    finally:
        scratch.unlink(missing_ok=True)
        engine.dispose()
    method = f"PostgreSQL pg_dump --format=custom ({pg_dump}) of {_where(url)}"
    return BackupInfo(**{**info.__dict__, "size": target.stat().st_size, "method": method})


def _restore_postgresql(source: Path, url: URL) -> BackupInfo:
    pg_restore = _pg_tool("pg_restore")
    conninfo, env = _libpq(url)
    listing = subprocess.run(
        [pg_restore, "--list", str(source)], env=env, capture_output=True, text=True
    )
    if listing.returncode != 0:
        raise BackupError(M.PGDUMP_UNREADABLE, path=source, reason=listing.stderr.strip())
    missing = [t for t in REQUIRED_TABLES if f" TABLE public {t} " not in listing.stdout]
    if missing:
        raise BackupError(M.PGDUMP_NOT_OURS, path=source, missing=missing)
    _run(
        [pg_restore, "--clean", "--if-exists", "--single-transaction", "--no-owner"]
        + ["--dbname", conninfo, str(source)],
        env,
        f"pg_restore into {_where(url)}",
    )
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return _pg_info(
                connection,
                source,
                source.stat().st_size,
                f"PostgreSQL pg_restore --clean --single-transaction into {_where(url)}",
            )
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(
            M.CANNOT_READ, where=_where(url), reason=str(error.orig or error)
        ) from None
    finally:
        engine.dispose()
