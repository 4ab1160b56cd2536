"""`vigil sim`: generate a synthetic world with ground truth, and serve it over platform APIs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from vigil.cli._app import OutputFormat, app
from vigil.cli._output import err_console, out_console, print_json, progress_bar
from vigil.errors import ConfigError, InputError

__all__ = ["sim_app"]

log = logging.getLogger(__name__)

sim_app = typer.Typer(
    help="The synthetic world: ground truth for tests, evaluation and the demo.",
    no_args_is_help=True,
)
app.add_typer(sim_app, name="sim")


@sim_app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the world into.")],
    accounts: Annotated[
        int, typer.Option(min=50, help="Accounts drawn from the populations.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 1,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days of activity simulated.")] = 30,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Summary as a table or as JSON.")
    ] = OutputFormat.TABLE,
    force: Annotated[bool, typer.Option(help="Write into a non-empty directory.")] = False,
) -> None:
    """Generate a deterministic synthetic world: X and Mastodon files, media, bank, truth."""
    from vigil.sim.generate import WorldParams
    from vigil.sim.output import generate_to_dir

    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", source=str(out))
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConfigError(f"{out} is not empty (use --force to write into it)")
    params = WorldParams(accounts=accounts, seed=seed, days=days)
    with progress_bar() as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total or None)
            progress.update(tasks[stage], completed=done, total=total or None)

        world = generate_to_dir(out, params, report)
    summary = {
        "out": str(out),
        "seed": seed,
        "days": days,
        "accounts": len(world.accounts),
        "posts": len(world.posts),
        "follows": len(world.follows),
        "media": len(world.media),
        "bank_items": len(world.bank),
    }
    if fmt is OutputFormat.JSON:
        print_json(summary)
        return
    for key, value in summary.items():
        out_console.print(
            f"{key:>11}: {value:,}" if isinstance(value, int) else f"{key:>11}: {value}"
        )


@sim_app.command("serve")
def serve(
    world: Annotated[Path, typer.Option("--world", help="A directory written by `sim generate`.")],
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8787,
    token: Annotated[
        str, typer.Option(help="Bearer token (and Bluesky password) the server accepts.")
    ] = "sim-token",  # noqa: S107 - a loopback test credential, not a secret
    clock_speed: Annotated[
        float,
        typer.Option(
            help="Simulated seconds per wall-clock second (0: the clock moves only "
            "when POST /_sim/clock advances it)."
        ),
    ] = 0.0,
) -> None:
    """Serve the world over local X API v2, Mastodon and Bluesky APIs with a simulated clock."""
    import uvicorn

    from vigil.sim.server.app import create_sim_app
    from vigil.sim.world import load_world

    if not (world / "world" / "meta.json").is_file():
        raise InputError("not a generated world (no world/meta.json)", source=str(world))
    sim = load_world(world)
    application = create_sim_app(sim, token=token, clock_speed=clock_speed, media_dir=world)
    err_console.print(
        f"serving {world} on http://{host}:{port} "
        "(X: /2/..., Mastodon: /api/v1/..., Bluesky: /xrpc/..., control: /_sim/...)"
    )
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
