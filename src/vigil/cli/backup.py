"""`vigil backup` and `vigil restore`: a checked archive of the database, media and keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import print_json
from vigil.store import open_database
from vigil.store.backup import BackupInfo, backup, restore

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as text or as JSON.")
]


def _show(info: BackupInfo, verb: str, fmt: OutputFormat) -> None:
    data = {
        "archive": str(info.path),
        "created_at": info.created_at,
        "dialect": info.dialect,
        "method": info.method,
        "revision": info.revision,
        "files": info.files,
        "bytes": info.bytes,
        "rows": info.rows,
    }
    if fmt is OutputFormat.JSON:
        print_json(data)
    else:
        typer.echo(
            f"{verb} {info.path}: {info.dialect} ({info.method}), revision {info.revision}, "
            f"{info.files} files, {info.bytes:,} bytes, taken {info.created_at}"
        )


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="The archive to write (.tar.gz).")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Archive the database, media store and keys with a manifest of sha256s; safe while
    the server runs (SQLite: online backup API; PostgreSQL: one REPEATABLE READ export)."""
    with current_store(ctx) as db:
        info = backup(db, state(ctx).settings, out, actor="cli")
    _show(info, "backup written to", fmt)


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="An archive written by `vigil backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a target that already holds data.")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Check every file of an archive against its manifest, then put it back; refuses a
    non-empty target unless --force. Run `vigil audit verify` afterwards."""
    db = open_database(state(ctx).settings)
    try:
        info = restore(db, state(ctx).settings, archive, force=force, actor="cli")
    finally:
        db.dispose()
    _show(info, "restored", fmt)
