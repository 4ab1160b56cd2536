"""`vigil import x|mastodon FILE...`: load collected platform data from files into the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import err_console, out_console, print_json, progress_bar
from vigil.platforms.file_imports import import_mastodon_files, import_x_files
from vigil.platforms.import_summary import ImportProgress, ImportSummary
from vigil.platforms.x_files import ComplianceKind

__all__ = ["import_app"]

import_app = typer.Typer(
    help="Import collected data from files (X API v2 / twarc2 JSONL, Mastodon API JSON).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

FilesArgument = Annotated[
    list[Path], typer.Argument(help="Files to import, in order.", show_default=False)
]
MediaDirOption = Annotated[
    Path | None,
    typer.Option(
        "--media-dir",
        help="Directory of media files named by media key (3_1377650087799754753.jpg).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Summary as a table or as JSON.")
]


@contextmanager
def _progress() -> Iterator[Callable[[ImportProgress], None]]:
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def update(p: ImportProgress) -> None:
            task = tasks.get(p.file)
            if task is None:
                task = tasks[p.file] = bar.add_task(p.file, total=p.bytes_total)
            rate = p.elapsed or 1e-9
            bar.update(
                task,
                completed=p.bytes_done,
                description=(
                    f"{p.file}: {p.lines:,} lines, {p.lines / rate:,.0f} lines/s, "
                    f"{p.records / rate:,.0f} records/s"
                ),
            )

        yield update


def _report(summary: ImportSummary, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(summary.to_dict())
        return
    table = Table(title=f"records read into {summary.platform}")
    columns = {
        "lines": "lines",
        "accounts": "profiles",
        "posts": "post versions",
        "media": "media",
        "follows": "follows",
        "observations": "new observations",
        "quarantined": "quarantined",
    }
    table.add_column("file")
    for title in columns.values():
        table.add_column(title, justify="right")
    for f in summary.files:
        table.add_row(Path(f.file).name, *(f"{getattr(f, c):,}" for c in columns))
    out_console.print(table)
    for f in summary.files:
        if f.quarantined:
            err_console.print(
                f"{f.quarantined} bad line(s) of {f.file} quarantined in {f.quarantine_file}"
            )
        if f.unresolved:
            err_console.print(
                f"{f.unresolved} status statement(s) in {f.file} name ids unknown to the store "
                "(see --compliance)",
                soft_wrap=True,
            )
        for reason in f.media_rejected:
            err_console.print(f"media refused: {reason}", soft_wrap=True)


@import_app.command("x")
def import_x(
    ctx: typer.Context,
    files: FilesArgument,
    media_dir: MediaDirOption = None,
    compliance: Annotated[
        ComplianceKind,
        typer.Option(
            help="What compliance records' ids are: auto tries stored posts, then accounts."
        ),
    ] = ComplianceKind.AUTO,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Import X API v2 output as twarc2 writes it: pages, flattened, stream and compliance lines."""
    with current_store(ctx) as db, _progress() as progress:
        summary = import_x_files(
            db,
            state(ctx).settings,
            files,
            media_dir=media_dir,
            compliance=compliance,
            progress=progress,
            actor="cli",
        )
    _report(summary, fmt)


@import_app.command("mastodon")
def import_mastodon(
    ctx: typer.Context,
    files: FilesArgument,
    instance: Annotated[
        str | None,
        typer.Option(
            help="The instance that answered (default: read from a local account's URL).",
            show_default=False,
        ),
    ] = None,
    media_dir: MediaDirOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Import Mastodon API statuses and accounts (JSON Lines, or one JSON document a file)."""
    with current_store(ctx) as db, _progress() as progress:
        summary = import_mastodon_files(
            db,
            state(ctx).settings,
            files,
            instance=instance,
            media_dir=media_dir,
            progress=progress,
            actor="cli",
        )
    _report(summary, fmt)
