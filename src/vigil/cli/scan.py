"""`vigil scan`: compute the signals over the store and the scores that fill the queue."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json, progress_bar
from vigil.scoring.scan import run_scan
from vigil.signals import names

__all__ = ["Engine", "scan"]


class Engine(StrEnum):
    LOCAL = "local"
    SPARK = "spark"


@app.command()
def scan(
    ctx: typer.Context,
    signal: Annotated[
        list[str] | None,
        typer.Option("--signal", "-s", help="Only this signal (repeatable; default: all)."),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Recompute every signal for every account, changed or not."),
    ] = False,
    engine: Annotated[
        Engine,
        typer.Option(help="local, or spark: the heavy signals with Apache Spark over a snapshot."),
    ] = Engine.LOCAL,
    master: Annotated[
        str, typer.Option(help="With --engine spark: the Spark master URL.")
    ] = "local[2]",
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Compute the signals where the store changed since the last scan (all with --full),
    then score each account and fill the review queue."""
    settings = state(ctx).settings
    if engine is Engine.SPARK:
        from vigil.batch.spark_scan import run_spark_scan

        with current_store(ctx) as db:
            print_json(run_spark_scan(db, settings, master=master, signals=signal).to_dict())
        return
    steps = len(signal or names()) + 1
    with current_store(ctx) as db, progress_bar() as progress:
        task = progress.add_task("scan", total=steps)

        def step(name: str) -> None:
            if progress.tasks[task].description != "scan":
                progress.advance(task)
            progress.update(task, description=name)

        summary = run_scan(db, settings, signals=signal, progress=step, full=full)
    if fmt is OutputFormat.JSON:
        print_json(summary.to_dict())
        return
    table = Table(title=f"scan ({summary.confirmed} confirmed accounts)")
    table.add_column("step")
    table.add_column("mode")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    for name, rows in summary.signals.items():
        mode = summary.modes.get(name, "")
        if name in summary.accounts:
            mode += f" ({summary.accounts[name]:,} accounts)"
        table.add_row(name, mode, f"{rows:,}", f"{summary.seconds[name]:.2f}")
    score_s = f"{summary.seconds['score']:.2f}"
    table.add_row(
        f"score ({summary.model_version})",
        summary.modes.get("score", ""),
        f"{summary.scored:,}",
        score_s,
    )
    out_console.print(table)
