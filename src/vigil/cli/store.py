"""Commands over the store itself: init, stats and the audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json, progress_bar
from vigil.store import collect_stats, initialise, open_database, verify

__all__ = ["audit_app"]

audit_app = typer.Typer(
    help="Inspect and verify the tamper-evident audit log.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
]


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade its schema to this version. Safe to run twice."""
    db = open_database(state(ctx).settings)
    try:
        before, after = initialise(db)
    finally:
        db.dispose()
    if before is None:
        what = f"created at revision {after}"
    elif before != after:
        what = f"upgraded from revision {before} to {after}"
    else:
        what = f"already at revision {after}"
    typer.echo(f"database {db.url_for_humans}: {what}")


@app.command()
def stats(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Counts of accounts, posts, media, edges, observations, list entries and audit events."""
    with current_store(ctx) as db:
        data = collect_stats(db)
    if fmt is OutputFormat.JSON:
        print_json(data)
        return
    out_console.print(stats_table(data))


def stats_table(data: dict[str, object]) -> Table:
    """Flatten the nested stats object into two columns."""
    table = Table(title=f"Vigil store ({data['database']['dialect']})")  # type: ignore[index]
    table.add_column("what")
    table.add_column("count", justify="right")

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, int) and not isinstance(value, bool):
            table.add_row(prefix, f"{value:,}")

    for section, value in data.items():
        if section not in {"schema", "database", "vigil_version"}:
            walk(section, value)
    return table


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Walk the hash chain; exit non-zero naming the first event that does not verify."""
    with current_store(ctx) as db, progress_bar() as progress, db.session() as session:
        task = progress.add_task("verifying audit log", total=None)
        report = verify(session, progress=lambda n: progress.update(task, completed=n))
    if fmt is OutputFormat.JSON:
        print_json({"ok": True, "events": report.events, "head_hash": report.head_hash})
    else:
        typer.echo(f"audit log verified: {report.events} events, head {report.head_hash}")
