"""How store columns map to Arrow/Parquet types, and rows to record batches and back.

JSON columns travel as JSON text (Parquet has no JSON type that every reader understands);
times as microsecond UTC timestamps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from vigil.model.base import UTCDateTime

try:  # pyarrow is a runtime dependency of snapshots and the Spark engine only
    import pyarrow as pa  # type: ignore[import-untyped, import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - reported when a snapshot command runs
    pa = None

from vigil.errors import ConfigError

__all__ = ["arrow", "arrow_schema", "from_rows", "to_rows"]


def arrow() -> Any:
    """The pyarrow module, or a ConfigError saying how to install it."""
    if pa is None:
        raise ConfigError("snapshots need pyarrow: pip install pyarrow")
    return pa


def _arrow_type(column: sa.Column[Any]) -> Any:
    t = column.type
    if isinstance(t, UTCDateTime | sa.DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.Integer):  # BigInteger, and the SQLite Integer variant of ids
        return pa.int64()
    if isinstance(t, sa.Float):
        return pa.float64()
    return pa.string()  # String, Text, JSON (as text), enums


def arrow_schema(table: sa.Table, columns: Sequence[str]) -> Any:
    arrow()
    return pa.schema(
        [pa.field(name, _arrow_type(table.c[name]), nullable=True) for name in columns]
    )


def _json_columns(table: sa.Table, columns: Sequence[str]) -> set[str]:
    return {c for c in columns if isinstance(table.c[c].type, sa.JSON)}


def from_rows(table: sa.Table, columns: Sequence[str], schema: Any, rows: Sequence[Any]) -> Any:
    """A record batch from result rows (tuples in `columns` order)."""
    as_json = _json_columns(table, columns)
    data: dict[str, list[Any]] = {c: [] for c in columns}
    for row in rows:
        for name, value in zip(columns, row, strict=True):
            if name in as_json and value is not None:
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            data[name].append(value)
    return pa.RecordBatch.from_pydict(data, schema=schema)


def to_rows(table: sa.Table, batch: Any) -> list[dict[str, Any]]:
    """Insertable dicts from a record batch, JSON text parsed back."""
    columns = [c for c in batch.schema.names if c in table.c]
    as_json = _json_columns(table, columns)
    rows: list[dict[str, Any]] = batch.select(columns).to_pylist()
    if as_json:
        for row in rows:
            for name in as_json:
                if row[name] is not None:
                    row[name] = json.loads(row[name])
    return rows
