"""Statements built once with Core and run on the session's own DB-API cursor.

A write path of a handful of one-row statements (a transfer, a hold, a voucher) spends most
of its time not in the database but in SQLAlchemy's work around each statement (building it,
its cache key, the execution context, the result) and in the unit of work. Such a path builds
each statement once with Core, compiles it once per dialect, and runs the compiled SQL
through a DB-API cursor on the session's own connection: the same SQL in the same
transaction, minus the per-call machinery. Driver errors come out as SQLAlchemy's exception
types, as from `Session.execute`. What such a statement changes, the session does not know:
the caller tells it (`persistent` for a row it wrote, expiring what it changed).

A builder is a function of a size (how many rows or ids the statement covers) whose every
parameter is a named bindparam; `Statements.run(builder, size, params)` executes it. The
ledger's builders are in points/ledger/sql.py.
"""

from __future__ import annotations

import functools
import types
import weakref
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.orm.util import identity_key

from points.database import UTCDateTime
from points.extensions import db

# dialect → {(builder, size): (sql, parameter order or None for named parameters)}
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT_SIZE = 16  # statements over more rows are compiled when used, unless a power of two


class Executed(types.SimpleNamespace):
    """The `context` execution listeners get for a runner's statement: there is no
    SQLAlchemy execution context, so this carries what listeners read of one (statement,
    parameters, executemany) and takes what they keep on it (a start time)."""


class Statements:
    """A DB-API cursor on the session's connection that runs the builders' statements."""

    __slots__ = ("connection", "cursor", "dialect", "known")

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.cursor = self.connection.connection.cursor()
        known = _compiled.get(self.dialect)
        if known is None:
            known = _compiled[self.dialect] = {
                "stamp": UTCDateTime().dialect_impl(self.dialect).bind_processor(self.dialect)
            }
        self.known = known

    def __enter__(self) -> Statements:
        return self

    def __exit__(self, *_exc) -> None:
        self.cursor.close()

    def stamp(self, moment: datetime):
        """`moment` as the dialect stores a UTCDateTime (naive UTC text on SQLite)."""
        return self.known["stamp"](moment)

    def _sql(self, build, size: int) -> tuple[str, tuple[str, ...] | None]:
        found = self.known.get((build, size))
        if found is None:
            compiled = build(size).compile(dialect=self.dialect)
            if any(bind.value is not None for bind in compiled.binds.values()):
                raise TypeError(f"{build.__name__}: every parameter must be a named bindparam")
            found = (compiled.string, tuple(compiled.positiontup) if compiled.positional else None)
            if size <= _KEPT_SIZE or size & (size - 1) == 0:
                self.known[(build, size)] = found
        return found

    def run(self, build, size: int = 1, params: dict | None = None):
        """Execute the statement `build(size)` with `params`; returns the cursor."""
        sql, order = self._sql(build, size)
        args = (params or {}) if order is None else [params[name] for name in order]
        told = self._before(sql, args, False)
        try:
            self.cursor.execute(sql, args)
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, sql, args) from error
        if told is not None:
            self._after(told)
        return self.cursor

    def rows(self, build, size: int = 1, params: dict | None = None) -> list[tuple]:
        """The rows of the select `build(size)`, each value as its column's type reads it
        (what SQLAlchemy's result processors make of it: booleans, dates and UTC times on
        SQLite, aware UTC times on PostgreSQL)."""
        fetched = self.run(build, size, params).fetchall()
        processors = self.known.get(("rows", build, size))
        if processors is None:
            dialect = self.dialect
            processors = self.known[("rows", build, size)] = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in build(size).selected_columns
            )
        if not any(processors):
            return fetched
        return [
            tuple(
                value if value is None or read is None else read(value)
                for read, value in zip(processors, row, strict=True)
            )
            for row in fetched
        ]

    def objects(self, build, size: int, params: dict | None, *models: type) -> list[tuple]:
        """The rows of the select `build(size)` as persistent objects, one for each of
        `models` a row, as a query loading them would give them: the session's own object
        where it holds that row already, else one filled from the row (`columns(*models)`
        is what the select must select, in that order). A model whose primary key is NULL in
        a row (an outer join that found nothing) gives None."""
        layout = _layout(models)
        found = []
        for row in self.rows(build, size, params):
            found.append(
                tuple(
                    None
                    if row[start + key_at] is None
                    else loaded(model, dict(zip(keys, row[start : start + len(keys)], strict=True)))
                    for model, start, keys, key_at in layout
                )
            )
        return found

    def many(self, build, rows: list[dict]) -> None:
        """Execute the one-row statement `build(1)` for each of `rows` (DB-API executemany)."""
        sql, order = self._sql(build, 1)
        args = rows if order is None else [[row[name] for name in order] for row in rows]
        told = self._before(sql, args, True)
        try:
            self.cursor.executemany(sql, args)
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, sql, args) from error
        if told is not None:
            self._after(told)

    def _before(self, sql: str, args, many: bool) -> Executed | None:
        """Tell the engine's execution listeners (`before_cursor_execute`, then
        `after_cursor_execute`), as SQLAlchemy's own execution would: what counts, times or
        logs statements sees these too. None when nobody listens (the usual case)."""
        dispatch = self.connection.dispatch
        if not (dispatch.before_cursor_execute or dispatch.after_cursor_execute):
            return None
        told = Executed(statement=sql, parameters=args, executemany=many)
        dispatch.before_cursor_execute(self.connection, self.cursor, sql, args, told, many)
        return told

    def _after(self, told: Executed) -> None:
        self.connection.dispatch.after_cursor_execute(
            self.connection,
            self.cursor,
            told.statement,
            told.parameters,
            told,
            told.executemany,
        )

    def _wrapped(self, error: Exception, sql: str, args) -> Exception:
        """The error as SQLAlchemy raises it; a lost connection is invalidated, as it would."""
        dbapi_connection = self.connection.connection.dbapi_connection
        gone = self.dialect.is_disconnect(error, dbapi_connection, self.cursor)
        if gone:
            self.connection.invalidate(error)
        return sa.exc.DBAPIError.instance(
            sql,
            args,
            error,
            self.dialect.loaded_dbapi.Error,
            connection_invalidated=gone,
            dialect=self.dialect,
        )


def columns(*models: type) -> list[sa.Column]:
    """Every column of each of `models`' tables, in order: what `Statements.objects` reads."""
    return [column for model in models for column in model.__table__.columns]


@functools.cache
def _layout(models: tuple[type, ...]) -> tuple[tuple[type, int, tuple[str, ...], int], ...]:
    """For each model: where its columns start in a row of `columns(*models)`, their
    attribute names, and where its primary key is among them."""
    layout, start = [], 0
    for model in models:
        mapper = sa.inspect(model)
        table_columns = list(model.__table__.columns)
        names = tuple(mapper.get_property_by_column(c).key for c in table_columns)
        layout.append((model, start, names, names.index(_key_name(model))))
        start += len(table_columns)
    return tuple(layout)


@functools.cache
def _key_name(model: type) -> str:
    mapper = sa.inspect(model)
    (key,) = mapper.primary_key
    return mapper.get_property_by_column(key).key


def loaded(model: type, values: dict):
    """The persistent `model` object of a row just read: the session's own if it holds that
    row already (its state stands, as after a query), else one made from `values` (every
    column, by attribute name) as `persistent` makes it."""
    held = db.session.identity_map.get(identity_key(model, values[_key_name(model)]))
    return held if held is not None else persistent(model, **values)


def persistent(model: type, **values):
    """A persistent `model` object for a row a statement just wrote, without reading it back:
    its state is filled in as a loader fills it (no attribute events, no history), then it
    joins the session's identity map. `values` must hold every column."""
    made = manager_of_class(model).new_instance()
    instance_dict(made).update(values)
    make_transient_to_detached(made)
    db.session.add(made)
    return made
