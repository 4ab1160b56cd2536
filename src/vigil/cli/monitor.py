"""`vigil monitor`: status checks of listed accounts and of the control group, due first.

Credentials come from the environment as for `vigil collect`. Every check is committed with
its observation, so an interrupted run resumes when started again; `--every` keeps running.
"""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import TaskID

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import err_console, out_console, print_json, progress_bar
from vigil.errors import ConfigError, InputError
from vigil.keys.tokens import resolve_token
from vigil.monitor.controls import match_controls
from vigil.monitor.run import MonitorRun, run_monitor
from vigil.platforms.base import Connection
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.registry import connector
from vigil.worker import register_handler

__all__ = ["monitor", "parse_every"]

# `vigil worker` runs what the command line knows: monitoring rounds and reports as jobs.
register_handler("monitor", "vigil.monitor.jobs:monitor_job")
register_handler("report", "vigil.monitor.jobs:report_job")

_EVERY = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> timedelta:
    """``30m``, ``1h``, ``2d``... as a timedelta."""
    match = _EVERY.match(text.strip())
    if not match:
        raise InputError(f"not an interval like 30m, 1h or 1d: {text!r}", field="--every")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


@app.command()
def monitor(
    ctx: typer.Context,
    platform: Annotated[
        str, typer.Option("--platform", help="The network: x, mastodon or bluesky.")
    ] = "x",
    api_base: Annotated[
        str | None,
        typer.Option("--api-base", help="API base URL (a Mastodon instance, `vigil sim serve`)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="Token or app password; default from the connector's VIGIL_* variable.",
            show_default=False,
        ),
    ] = None,
    login: Annotated[str | None, typer.Option(help="Bluesky handle to log in as.")] = None,
    every: Annotated[
        str | None,
        typer.Option("--every", help="Keep running: check what is due at this interval (1h)."),
    ] = None,
    advance_sim_clock: Annotated[
        bool,
        typer.Option(
            "--advance-sim-clock",
            help="Against `vigil sim serve` only: take its clock as now and wait out rate "
            "limits by moving it.",
        ),
    ] = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Check listed accounts and their matched controls whose checks are due.

    New entries are checked hourly, then every 6 hours, daily after a week, every 3 days
    after a month, weekly after six months or once removed. Each check is a new status
    observation (active, suspended, not found, protected, withheld, deactivated...).
    """
    cls = connector(platform)
    base = api_base or cls.default_base_url
    if base is None:
        raise ConfigError(f"{cls.name} needs --api-base URL")
    secret = token or resolve_token(state(ctx).settings.home, cls.name, cls.token_env)
    user = login or (os.environ.get(cls.login_env) if cls.login_env else None) or None
    interval = parse_every(every) if every else None
    clock = SimClockDriver(base) if advance_sim_clock else None
    try:
        with current_store(ctx) as db:
            with db.transaction() as session:
                match_controls(session)
            conn = Connection(base_url=base, token=secret, login=user, clock=clock)
            with cls.connect(conn) as live:
                while True:
                    with progress_bar() as bar:
                        task = bar.add_task(f"{cls.name}: checking", total=None)

                        def show(done: int, due: int, task: TaskID = task) -> None:
                            bar.update(task, completed=done, total=due)

                        run = run_monitor(db, live, progress=show)
                    _show(run, fmt)
                    if interval is None:
                        break
                    err_console.print(f"next round in {interval} (Ctrl-C stops)")
                    time.sleep(interval.total_seconds())
    finally:
        if clock is not None:
            clock.close()


def _show(run: MonitorRun, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(run.to_dict())
        return
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(run.statuses.items())) or "none"
    out_console.print(
        f"{run.platform}: {run.checked} of {run.due} due accounts checked ({statuses}); "
        f"{run.handle_changes} handle changes; {run.seconds:.1f} s"
    )
