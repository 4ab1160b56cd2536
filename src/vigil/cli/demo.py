"""`vigil demo`: the whole flow on a synthetic world, for a newcomer's first look."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import app, state
from vigil.cli._output import err_console, out_console
from vigil.cli.queue import queue_table
from vigil.cli.store import stats_table
from vigil.demo import DemoOptions, run_demo

__all__ = ["demo"]


@app.command()
def demo(
    ctx: typer.Context,
    accounts: Annotated[int, typer.Option(min=200, help="Accounts in the synthetic world.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 7,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Keep the simulated platforms running on loopback at the end (Ctrl-C stops).",
        ),
    ] = True,
) -> None:
    """Run the flow on a synthetic world: generate, serve, collect, import, scan, verify, show."""
    settings = state(ctx).settings
    with err_console.status("starting") as status:
        result = run_demo(
            settings,
            DemoOptions(accounts=accounts, seed=seed),
            step=lambda msg: status.update(msg),
            keep_server=serve,
        )
    steps = Table(title="Vigil demo", show_header=False)
    steps.add_column("step")
    steps.add_column("result")
    for name, what in result.steps:
        steps.add_row(name, what)
    steps.add_row("audit log", f"{result.audit_events} events, chain verified")
    out_console.print(steps)
    out_console.print(stats_table(result.stats))
    out_console.print(queue_table(result.queue))
    if result.server is None:
        return
    url = result.server.url
    out_console.print(
        f"The simulated platforms are serving on {url}: try\n"
        f"  curl -H 'Authorization: Bearer sim-token' '{url}/2/users/by?usernames=...'\n"
        f"  curl '{url}/_sim/clock'\n"
        "The review workbench (vigil serve) arrives with the review stage. Ctrl-C stops."
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        result.server.stop()
