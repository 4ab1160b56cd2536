"""`vigil evidence export`: a chain-of-custody package for one case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import print_json
from vigil.publish.evidence import export_evidence

__all__ = ["evidence_app"]

evidence_app = typer.Typer(
    help="Evidence packages for law enforcement and platforms' legal teams.",
    no_args_is_help=True,
)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("export")
def export(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(help="Case id, or the account as PLATFORM:ID.")],
    out: Annotated[Path, typer.Option("--out", help="The .zip file to write.")],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as text or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Posts, media, decisions, criterion, signals and a sha256 manifest with audit hashes."""
    settings = state(ctx).settings
    with current_store(ctx) as db, db.transaction() as session:
        pkg = export_evidence(session, case, out, media_dir=settings.media_dir, actor="cli")
    result = {
        "file": str(pkg.path),
        "case_id": pkg.case_id,
        "account_id": pkg.account_id,
        "files": pkg.files,
        "manifest_sha256": pkg.manifest_sha256,
    }
    if fmt is OutputFormat.JSON:
        print_json(result)
    else:
        typer.echo(f"wrote {pkg.path}: {pkg.files} files, manifest sha256 {pkg.manifest_sha256}")
