"""A census-size snapshot from a smaller simulated one: K disjoint copies of its accounts,
posts and edges, ids shifted per copy and platform ids suffixed, so nothing collides.

Generating a world of a million accounts and twenty million posts directly would write
about 80 GB of X and Mastodon files first; copies of a 100,000-account world cost minutes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vigil.batch.snapshot import SNAPSHOT_TABLES
from vigil.batch.snapshot import _sha256 as sha256
from vigil.model import Base

# Platform-native ids (and the ids that point at them) must stay unique per platform.
_SUFFIXED = {
    ("account", "platform_account_id"),
    ("post", "platform_post_id"),
    ("post", "conversation_id"),
    ("post_reference", "target_platform_post_id"),
    ("media", "media_key"),
}
_SHARED = {"platform"}  # one row per network, whatever the number of copies


def _strides(src: Path) -> dict[str, int]:
    """How far each table's ids move per copy: one more than its largest id."""
    out: dict[str, int] = dict.fromkeys(_SHARED, 0)
    for name in SNAPSHOT_TABLES:
        if name in _SHARED or "id" not in Base.metadata.tables[name].c:
            continue
        top = pc.max(pq.read_table(src / f"{name}.parquet", columns=["id"])["id"]).as_py()
        out[name] = int(top or 0) + 1
    return out


def _target(table: str, column: str) -> str | None:
    col = Base.metadata.tables[table].c[column]
    fks = list(col.foreign_keys)
    if fks:
        return str(fks[0].column.table.name)
    if col.primary_key and column == "id":
        return table
    return None


def suffix(value: str, copy: int) -> str:
    """A platform id in copy `copy` (copy 0 keeps the original)."""
    return value if copy == 0 else f"{value}~{copy}"


def _shifted(table: str, batch: Any, copy: int, strides: dict[str, int]) -> Any:
    cols = []
    for name in batch.schema.names:
        col = batch.column(name)
        target = _target(table, name)
        if target is not None and strides.get(target):
            col = pc.add(col, pa.scalar(copy * strides[target], col.type))
        elif (table, name) in _SUFFIXED and copy:
            col = pc.binary_join_element_wise(col, pa.scalar(f"~{copy}"), "")
        cols.append(col)
    return pa.RecordBatch.from_arrays(cols, schema=batch.schema)


def tile_snapshot(src: Path, dst: Path, copies: int) -> dict[str, int]:
    """Write `copies` shifted copies of snapshot `src` as a new snapshot `dst`; row counts."""
    dst.mkdir(parents=True, exist_ok=False)
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    strides = _strides(src)
    rows: dict[str, int] = {}
    for name, entry in manifest["tables"].items():
        source = pq.ParquetFile(src / entry["file"])
        out = dst / entry["file"]
        n = 0
        with pq.ParquetWriter(out, source.schema_arrow, compression="zstd") as writer:
            for copy in range(1 if name in _SHARED else copies):
                for batch in source.iter_batches(batch_size=200_000):
                    writer.write_batch(_shifted(name, batch, copy, strides))
                    n += batch.num_rows
            if n == 0:
                writer.write_table(pa.Table.from_batches([], schema=source.schema_arrow))
        entry.update(rows=n, bytes=out.stat().st_size, sha256=sha256(out))
        rows[name] = n
    (dst / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return rows


def tile_seeds(src: Path, dst: Path, copies: int) -> int:
    """The seed list for the copies: each seed once per copy, its platform id suffixed."""
    with src.open(newline="", encoding="utf-8") as fh:
        seeds = list(csv.DictReader(fh))
    with dst.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["platform", "account_id", "username", "criterion"])
        writer.writeheader()
        for copy in range(copies):
            for row in seeds:
                writer.writerow({**row, "account_id": suffix(row["account_id"], copy)})
    return len(seeds) * copies
