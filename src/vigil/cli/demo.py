"""`vigil demo`: the whole flow on a synthetic world, for a newcomer's first look."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import app, state
from vigil.cli._output import err_console, out_console
from vigil.cli.queue import queue_table
from vigil.cli.store import stats_table
from vigil.config import Settings
from vigil.demo import DemoOptions, DemoResult, run_demo

__all__ = ["demo"]


@app.command()
def demo(
    ctx: typer.Context,
    accounts: Annotated[int, typer.Option(min=200, help="Accounts in the synthetic world.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 7,
    days: Annotated[
        int, typer.Option(min=1, max=60, help="Simulated days of monitoring after publishing.")
    ] = 10,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the web workbench at the end.")
    ] = 8000,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="At the end, serve the web workbench and the simulated platforms until Ctrl-C.",
        ),
    ] = True,
) -> None:
    """The whole flow on a synthetic world: generate and serve it, collect, import, scan,
    review as two demo analysts, publish, report, monitor simulated days, write the
    transparency report, then open the web workbench with the demo logins."""
    settings = state(ctx).settings
    public_url = f"http://127.0.0.1:{port}"
    with err_console.status("starting") as status:
        result = run_demo(
            settings,
            DemoOptions(accounts=accounts, seed=seed, follow_days=days, public_url=public_url),
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
    if result.report is not None:
        out_console.print(f"Transparency report: {result.report.out / 'report.html'}")
    if result.server is None:
        return
    try:
        _serve_workbench(settings, result, port)
    finally:
        result.server.stop()


def _serve_workbench(settings: Settings, result: DemoResult, port: int) -> None:
    import uvicorn

    from vigil.web.app import create_app

    logins = "\n".join(f"  {user:<10} {password}" for user, password in result.logins.items())
    assert result.server is not None
    out_console.print(
        f"The review workbench: http://127.0.0.1:{port}/  (demo logins, new each run)\n"
        f"{logins}\n"
        f"The simulated platforms: {result.server.url} (try {result.server.url}/_sim/clock)\n"
        "Ctrl-C stops both."
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
