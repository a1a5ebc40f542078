"""What the shared field checks (`points.validate`, sign-in, request inputs) refuse, the
rules several domains share, and what the app-level modules refuse: every request (inputs,
the API's sign-in), the operators' commands, seed files, backup and restore.

Each Text is a stable key, the API's English sentence and the page's message; see
`points.errors.Text`. Domains keep theirs in their own `messages.py`.
"""

from __future__ import annotations

from points.errors import N_, Text

CONTROL_CHARACTERS = Text(
    "field.control_characters",
    "must not contain control characters",
    N_("Remove the invisible control characters (such as NUL) and send it again."),
)
MOBILE = Text(
    "field.mobile",
    "must be an 11-digit mainland mobile number",
    N_("Enter an 11-digit mainland mobile number, e.g. 13812345678."),
)
REQUIRED = Text("field.required", "is required", N_("This is required."))
TOO_LONG = Text(
    "field.too_long", "must be at most {limit} characters", N_("Use at most %(limit)s characters.")
)
WHOLE_NUMBER = Text(
    "field.whole_number",
    "must be a whole number from {low} to {high}",
    N_("Enter a whole number from %(low)s to %(high)s."),
)
AWARE_TIME = Text(
    "field.aware_time",
    "must be a time like 2026-12-01T19:00+08:00",
    N_("Enter a time like 2026-12-01T19:00+08:00."),
)
TIME_ZONE = Text(
    "field.time_zone",
    "must include the time zone offset, e.g. +08:00",
    N_("Add the time zone offset, e.g. +08:00."),
)
ONE_OF = Text("field.one_of", "must be one of {values}", N_("Choose one of: %(values)s."))
# The same, where the choices are levels: a page names them (居民、志愿者…), not their codes.
ONE_OF_LEVELS = Text(
    "field.one_of_levels",
    "must be one of {values}",
    N_("Choose one of: %(values)s."),
    labels={"values": "level"},
)
DATE_TIME = Text("field.date_time", "must be a date and time", N_("Enter a date and time."))
REQUIRED_AT_MOST_80 = Text(
    "field.required_at_most_80",
    "is required (at most 80 characters)",
    N_("This is required (at most 80 characters)."),
)
CODE_SHAPE = Text(
    "field.code_shape",
    "must be lowercase letters, digits and hyphens",
    N_("Use only lowercase letters, digits and hyphens."),
)
TRUE_OR_FALSE = Text(
    "field.true_or_false",
    "must be true or false",
    N_("Choose yes or no."),
)
END_AFTER_START = Text(
    "field.end_after_start",
    "must be after the start",
    N_("The end must be after the start."),
)
NOT_TEXT = Text(
    "field.not_text",
    "must be text",
    N_("Enter text."),
)
NOT_A_COMMUNITY = Text(
    "field.not_a_community", "is not a community here", N_("Choose your community.")
)

# ---------------------------------------------------------------------------- shared rules

ACCOUNT_NOT_ACTIVE = Text(
    "account.not_active", "this account is not active", N_("This account is closed for now.")
)
NOT_YOUR_COMMUNITY = Text(
    "access.not_your_community",
    "this member is not in your community",
    N_("This member is not in your community."),
)
# n: the capacity of a training session or an activity.
PLACES_TAKEN = Text(
    "places.all_taken", "all {n} places are taken", N_("All %(n)s places are taken.")
)

# ---------------------------------------------------------------------------- every request

NUL = Text(
    "request.nul",
    "must not contain a NUL character",
    N_("Remove the invisible control characters (such as NUL) and send it again."),
)
NO_SUCH_OBJECT = Text("request.no_such_object", "no such object", N_("That was not found."))
SIGN_IN_FIRST = Text(
    "request.sign_in_first",
    "sign in first: send Authorization: Bearer <token>",
    N_("Sign in first."),
)
ASSET = Text(
    "request.asset",
    "must be points or space_minutes",
    N_("Choose points or space minutes."),
)

# ---------------------------------------------------------------------------- operators' commands

NOT_A_REGISTERED_PHONE = Text(
    "cli.not_a_registered_phone",
    "is not a registered mobile number",
    N_("This mobile number is not registered."),
)

# ---------------------------------------------------------------------------- seed files
# Operators read these on the command line (`flask seed`); no page shows them, so they share
# one page message. Each names the file and the entry, as the load stopped there.

_SEED_PAGE = N_("The seed data could not be loaded; nothing was written.")
SEED_FILE_NOT_FOUND = Text("seed.file_not_found", "{file}: file not found", _SEED_PAGE)
SEED_NOT_TOML = Text("seed.not_toml", "{file}: not valid TOML ({reason})", _SEED_PAGE)
# problem: what the service refused, its fields named ("phone: is required").
SEED_ENTRY = Text("seed.entry", "{file} {where}: {problem}", _SEED_PAGE)
SEED_WRONG_FIELD = Text(
    "seed.wrong_field", "{file} {where}: missing or wrong field {name}", _SEED_PAGE
)
SEED_NEEDS_ADMIN = Text(
    "seed.needs_admin", 'demo.toml: one account needs role = "admin"', _SEED_PAGE
)
SEED_NO_COMMUNITY = Text("seed.no_community", "no community named {community}", _SEED_PAGE)
SEED_NO_GRID = Text("seed.no_grid", "no grid named {grid} in {community}", _SEED_PAGE)

# ---------------------------------------------------------------------------- backup and restore
# `flask ops backup|restore` prints these to the operator (points.backup); no page shows
# them, so they share one page message.

_BACKUP_PAGE = N_("The backup or restore could not be made; nothing was changed.")
BACKUP_IS_DATABASE = Text(
    "backup.is_database", "{path} is the database itself; name another file", _BACKUP_PAGE
)
RESTORE_IS_DATABASE = Text(
    "backup.restore_is_database", "{path} is the database itself; name a backup file", _BACKUP_PAGE
)
BACKUP_BACKEND = Text("backup.backend", "cannot back up a {backend} database", _BACKUP_PAGE)
RESTORE_KIND = Text(
    "backup.restore_kind",
    "{path} is a {kind} backup, but the configured database is {backend}",
    _BACKUP_PAGE,
)
FOLDER_MISSING = Text("backup.folder_missing", "folder {folder} does not exist", _BACKUP_PAGE)
NOT_A_FOLDER = Text("backup.not_a_folder", "{folder} is not a folder", _BACKUP_PAGE)
PATH_IS_FOLDER = Text(
    "backup.path_is_folder", "{path} is a folder; name the backup file to write", _BACKUP_PAGE
)
BACKUP_EXISTS = Text("backup.exists", "{path} already exists", _BACKUP_PAGE)
FOLDER_NOT_WRITABLE = Text(
    "backup.folder_not_writable", "folder {folder} is not writable", _BACKUP_PAGE
)
CANNOT_WRITE_IN = Text(
    "backup.cannot_write_in", "cannot write in folder {folder}: {reason}", _BACKUP_PAGE
)
CANNOT_WRITE = Text("backup.cannot_write", "cannot write {path}: {reason}", _BACKUP_PAGE)
BACKUP_MISSING = Text("backup.missing", "backup file {path} does not exist", _BACKUP_PAGE)
BACKUP_IS_FOLDER = Text("backup.is_folder", "{path} is a folder, not a backup file", _BACKUP_PAGE)
# where: a file, or a database named without its password.
CANNOT_READ = Text("backup.cannot_read", "cannot read {where}: {reason}", _BACKUP_PAGE)
NOT_A_BACKUP = Text(
    "backup.not_a_backup",
    "{path} is not a backup: neither a SQLite database nor a pg_dump custom-format archive",
    _BACKUP_PAGE,
)
SQLITE_NOT_A_FILE = Text(
    "backup.sqlite_not_a_file",
    "an in-memory or URI-named SQLite database cannot be backed up",
    _BACKUP_PAGE,
)
DATABASE_MISSING = Text(
    "backup.database_missing", "database file {path} does not exist", _BACKUP_PAGE
)
BACKUP_FAILED = Text("backup.failed", "backup of {database} failed: {reason}", _BACKUP_PAGE)
SQLITE_UNREADABLE = Text(
    "backup.sqlite_unreadable", "{path} is not a readable SQLite backup: {reason}", _BACKUP_PAGE
)
DAMAGED = Text("backup.damaged", "{path} is damaged: {result}", _BACKUP_PAGE)
# missing: the app's tables the file lacks.
SQLITE_NOT_OURS = Text(
    "backup.sqlite_not_ours",
    "{path} is a SQLite file but not a backup of this app (no {missing})",
    _BACKUP_PAGE,
)
DATABASE_FOLDER_MISSING = Text(
    "backup.database_folder_missing",
    "folder {folder} of the database does not exist",
    _BACKUP_PAGE,
)
CANNOT_OPEN = Text("backup.cannot_open", "cannot open {path}: {reason}", _BACKUP_PAGE)
RESTORE_FAILED = Text(
    "backup.restore_failed", "restore into {database} failed: {reason}", _BACKUP_PAGE
)
TOOL_NOT_FOUND = Text(
    "backup.tool_not_found",
    "{name} was not found on PATH or in /usr/lib/postgresql/*/bin; "
    "install the PostgreSQL client tools (postgresql-client)",
    _BACKUP_PAGE,
)
CANNOT_RUN = Text("backup.cannot_run", "{what}: cannot run {command}: {reason}", _BACKUP_PAGE)
# detail: the tool's last lines of output, or its exit status.
COMMAND_FAILED = Text("backup.command_failed", "{what} failed: {detail}", _BACKUP_PAGE)
PGDUMP_UNREADABLE = Text(
    "backup.pgdump_unreadable", "{path} is not a readable pg_dump archive: {reason}", _BACKUP_PAGE
)
PGDUMP_NOT_OURS = Text(
    "backup.pgdump_not_ours",
    "{path} is a pg_dump archive but not a backup of this app (no {missing})",
    _BACKUP_PAGE,
)

# ---------------------------------------------------------------------------- query parameters
# An API operation refuses a query parameter it does not take (points/api/parameters.py).
NOT_PARAMETERS = Text(
    "request.not_parameters",
    "not a parameter of this operation: {names}",
    N_("This request does not take %(names)s."),
)
NOT_TAKEN = Text(
    "request.not_taken",
    "is not a parameter of this operation; it takes {takes}",
    N_("Not a parameter here; it takes %(takes)s."),
)
NOT_TAKEN_NONE = Text(
    "request.not_taken_none",
    "is not a parameter of this operation; it takes none",
    N_("This request takes no parameters."),
)

# ---------------------------------------------------------------------------- the worker
# A setting the worker reads (points/worker.py) is not a number it can use; names the setting.
SETTING_SECONDS = Text(
    "setting.seconds",
    "must be a number of seconds, at least {least}",
    N_("Must be a number of seconds, at least %(least)s."),
)
