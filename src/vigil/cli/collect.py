"""`vigil collect`: snowball live collection from seed accounts on one platform.

Credentials come from the environment (a flag works too, but shows in the process list);
they are never printed or logged. Running the same command again resumes an unfinished crawl.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, state
from vigil.cli._output import err_console, out_console, print_json, progress_bar
from vigil.errors import ConfigError
from vigil.keys.tokens import resolve_token
from vigil.platforms.base import Connection
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.collect import CrawlOptions, CrawlProgress, CrawlSummary
from vigil.platforms.collection import collect as run_collection
from vigil.platforms.media_fetch import DEFAULT_FETCH_BYTES
from vigil.platforms.registry import connector
from vigil.platforms.seeds import read_seeds
from vigil.store import ensure_current, open_database

__all__ = ["collect"]


@app.command()
def collect(
    ctx: typer.Context,
    platform: Annotated[
        str, typer.Argument(help="The network: x, mastodon or bluesky (or a plugged-in one).")
    ],
    seeds: Annotated[
        Path,
        typer.Option(
            "--seeds",
            help="CSV of seed accounts with an account_id or username column "
            "(the world's seeds.csv works; rows for other platforms are skipped).",
        ),
    ],
    depth: Annotated[
        int, typer.Option(help="Expand accounts up to this many follow hops from a seed.")
    ] = 1,
    api_base: Annotated[
        str | None,
        typer.Option(
            "--api-base",
            help="API base URL (a Mastodon instance, a Bluesky service, `vigil sim serve`).",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="Bearer token, access token or app password; default from "
            "VIGIL_X_BEARER_TOKEN, VIGIL_MASTODON_TOKEN or VIGIL_BLUESKY_PASSWORD.",
            show_default=False,
        ),
    ] = None,
    login: Annotated[
        str | None,
        typer.Option(help="Bluesky handle to log in as; default VIGIL_BLUESKY_HANDLE."),
    ] = None,
    max_accounts: Annotated[
        int | None, typer.Option(help="Expand at most this many accounts (seeds included).")
    ] = None,
    max_pages: Annotated[
        int | None, typer.Option(help="At most this many pages per account and list.")
    ] = None,
    media: Annotated[
        bool, typer.Option("--media/--no-media", help="Fetch posted images into the store.")
    ] = True,
    media_max_bytes: Annotated[
        int, typer.Option(help="Refuse media files larger than this.")
    ] = DEFAULT_FETCH_BYTES,
    restart: Annotated[
        bool, typer.Option("--restart", help="Ignore a saved checkpoint and start over.")
    ] = False,
    advance_sim_clock: Annotated[
        bool,
        typer.Option(
            "--advance-sim-clock",
            help="Against `vigil sim serve` only: wait out rate limits by moving the "
            "simulator's clock forward instead of sleeping.",
        ),
    ] = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Collect accounts, timelines and follow graphs by snowball from seed accounts.

    Seeds are looked up; every account within DEPTH follow hops of a seed has its
    timeline, followers and following collected, breadth first, as the Brookings ISIS
    Twitter census built its sample. Suspended and missing accounts are recorded as status
    observations. Progress is saved after every page under $VIGIL_HOME/collect/, so an
    interrupted run resumes when the same command is run again.
    """
    settings = state(ctx).settings
    cls = connector(platform)
    seed_list = read_seeds(seeds, cls.name)
    base = api_base or cls.default_base_url
    if base is None:
        raise ConfigError(f"{cls.name} needs --api-base URL")
    secret = token or resolve_token(settings.home, cls.name, cls.token_env)
    user = login or (os.environ.get(cls.login_env) if cls.login_env else None) or None
    if cls.name == "x" and not secret:
        raise ConfigError(f"no X bearer token: set {cls.token_env} (or pass --token)")
    clock = SimClockDriver(base) if advance_sim_clock else None
    options = CrawlOptions(depth=depth, max_accounts=max_accounts, max_pages=max_pages)
    db = open_database(settings)
    try:
        ensure_current(db)
        with (
            cls.connect(
                Connection(base_url=base, token=secret, login=user, clock=clock)
            ) as connection,
            progress_bar() as bar,
        ):
            task = bar.add_task(f"{cls.name}: looking up {len(seed_list)} seeds", total=None)

            def show(p: CrawlProgress) -> None:
                what = f"{p.step} of {p.account}" if p.account else "seeds"
                bar.update(
                    task,
                    total=max(p.known, 1),
                    completed=p.expanded,
                    description=f"{cls.name}: {what} ({p.records:,} records)",
                )

            try:
                summary = run_collection(
                    db,
                    settings,
                    connection,
                    seed_list,
                    options=options,
                    media=media,
                    media_max_bytes=media_max_bytes,
                    progress=show,
                    restart=restart,
                    actor="cli",
                )
            except KeyboardInterrupt:
                err_console.print("collection stopped: run the same command again to resume")
                raise
    finally:
        db.dispose()
        if clock is not None:
            clock.close()
    if fmt is OutputFormat.JSON:
        print_json(summary.to_dict())
        return
    out_console.print(_summary_table(summary))


def _summary_table(summary: CrawlSummary) -> Table:
    data = summary.to_dict()
    table = Table(title=f"collected from {summary.platform}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("seeds", "depth", "accounts_expanded", "accounts_known", "batches"):
        table.add_row(key, f"{data[key]:,}")
    for section in ("records", "unavailable", "api", "media"):
        for key, value in data[section].items():
            table.add_row(f"{section}.{key}", f"{value:,}")
    if summary.disabled_steps:
        table.add_row("not offered by the server", ", ".join(summary.disabled_steps))
    table.add_row("resumed", "yes" if summary.resumed else "no")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    return table
