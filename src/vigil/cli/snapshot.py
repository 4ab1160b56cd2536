"""`vigil snapshot export|import`: the store as Parquet files with a verified manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.table import Table

from vigil.batch.snapshot import Manifest, Progress, export_snapshot, import_snapshot
from vigil.cli._app import OutputFormat, app, current_store
from vigil.cli._output import out_console, print_json, progress_bar
from vigil.store import Database

__all__ = ["snapshot_app"]

snapshot_app = typer.Typer(
    help="Export the store to Parquet files, or import such a snapshot.", no_args_is_help=True
)
app.add_typer(snapshot_app, name="snapshot")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
]
BatchOption = Annotated[int, typer.Option(min=100, help="Rows per batch (memory bound).")]


class _Step(Protocol):
    def __call__(
        self, db: Database, path: Path, /, *, batch_rows: int, progress: Progress | None
    ) -> Manifest: ...


def _run(ctx: typer.Context, step: _Step, path: Path, batch: int) -> Manifest:
    """Export or import with a progress bar naming the table under way."""
    with current_store(ctx) as db, progress_bar() as progress:
        task = progress.add_task("snapshot", total=None)
        return step(
            db,
            path,
            batch_rows=batch,
            progress=lambda t, n: progress.update(task, description=t, completed=n),
        )


def _show(manifest: Manifest, title: str, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(manifest.to_dict())
        return
    table = Table(title=f"{title} (schema {manifest.schema_revision})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("bytes", justify="right")
    for name, entry in manifest.tables.items():
        table.add_row(name, f"{entry['rows']:,}", f"{entry['bytes']:,}")
    out_console.print(table)


@snapshot_app.command("export")
def snapshot_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="New or empty directory to write.")],
    batch: BatchOption = 50_000,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Accounts, posts, edges, media hashes and observations as Parquet, with manifest.json."""
    manifest = _run(ctx, export_snapshot, out, batch)
    _show(manifest, f"snapshot written to {out}", fmt)


@snapshot_app.command("import")
def snapshot_import(
    ctx: typer.Context,
    src: Annotated[Path, typer.Argument(metavar="DIR", help="A snapshot directory.")],
    batch: BatchOption = 50_000,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Verify every file's SHA-256, then load the snapshot into an empty store (ids kept)."""
    manifest = _run(ctx, import_snapshot, src, batch)
    _show(manifest, f"snapshot imported from {src}", fmt)
