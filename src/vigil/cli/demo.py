"""`vigil demo`: the whole flow on a synthetic world, for a newcomer's first look."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.cli._app import app, state
from vigil.cli._output import out_console
from vigil.cli.store import stats_table
from vigil.store import collect_stats, initialise, open_database

__all__ = ["demo"]


@app.command()
def demo(
    ctx: typer.Context,
    accounts: Annotated[int, typer.Option(help="Accounts in the synthetic world.")] = 3000,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the web workbench at the end.")
    ] = True,
) -> None:
    """Initialise the store and show what it holds (later stages extend the flow)."""
    settings = state(ctx).settings
    db = open_database(settings)
    try:
        _, after = initialise(db)
        out_console.print(f"store {db.url_for_humans} at revision {after}")
        out_console.print(stats_table(collect_stats(db)))
    finally:
        db.dispose()
