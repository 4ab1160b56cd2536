"""`vigil train`: refit the score weights and the text classifier from reviewed decisions."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json, progress_bar
from vigil.scoring.train import MIN_PER_CLASS, train_models

__all__ = ["train"]


@app.command()
def train(
    ctx: typer.Context,
    min_per_class: Annotated[
        int,
        typer.Option(min=2, help="Fewest confirmed, and fewest rejected/whitelisted, accounts."),
    ] = MIN_PER_CLASS,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Refit the text classifier and the score weights from reviewers' decisions.

    Confirmed accounts are positives, rejected and whitelisted ones negatives (the latest
    decision per account counts). The new version is saved under $VIGIL_HOME/models/ and
    the next `vigil scan` uses it.
    """
    settings = state(ctx).settings
    with current_store(ctx) as db, progress_bar() as progress:
        progress.add_task("training", total=None)
        result = train_models(db, settings, min_per_class=min_per_class)
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict())
        return
    table = Table(title=f"trained version {result.version}")
    table.add_column("feature")
    table.add_column("weight", justify="right")
    table.add_row("(intercept)", f"{result.intercept:+.3f}")
    for name, w in sorted(result.weights.items(), key=lambda kv: -abs(kv[1])):
        table.add_row(name, f"{w:+.3f}")
    out_console.print(table)
    typer.echo(
        f"{result.positives} confirmed and {result.negatives} rejected/whitelisted accounts, "
        f"{result.texts} posts; run `vigil scan` to score with version {result.version}"
    )
