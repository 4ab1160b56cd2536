"""The demo: a synthetic world taken through every stage that exists, for a first look.

It generates (or reuses) a world under ``$VIGIL_HOME/demo/``, serves it on loopback,
collects from it through the real X connector, imports its Mastodon files, lists the
seeds and scans; the caller decides whether to keep the simulated platforms running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.config import Settings
from vigil.platforms.base import Connection
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.collect import CrawlOptions
from vigil.platforms.collection import collect
from vigil.platforms.file_imports import import_mastodon_files
from vigil.platforms.registry import connector
from vigil.platforms.seeds import read_seeds
from vigil.review.seeds import import_list
from vigil.scoring.queue import QueueItem, review_queue
from vigil.scoring.scan import run_scan
from vigil.signals.banks import import_file
from vigil.sim.generate import WorldParams
from vigil.sim.output import generate_to_dir
from vigil.sim.server.app import create_sim_app
from vigil.sim.server.runner import ServerThread
from vigil.sim.world import load_world
from vigil.store import collect_stats, initialise, open_database, verify

__all__ = ["DemoOptions", "DemoResult", "run_demo"]

log = logging.getLogger(__name__)

SIM_TOKEN = "sim-token"  # noqa: S105 - the loopback simulator's credential, not a secret

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoOptions:
    accounts: int = 3000
    seed: int = 7
    days: int = 30
    max_accounts: int = 150
    queue_preview: int = 8


@dataclass(slots=True)
class DemoResult:
    world_dir: Path
    revision: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    audit_events: int = 0
    queue: list[QueueItem] = field(default_factory=list)
    server: ServerThread | None = None


def _world_dir(settings: Settings, options: DemoOptions) -> Path:
    return settings.home / "demo" / f"world-s{options.seed}-a{options.accounts}-d{options.days}"


def run_demo(
    settings: Settings,
    options: DemoOptions | None = None,
    *,
    step: Step | None = None,
    keep_server: bool = False,
) -> DemoResult:
    """Run the flow; with `keep_server` the simulated platforms stay up in `result.server`."""
    options = options or DemoOptions()
    say = step or (lambda _msg: None)
    db = open_database(settings)
    server: ServerThread | None = None
    try:
        _, revision = initialise(db, actor="demo")
        world_dir = _world_dir(settings, options)
        result = DemoResult(world_dir=world_dir, revision=revision)
        if (world_dir / "world" / "meta.json").is_file():
            say(f"reusing the synthetic world in {world_dir}")
        else:
            say(f"generating a synthetic world of {options.accounts:,} accounts")
            params = WorldParams(accounts=options.accounts, seed=options.seed, days=options.days)
            generate_to_dir(world_dir, params)
        world = load_world(world_dir)
        result.steps.append(
            ("world", f"{len(world.accounts):,} accounts, {len(world.posts):,} posts, {world_dir}")
        )

        say("serving the world's X, Mastodon and Bluesky APIs on loopback")
        server = ServerThread(create_sim_app(world, token=SIM_TOKEN, media_dir=world_dir))
        server.start()
        result.steps.append(("simulated platforms", server.url))

        say("collecting from the simulated X API by snowball from the seed list")
        x = connector("x")
        clock = SimClockDriver(server.url)
        try:
            with x.connect(Connection(base_url=server.url, token=SIM_TOKEN, clock=clock)) as conn:
                crawl = collect(
                    db,
                    settings,
                    conn,
                    read_seeds(world_dir / "seeds.csv", "x"),
                    options=CrawlOptions(depth=1, max_accounts=options.max_accounts),
                    actor="demo",
                )
        finally:
            clock.close()
        records = ", ".join(f"{v:,} {k}" for k, v in sorted(crawl.counts.items()))
        result.steps.append(
            (
                "collect x",
                f"{crawl.expanded:,} accounts expanded from {crawl.seeds} seeds: {records}",
            )
        )

        say("importing the world's Mastodon files")
        files = [world_dir / "mastodon" / n for n in ("accounts.jsonl", "statuses.jsonl")]
        imported = import_mastodon_files(db, settings, files, actor="demo")
        totals = imported.to_dict()["totals"]
        result.steps.append(
            (
                "import mastodon",
                f"{totals.get('lines', 0):,} lines, {totals.get('records', 0):,} records, "
                f"{imported.quarantined} quarantined",
            )
        )

        say("loading the known releases' hashes, listing the seeds, then scanning")
        with db.transaction() as session:
            hashes = import_file(
                session, "demo-releases", world_dir / "bank" / "hashes.csv", actor="demo"
            )
            listed = import_list(
                session, world_dir / "seeds.csv", source="demo-seeds", actor="demo"
            )
        result.steps.append(("bank import", f"{hashes:,} release hashes in bank 'demo-releases'"))
        scan = run_scan(db, settings, actor="demo")
        result.steps.append(
            (
                "list import",
                f"{listed.added:,} added, {listed.already_listed:,} already listed "
                f"({listed.placeholders:,} placeholders)",
            )
        )
        rows = ", ".join(f"{v:,} {k}" for k, v in scan.signals.items())
        result.steps.append(
            ("scan", f"{rows} signal rows; {scan.scored:,} accounts scored ({scan.model_version})")
        )

        result.stats = collect_stats(db)
        with db.session() as session:
            result.queue = review_queue(session, limit=options.queue_preview)
            result.audit_events = verify(session).events
        if keep_server:
            result.server, server = server, None
        return result
    finally:
        if server is not None:
            server.stop()
        db.dispose()
