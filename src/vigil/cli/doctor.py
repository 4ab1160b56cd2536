"""`vigil doctor`: check a deployment (database, schema, keys, platform credentials, clock)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from vigil.cli._app import OutputFormat, app, state
from vigil.cli._output import err_console, out_console, print_json
from vigil.worker.doctor import run_checks

__all__ = ["doctor"]

_STYLE = {"ok": "green", "warn": "yellow", "skip": "dim", "fail": "bold red"}


@app.command()
def doctor(
    ctx: typer.Context,
    max_skew: Annotated[
        float, typer.Option(min=0.0, help="Seconds the clock may differ from the database's.")
    ] = 5.0,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Run every check; exit 1 with one line on stderr per failed check."""
    checks = run_checks(state(ctx).settings, max_skew=max_skew)
    if fmt is OutputFormat.JSON:
        failed = [c for c in checks if c.status == "fail"]
        print_json({"ok": not failed, "checks": [c.to_dict() for c in checks]})
    else:
        table = Table(title="vigil doctor")
        table.add_column("check")
        table.add_column("status")
        table.add_column("detail")
        for c in checks:
            style = _STYLE.get(c.status, "")
            table.add_row(c.name, f"[{style}]{c.status}[/]", escape(c.detail))
        out_console.print(table)
    failed = [c for c in checks if c.status == "fail"]
    for c in failed:
        err_console.print(f"vigil doctor: {c.name}: {escape(c.detail)}", soft_wrap=True)
    if failed:
        raise typer.Exit(1)
