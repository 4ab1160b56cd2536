"""Parquet snapshots of the store: accounts, posts, edges, media hashes and observations.

The exchange format between the store and batch engines (Spark reads the files directly) and
a way to hand a dataset to a researcher. Tables stream in batches, so memory stays flat; a
manifest records the schema revision, row counts and each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

import vigil
from vigil.batch.arrow_types import arrow, arrow_schema, from_rows, to_rows
from vigil.batch.sqlite_load import bulk_loading, insert_batch, page_cache
from vigil.errors import ConflictError, InputError
from vigil.model import Base, utcnow
from vigil.store import Database, head_revision, record

__all__ = [
    "FORMAT",
    "SNAPSHOT_TABLES",
    "Manifest",
    "export_snapshot",
    "import_snapshot",
    "iter_batches",
    "read_manifest",
]

log = logging.getLogger(__name__)

FORMAT = "vigil-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH_ROWS = 50_000

# In foreign-key order, so an import inserts parents first. Identities and handles come
# with accounts (resurgence needs them); post_media links posts to media hashes.
SNAPSHOT_TABLES: tuple[str, ...] = (
    "platform",
    "identity",
    "account",
    "account_handle",
    "post",
    "post_reference",
    "mention",
    "follow",
    "media",
    "post_media",
    "status_observation",
)
# A path on the exporting machine means nothing elsewhere.
_EXCLUDED = {("media", "local_path")}

Progress = Callable[[str, int], None]


@dataclass(slots=True)
class Manifest:
    schema_revision: str
    created_at: str
    vigil_version: str
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "vigil_version": self.vigil_version,
            "tables": self.tables,
        }

    def rows(self) -> dict[str, int]:
        return {name: int(t["rows"]) for name, t in self.tables.items()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _columns(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns if (table.name, c.name) not in _EXCLUDED]


def _order(table: sa.Table) -> list[sa.Column[Any]]:
    return list(table.primary_key.columns)


def export_snapshot(
    db: Database,
    out: Path,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
    actor: str = "cli",
) -> Manifest:
    """Write every snapshot table to `out`/<table>.parquet and the manifest; `out` must be
    new or empty. One repeatable-read transaction on PostgreSQL gives a consistent cut."""
    pa = arrow()
    import pyarrow.parquet as pq  # type: ignore[import-untyped, import-not-found, unused-ignore]

    if out.exists() and any(out.iterdir()):
        raise ConflictError(f"{out} is not empty: choose a new directory")
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(
        schema_revision=head_revision(),
        created_at=utcnow().isoformat(),
        vigil_version=vigil.__version__,
    )
    say = progress or (lambda _t, _n: None)
    options: dict[str, Any] = {"stream_results": True}
    if db.dialect == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with db.engine.connect().execution_options(**options) as conn, conn.begin():
        for name in SNAPSHOT_TABLES:
            table = Base.metadata.tables[name]
            columns = _columns(table)
            schema = arrow_schema(table, columns)
            path = out / f"{name}.parquet"
            stmt = sa.select(*(table.c[c] for c in columns)).order_by(*_order(table))
            n = 0
            with pq.ParquetWriter(path, schema, compression="zstd") as writer:
                result = conn.execute(stmt.execution_options(yield_per=batch_rows))
                for part in result.partitions(batch_rows):
                    writer.write_batch(from_rows(table, columns, schema, part))
                    n += len(part)
                    say(name, n)
                if n == 0:  # an empty table still gets a file with its schema
                    writer.write_table(pa.Table.from_batches([], schema=schema))
            manifest.tables[name] = {
                "file": path.name,
                "rows": n,
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
                "columns": columns,
            }
            log.info("snapshot: %s rows of %s", n, name)
    (out / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    with db.transaction() as session:
        # Counts only: a snapshot handed to someone is a disclosure worth recording.
        record(
            session,
            actor=actor,
            action="snapshot.export",
            subject=f"snapshot:{out.name}",
            payload={"rows": manifest.rows(), "schema_revision": manifest.schema_revision},
        )
    return manifest


def read_manifest(src: Path, *, verify: bool = True) -> Manifest:
    """The manifest of a snapshot directory; with `verify`, every file's hash is checked."""
    path = src / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no manifest.json: not a Vigil snapshot", source=str(src)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", source=str(path), line=exc.lineno) from exc
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        raise InputError("not a version 1 Vigil snapshot", source=str(path), field="format")
    manifest = Manifest(
        schema_revision=str(data["schema_revision"]),
        created_at=str(data["created_at"]),
        vigil_version=str(data["vigil_version"]),
        tables=dict(data["tables"]),
    )
    unknown = set(manifest.tables) - set(SNAPSHOT_TABLES)
    if unknown:
        raise InputError(f"unknown tables {sorted(unknown)}", source=str(path), field="tables")
    if verify:
        for name, entry in manifest.tables.items():
            file = src / Path(str(entry["file"])).name
            if not file.is_file():
                raise InputError(f"missing file for table {name}", source=str(file))
            if _sha256(file) != entry["sha256"]:
                raise InputError("SHA-256 differs from the manifest", source=str(file))
    return manifest


def iter_batches(src: Path, table: str, *, batch_rows: int = BATCH_ROWS) -> Iterator[Any]:
    """Record batches of one snapshot table, `batch_rows` at a time."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped, import-not-found, unused-ignore]

    arrow()
    yield from pq.ParquetFile(src / f"{table}.parquet").iter_batches(batch_size=batch_rows)


def _reset_sequences(conn: sa.Connection, names: list[str]) -> None:
    # Rows came with their ids; new rows must not collide with them.
    for name in names:
        table = Base.metadata.tables[name]
        if "id" not in table.c:
            continue
        top = conn.scalar(sa.select(sa.func.max(table.c.id)))
        if top is not None:
            sequence = sa.func.pg_get_serial_sequence(table.name, "id")
            conn.execute(sa.select(sa.func.setval(sequence, top)))


def _sqlite_cursor(conn: sa.Connection) -> Any:
    # The session's own DB-API connection, so the rows join its transaction.
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _insert(conn: sa.Connection, cursor: Any, table: sa.Table, batch: Any) -> int:
    if cursor is not None:
        inserted = insert_batch(cursor, table, batch)
        if inserted is not None:
            return inserted
    rows = to_rows(table, batch)
    if rows:
        conn.execute(table.insert(), rows)
    return len(rows)


def _load_table(
    conn: sa.Connection,
    cursor: Any,
    table: sa.Table,
    src: Path,
    batch_rows: int,
    say: Progress,
) -> int:
    n = 0
    try:
        with bulk_loading(conn, table) if cursor is not None else nullcontext():
            for batch in iter_batches(src, table.name, batch_rows=batch_rows):
                n += _insert(conn, cursor, table, batch)
                say(table.name, n)
    except (IntegrityError, DBAPIError, sqlite3.Error) as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        raise InputError(
            f"rows do not fit the store: {type(cause).__name__}",
            source=str(src / f"{table.name}.parquet"),
        ) from exc
    return n


def import_snapshot(
    db: Database,
    src: Path,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
    actor: str = "cli",
) -> Manifest:
    """Load a snapshot into a store whose snapshot tables are empty, ids kept, in one
    transaction (all or nothing). Files are verified against the manifest first."""
    manifest = read_manifest(src)
    if manifest.schema_revision != head_revision():
        log.warning(
            "snapshot schema %s, store code %s: importing the columns both have",
            manifest.schema_revision,
            head_revision(),
        )
    say = progress or (lambda _t, _n: None)
    names = [n for n in SNAPSHOT_TABLES if n in manifest.tables]
    with db.transaction() as session:
        conn = session.connection()
        busy = [
            n
            for n in names
            if conn.execute(
                sa.select(sa.literal(1)).select_from(Base.metadata.tables[n]).limit(1)
            ).first()
        ]
        if busy:
            raise ConflictError(
                f"the store already holds {', '.join(busy)}: import into an empty one"
            )
        cursor = _sqlite_cursor(conn) if db.dialect == "sqlite" else None
        with page_cache(cursor) if cursor is not None else nullcontext():
            for name in names:
                table = Base.metadata.tables[name]
                n = _load_table(conn, cursor, table, src, batch_rows, say)
                if n != int(manifest.tables[name]["rows"]):
                    raise InputError(
                        f"{n} rows, manifest says {manifest.tables[name]['rows']}",
                        source=str(src / f"{name}.parquet"),
                    )
        if db.dialect == "postgresql":
            _reset_sequences(conn, names)
        record(
            session,
            actor=actor,
            action="snapshot.import",
            subject=f"snapshot:{src.name}",
            payload={"rows": manifest.rows(), "schema_revision": manifest.schema_revision},
        )
    return manifest
