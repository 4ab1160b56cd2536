"""INSERT ... ON CONFLICT statements whose SET clauses merge a row instead of overwriting it.

Re-imports of any age need earliest first-seen, latest last-seen and current fields only
from a newer retrieval; plain CASE expressions mean the same on SQLite and PostgreSQL.
Imports write millions of rows, so a statement is compiled once and run through the
driver's own executemany with values converted as SQLAlchemy would (UTC times, JSON text).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, cast

import orjson
from sqlalchemy import JSON, ColumnElement, DateTime, Dialect, Table, and_, case, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.errors import ConfigError

__all__ = [
    "Excluded",
    "earliest",
    "fill_blank",
    "latest",
    "merge_rows",
    "select_in",
    "when_newer",
]

BATCH = 500
MULTI_ROW_MIN = 16  # fewer rows go through executemany
MULTI_ROW_MAX = 1024  # rows in one multi-row INSERT on SQLite
# SQLite's limit on bound values: 32,766 since 3.32, 999 before.
SQLITE_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
READ_BATCH = min(2000, SQLITE_MAX_VARIABLES - 10)  # keys a read-back names in one IN list
SQLITE_JSON = sqlite3.sqlite_version_info >= (3, 38)  # JSON functions built in

Excluded = Any  # the dialect's `excluded` namespace (columns of the row being inserted)
SetClause = Callable[[Excluded, Table], Mapping[str, ColumnElement[Any]]]
Converter = Callable[[Any], Any]


def earliest(excluded: Excluded, table: Table, column: str) -> ColumnElement[Any]:
    return case((excluded[column] < table.c[column], excluded[column]), else_=table.c[column])


def latest(excluded: Excluded, table: Table, column: str) -> ColumnElement[Any]:
    return case((excluded[column] > table.c[column], excluded[column]), else_=table.c[column])


def fill_blank(excluded: Excluded, table: Table, column: str) -> ColumnElement[Any]:
    """Keep a stored value; fill it only while it is still NULL."""
    return case((table.c[column].is_(None), excluded[column]), else_=table.c[column])


def when_newer(excluded: Excluded, table: Table, column: str, stamp: str) -> ColumnElement[Any]:
    """The new value when the new row's `stamp` is at least the stored one (or none is stored)."""
    newer = and_(
        excluded[stamp].is_not(None),
        or_(table.c[stamp].is_(None), excluded[stamp] >= table.c[stamp]),
    )
    return case((newer, excluded[column]), else_=table.c[column])


@lru_cache(maxsize=65536)  # retrieval times repeat across a page's records
def _sqlite_time(value: datetime | None) -> str | None:
    # The text SQLAlchemy's SQLite DATETIME stores: naive UTC with microseconds.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _aware_time(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _converter(dialect: str, column: Any) -> Converter | None:
    kind = column.type
    if isinstance(kind, JSON):
        return _json_text
    if isinstance(getattr(kind, "impl", kind), DateTime) or isinstance(kind, DateTime):
        return _sqlite_time if dialect == "sqlite" else _aware_time
    return None


class _Compiled:
    """One statement in the driver's own SQL, with how to turn a row into its parameters."""

    def __init__(
        self,
        dialect: Dialect,
        table: Table,
        keys: Sequence[str],
        set_: SetClause | None,
        columns: Sequence[str],
        tuples: bool,
    ) -> None:
        stmt: Any = (postgresql if dialect.name == "postgresql" else sqlite).insert(table)
        if set_ is None:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        else:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys), set_=dict(set_(stmt.excluded, table))
            )
        compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
        self.sql = str(compiled)
        positional = bool(compiled.positional)
        names = list(compiled.positiontup or []) if positional else list(compiled.binds)
        given = set(columns)
        missing = [n for n in names if n in table.c and n not in given]
        if missing:
            raise ValueError(f"rows for {table.name} lack columns {missing}")
        # Binds that are not row columns are literals of the SET clause.
        constants = {n: compiled.binds[n].effective_value for n in names if n not in given}
        converters = {c: _converter(dialect.name, table.c[c]) for c in columns}
        # One generated function turns a row (a mapping, or a tuple in `columns` order) into
        # the driver's parameters: the per-row loop of an import runs no interpreted steps.
        # The source holds only indices and names of schema columns, never row values.
        scope: dict[str, Any] = {"constants": constants}
        parts = []
        for n in names:
            if n in constants:
                value = f"constants[{n!r}]"
            else:
                value = f"r[{list(columns).index(n)}]" if tuples else f"r[{n!r}]"
                if converters.get(n) is not None:
                    scope[f"f_{len(scope)}"] = converters[n]
                    value = f"f_{len(scope) - 1}({value})"
            parts.append(value if positional else f"{n!r}: {value}")
        body = f"({', '.join(parts)},)" if positional else f"{{{', '.join(parts)}}}"
        self.row_of: Callable[[Any], Any] = eval(f"lambda r: {body}", scope)  # noqa: S307
        self.key_of = {k: list(columns).index(k) if tuples else k for k in keys}
        self.multi = _MultiRow.of(self.sql, names, constants) if positional else None
        if self.multi is not None:  # the same values without the SET literals, for VALUES lists
            values = ", ".join(p for n, p in zip(names, parts, strict=True) if n not in constants)
            self.values_of: Callable[[Any], Any] = eval(f"lambda r: ({values},)", scope)  # noqa: S307

    def write(self, cursor: Any, rows: Sequence[Any]) -> None:
        """Run the statement for every row: on SQLite many rows a statement, else executemany."""
        multi = self.multi
        if multi is None:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(self.sql, list(map(self.row_of, rows[start : start + BATCH])))
            return
        start = 0
        while len(rows) - start >= MULTI_ROW_MIN:
            n = multi.size_for(len(rows) - start)
            flat = list(chain.from_iterable(map(self.values_of, rows[start : start + n])))
            cursor.execute(multi.sql(n), [*flat, *multi.tail])
            start += n
        if start < len(rows):
            cursor.executemany(self.sql, list(map(self.row_of, rows[start:])))


class _MultiRow:
    """An INSERT of one VALUES row as INSERT of n rows (SQLite's bound values, then the SET
    clause's). One statement a thousand rows releases the GIL once, not a thousand times,
    so the parser thread and the database do not wait on each other row after row."""

    def __init__(self, head: str, group: str, tail_sql: str, tail: tuple[Any, ...]) -> None:
        self.head, self.group, self.tail_sql, self.tail = head, group, tail_sql, tail
        width = group.count("?")
        self.most = 1 << max(
            0, (min(MULTI_ROW_MAX, SQLITE_MAX_VARIABLES // width)).bit_length() - 1
        )
        self._sql: dict[int, str] = {}

    @classmethod
    def of(cls, sql: str, names: Sequence[str], constants: Mapping[str, Any]) -> _MultiRow | None:
        at = sql.find(" VALUES (")
        end = sql.find(")", at)
        group = sql[at + 8 : end + 1]
        row_names = [n for n in names if n not in constants]
        if at < 0 or set(group) - set("(?, )") or group.count("?") != len(row_names):
            return None
        if names != [*row_names, *constants]:  # SET literals bound after every value
            return None
        return cls(sql[: at + 8], group, sql[end + 1 :], tuple(constants.values()))

    def size_for(self, remaining: int) -> int:
        """Rows for the next statement: a power of two, so few statement texts are cached."""
        return min(self.most, 1 << (remaining.bit_length() - 1))

    def sql(self, n: int) -> str:
        text = self._sql.get(n)
        if text is None:
            text = self._sql[n] = self.head + ", ".join([self.group] * n) + self.tail_sql
        return text


_CACHE: dict[tuple[Any, ...], _Compiled] = {}


@lru_cache(maxsize=1)
def _quick_sqlite_nulls() -> None:
    """Bind None and booleans through sqlite3's adapter registry, as they bind anyway.

    Python's sqlite3 looks up an adapter for every parameter that is not an int, float or
    str; finding none, it probes the type for ``__adapt__`` and raises and clears an
    AttributeError, about three thousand instructions a NULL, a twelfth of an import. A
    registered C callable answering the same value (None stays NULL, True is 1 as before)
    ends the look-up at once. The registry is the process's, and nothing it binds changes.
    """
    nothing: dict[None, None] = {}
    sqlite3.register_adapter(type(None), cast(Callable[[None], None], nothing.get))
    sqlite3.register_adapter(bool, int)


def merge_rows(
    session: Session,
    table: Table,
    rows: Sequence[Any],
    *,
    keys: Sequence[str],
    set_: SetClause | None,
    returning: Sequence[str] = (),
    columns: Sequence[str] | None = None,
) -> dict[Any, tuple[Any, ...]]:
    """Insert rows or merge them; with `returning`, those columns by the last key's value.

    Rows are mappings, or tuples whose values follow `columns`. They must all have the same
    columns and must not repeat a key (PostgreSQL refuses to touch one row twice in a
    statement). With ``set_=None`` conflicting rows are left alone. For `returning`, every
    key column but the last must hold one value across the rows.
    """
    if not rows:
        return {}
    bind = session.get_bind()
    dialect = bind.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        raise ConfigError(f"merging upserts do not support the {dialect.name} database")
    tuples = columns is not None
    names = tuple(columns) if columns is not None else tuple(rows[0])
    token = (
        dialect.name,
        table.name,
        tuple(keys),
        names,
        tuples,
        None if set_ is None else set_.__code__,
    )
    compiled = _CACHE.get(token)
    if compiled is None:
        if dialect.name == "sqlite":
            _quick_sqlite_nulls()
        compiled = _CACHE[token] = _Compiled(dialect, table, keys, set_, names, tuples)
    cursor = _raw(session).cursor()
    try:
        compiled.write(cursor, rows)
    finally:
        cursor.close()
    if not returning:
        return {}
    return _read_back(session, table, rows, [compiled.key_of[k] for k in keys], keys, returning)


def _read_back(
    session: Session,
    table: Table,
    rows: Sequence[Any],
    at: Sequence[Any],
    keys: Sequence[str],
    returning: Sequence[str],
) -> dict[Any, tuple[Any, ...]]:
    fixed = {k: rows[0][i] for k, i in zip(keys[:-1], at[:-1], strict=True)}
    # Per-row checks through itemgetter and set: C loops over a batch's rows.
    if at[:-1] and len(set(map(itemgetter(*at[:-1]), rows))) > 1:
        raise ValueError("read-back needs one value for every key column but the last")
    found = select_in(
        session,
        table,
        (keys[-1], *returning),
        fixed,
        keys[-1],
        sorted(set(map(itemgetter(at[-1]), rows))),
    )
    return {row[0]: tuple(row[1:]) for row in found}


def select_in(
    session: Session,
    table: Table,
    columns: Sequence[str],
    fixed: Mapping[str, Any],
    key: str,
    values: Sequence[Any],
) -> list[Sequence[Any]]:
    """`columns` of the rows whose `key` is one of `values` and whose `fixed` columns match.

    Straight through the driver, a few thousand values a statement: imports look up ids
    by the hundred thousand. Values come back as the driver gives them (on SQLite through
    JSON: text, numbers and NULL only).
    """
    if not values:
        return []
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    selected = ", ".join(quote(c) for c in columns)
    as_json = dialect.name == "sqlite" and SQLITE_JSON
    if as_json:
        # One JSON row instead of a row a match: SQLite's module releases and takes back
        # the GIL for every row it steps through, and the parser thread wants it too.
        selected = f"json_group_array(json_array({selected}))"
    conditions = "".join(f"{quote(k)} = {mark} AND " for k in fixed)
    # Names come from the schema and values are bound, never spliced in.
    head = f"SELECT {selected} FROM {quote(table.name)} WHERE {conditions}{quote(key)} IN "  # noqa: S608
    out: list[Sequence[Any]] = []
    cursor = _raw(session).cursor()
    try:
        for start in range(0, len(values), READ_BATCH):
            chunk = values[start : start + READ_BATCH]
            cursor.execute(f"{head}({', '.join([mark] * len(chunk))})", [*fixed.values(), *chunk])
            if as_json:
                out.extend(orjson.loads(cursor.fetchone()[0]))  # rows as JSON arrays
            else:
                out.extend(cursor.fetchall())
    finally:
        cursor.close()
    return out


def _raw(session: Session) -> Any:
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    return raw
