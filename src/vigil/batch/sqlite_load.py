"""Snapshot record batches straight into SQLite: each column converted once by Arrow, rows
by `executemany`, stored as the importers store them (`merge_sql`). SQLAlchemy's per-value
binding held a snapshot import to about 25,000 rows a second."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from vigil.batch.arrow_types import arrow
from vigil.model.base import UTCDateTime

__all__ = ["CACHE_MIB", "bulk_loading", "insert_batch", "page_cache"]

# Index pages of tens of millions of rows; the 2 MiB default re-reads them from the OS.
CACHE_MIB = 512


def _column_values(column: sa.Column[Any], values: Any) -> list[Any]:
    pa = arrow()
    kind = column.type
    if isinstance(kind, UTCDateTime | sa.DateTime):
        # SQLAlchemy stores UTC wall-clock text 'YYYY-MM-DD HH:MM:SS.ffffff'; Arrow's cast of
        # a naive microsecond timestamp prints exactly that, ten times faster than strftime.
        values = values.cast(pa.timestamp("us")).cast(pa.string())
    result: list[Any] = values.to_pylist()
    return result


def insert_batch(cursor: Any, table: sa.Table, batch: Any) -> int | None:
    """Insert one record batch with a DB-API sqlite3 cursor: the number of rows, or None
    (nothing inserted) when the store has columns with defaults that the batch lacks."""
    present = [n for n in batch.schema.names if n in table.c]
    if not present or batch.num_rows == 0:
        return 0
    # Positional ("qmark") parameters, as the sqlite3 module takes them, in the order the
    # compiled statement names them.
    statement = table.insert().compile(dialect=sqlite.dialect(), column_keys=present)
    names = list(statement.positiontup or ())
    if not set(names) <= set(present):
        return None  # an older snapshot: SQLAlchemy fills the defaults
    columns = [_column_values(table.c[n], batch.column(n)) for n in names]
    cursor.executemany(str(statement), zip(*columns, strict=True))
    return int(batch.num_rows)


@contextmanager
def page_cache(cursor: Any, mib: int = CACHE_MIB) -> Iterator[None]:
    """A larger SQLite page cache for this connection while a bulk load runs."""
    (before,) = cursor.execute("PRAGMA cache_size").fetchone()
    cursor.execute(f"PRAGMA cache_size={-1024 * int(mib)}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size={int(before)}")


@contextmanager
def bulk_loading(conn: sa.Connection, table: sa.Table) -> Iterator[None]:
    """Fill an empty table without its secondary indexes, then build each once, from sorted
    keys, instead of inserting every row into every index. Call inside the load's
    transaction: SQLite's DDL is transactional, so a failed load gets its indexes back."""
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)
