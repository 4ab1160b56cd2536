"""`vigil spark scan`: the heavy signals computed by Apache Spark over a snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vigil.batch.spark_scan import SPARK_SIGNALS, run_spark_scan
from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json, progress_bar

__all__ = ["spark_app"]

spark_app = typer.Typer(
    help="Batch scans on Apache Spark (local mode or a cluster).", no_args_is_help=True
)
app.add_typer(spark_app, name="spark")


@spark_app.command("scan")
def spark_scan(
    ctx: typer.Context,
    master: Annotated[
        str, typer.Option(help="Spark master: local[N], spark://host:7077, yarn, k8s://...")
    ] = "local[2]",
    snapshot: Annotated[
        Path | None,
        typer.Option(help="Snapshot directory to scan (default: export the store first)."),
    ] = None,
    signal: Annotated[
        list[str] | None,
        typer.Option(
            "--signal", "-s", help=f"Only this signal (repeatable; {', '.join(SPARK_SIGNALS)})."
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Compute text, behaviour, coordination and network with Spark, write them, rescore."""
    settings = state(ctx).settings
    with current_store(ctx) as db, progress_bar() as progress:
        task = progress.add_task("spark", total=None)
        summary = run_spark_scan(
            db,
            settings,
            master=master,
            snapshot=snapshot,
            signals=signal,
            progress=lambda step: progress.update(task, description=f"spark: {step}"),
        )
    if fmt is OutputFormat.JSON:
        print_json(summary.to_dict())
        return
    table = Table(title=f"spark scan on {master} ({summary.confirmed} confirmed accounts)")
    table.add_column("step")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    for name, seconds in summary.seconds.items():
        rows = summary.signals.get(name, summary.scored if name == "score" else 0)
        table.add_row(name, f"{rows:,}", f"{seconds:.2f}")
    out_console.print(table)
