"""Bulk writes that are fast on both databases.

`upsert` uses INSERT ... ON CONFLICT in batched executemany (SQLAlchemy's
insertmanyvalues); `append` streams rows with COPY on PostgreSQL, where it pays for
append-only tables, and executemany on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, cast

import psycopg
from sqlalchemy import Row, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.errors import ConfigError
from vigil.model import Base

__all__ = ["append", "upsert"]

BATCH = 2000


def _table(model: type[Base] | Table) -> Table:
    if isinstance(model, Table):
        return model
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def upsert(
    session: Session,
    model: type[Base] | Table,
    rows: Iterable[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] = (),
    returning: Sequence[str] = (),
    batch: int = BATCH,
) -> list[Row[Any]]:
    """Insert rows, or on a conflict over `keys` update the `update` columns.

    With `returning`, one row per input row comes back in input order (conflicting rows
    too, with the key columns added), which is how importers map natural keys to ids in
    one round trip per batch.
    Rows inside one batch must not repeat a key (PostgreSQL refuses it).
    """
    table = _table(model)
    dialect = session.get_bind().dialect.name
    insert_fn: Any
    if dialect == "postgresql":
        insert_fn = postgresql.insert
    elif dialect == "sqlite":
        insert_fn = sqlite.insert
    else:
        raise ConfigError(f"bulk upsert does not support the {dialect} database")
    stmt = insert_fn(table)
    set_cols = list(update)
    if returning and not set_cols:
        # DO NOTHING returns nothing for existing rows; a no-op update returns them all.
        set_cols = [keys[0]]
    if set_cols:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in set_cols}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    out: list[Row[Any]] = []
    if returning:
        # RETURNING order is not guaranteed for upserts, so keys come back too and we
        # put the rows back into input order ourselves.
        cols = list(dict.fromkeys([*returning, *keys]))
        stmt = stmt.returning(*(table.c[c] for c in cols))
    for chunk in _chunks(rows, batch):
        result = session.execute(stmt, chunk)
        if returning:
            by_key = {tuple(getattr(r, k) for k in keys): r for r in result}
            out.extend(by_key[tuple(row[k] for k in keys)] for row in chunk)
    return out


def append(
    session: Session,
    model: type[Base] | Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int = BATCH,
) -> int:
    """Append rows (tuples in `columns` order) to an append-only table; returns the count.

    `rows` must not query the same session while it is consumed: on PostgreSQL the
    connection is busy with COPY until the last row.
    """
    table = _table(model)
    dialect = session.get_bind().dialect.name
    count = 0
    if dialect == "postgresql":
        conn = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
        cols = ", ".join(f'"{c}"' for c in columns)
        with conn.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_copy_value(v) for v in row])
                count += 1
        return count
    stmt = table.insert()
    for chunk in _chunks((dict(zip(columns, r, strict=True)) for r in rows), batch):
        session.execute(stmt, chunk)
        count += len(chunk)
    return count


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return value
