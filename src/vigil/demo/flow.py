"""The demo: a synthetic world taken through the whole flow, for a first look.

It generates (or reuses) a world under ``$VIGIL_HOME/demo/`` ending today, serves it on
loopback, collects through the real X connector, imports Mastodon files, lists the seeds,
scans, reviews, publishes, reports, monitors simulated days and writes the report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vigil.analytics.report import ReportResult
from vigil.config import Settings
from vigil.demo.aftermath import (
    DayRecord,
    demo_settings,
    follow_up,
    listed_suspended,
    publish_now,
    write,
)
from vigil.demo.reviewers import ReviewRound, create_demo_users, review_round
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
from vigil.store import Database, collect_stats, initialise, open_database, verify

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
    review: int = 60  # queue entries the demo reviewers decide
    follow_days: int = 10  # simulated days of monitoring after the first installment
    public_url: str = "http://127.0.0.1:8000"


@dataclass(slots=True)
class DemoResult:
    world_dir: Path
    revision: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    audit_events: int = 0
    queue: list[QueueItem] = field(default_factory=list)
    server: ServerThread | None = None
    logins: dict[str, str] = field(default_factory=dict)
    review: ReviewRound | None = None
    published: dict[str, Any] = field(default_factory=dict)
    days: list[DayRecord] = field(default_factory=list)
    report: ReportResult | None = None


def _world_start(options: DemoOptions) -> datetime:
    """The world ends at today's midnight (UTC), so its dates sit just before the review."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=options.days)


def _world_dir(settings: Settings, options: DemoOptions, start: datetime) -> Path:
    name = f"world-s{options.seed}-a{options.accounts}-d{options.days}-{start:%Y%m%d}"
    return settings.home / "demo" / name


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
        start = _world_start(options)
        world_dir = _world_dir(settings, options, start)
        result = DemoResult(world_dir=world_dir, revision=revision)
        if (world_dir / "world" / "meta.json").is_file():
            say(f"reusing the synthetic world in {world_dir}")
        else:
            say(f"generating a synthetic world of {options.accounts:,} accounts")
            params = WorldParams(
                accounts=options.accounts, seed=options.seed, days=options.days, start=start
            )
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

        with db.session() as session:
            result.queue = review_queue(session, limit=options.queue_preview)
        _review_publish_monitor(db, settings, options, server, result, say)
        result.stats = collect_stats(db)
        with db.session() as session:
            result.audit_events = verify(session).events
        if keep_server:
            result.server, server = server, None
        return result
    finally:
        if server is not None:
            server.stop()
        db.dispose()


def _review_publish_monitor(
    db: Database,
    settings: Settings,
    options: DemoOptions,
    server: ServerThread,
    result: DemoResult,
    say: Step,
) -> None:
    """Review as two analysts, publish and report, then watch the platforms for some days."""
    settings = demo_settings(settings, server.url, options.public_url)
    say("the demo reviewers decide the top of the queue (two analysts per confirmation)")
    result.logins = create_demo_users(db)
    clock = SimClockDriver(server.url)
    try:
        clock.set(datetime.now(UTC))
        result.review = round_ = review_round(
            db, settings, result.world_dir / "truth.json", limit=options.review
        )
        say("publishing the first installment and reporting the listed accounts")
        result.published = publish_now(db, settings, SIM_TOKEN, clock)
    finally:
        clock.close()
    result.steps.append(
        (
            "review",
            f"{round_.reviewed} reviewed: {round_.confirmed} confirmed by two analysts, "
            f"{round_.whitelisted} whitelisted, {round_.rejected} rejected",
        )
    )
    reports = result.published.get("reports", {})
    result.steps.append(
        (
            "publish",
            f"installments {result.published.get('installments', [])}; reports "
            f"{reports.get('submitted', 0)} submitted, {reports.get('notices', 0)} DSA notices",
        )
    )
    result.days = follow_up(db, settings, server.url, SIM_TOKEN, days=options.follow_days, step=say)
    listed, gone = listed_suspended(db)
    checks = sum(d.checked for d in result.days)
    result.steps.append(
        (
            "monitor",
            f"{options.follow_days} simulated days, {checks} status checks: {gone} of "
            f"{listed} blacklisted accounts seen suspended",
        )
    )
    say("writing the signed transparency report")
    when = result.days[-1].sim_now if result.days else datetime.now(UTC)
    result.report = write(db, settings, settings.home / "demo" / "report", when)
    result.steps.append(("report", f"{result.report.out} (key {result.report.fingerprint})"))
