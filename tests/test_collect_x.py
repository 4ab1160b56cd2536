"""Live X collection against the sim server: the snowball matches the world, 429s are waited
out on the simulated clock, and an interrupted crawl resumes to the same result."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.sim.conftest import PROTECTED, SUSPENDED, TARGET, build_world
from tests.support.sim_servers import ServerFactory, sim_servers
from tests.support.world_truth import crawl_truth, stored
from tests.test_import_urls import links_by_post
from vigil.config import Settings
from vigil.errors import RateLimitedError
from vigil.model import AuditEvent, Media
from vigil.platforms.base import Connection
from vigil.platforms.checkpoint import Checkpoint
from vigil.platforms.clock import ObservedClock, SimClockDriver
from vigil.platforms.collect import CrawlOptions, CrawlProgress
from vigil.platforms.collection import collect
from vigil.platforms.loader import Loader
from vigil.platforms.records import (
    AccountRecord,
    FollowRecord,
    MediaRecord,
    PostRecord,
    Record,
)
from vigil.platforms.registry import connect
from vigil.platforms.seeds import Seed
from vigil.platforms.x import XPlatform
from vigil.platforms.x_client import XClient
from vigil.sim.world import World
from vigil.store import Database

LIMITS = {"users_lookup": 2, "user_tweets": 8, "followers": 4, "following": 4}
SEEDS = [Seed(TARGET), Seed(SUSPENDED[0]), Seed(None, "user_05")]
SEED_IDS = [TARGET, SUSPENDED[0], "2000000005"]


class Stop(Exception):
    pass


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def sim_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    with sim_servers(tmp_path_factory.mktemp("sim")) as factory:
        yield factory


@pytest.fixture(scope="module")
def limited(sim_server_factory: ServerFactory, world: World) -> Any:
    """A sim server with tight X rate limits in five-minute windows."""
    return sim_server_factory(world, x_rate_limits=LIMITS, rate_window_seconds=300)


@pytest.fixture
def url(limited: Any) -> Iterator[str]:
    httpx.post(f"{limited.url}/_sim/reset").raise_for_status()
    return str(limited.url)


def _sim_now(url: str) -> datetime:
    return datetime.fromtimestamp(httpx.get(f"{url}/_sim/clock").json()["epoch"], UTC)


def _x(url: str, driver: SimClockDriver) -> XPlatform:
    platform = connect("x", Connection(base_url=url, token="sim-token", clock=driver))
    assert isinstance(platform, XPlatform)
    return platform


def _run(
    db: Database,
    settings: Settings,
    url: str,
    *,
    seeds: list[Seed] = SEEDS,
    options: CrawlOptions | None = None,
    progress: Callable[[CrawlProgress], None] | None = None,
) -> tuple[Any, SimClockDriver, XPlatform]:
    driver = SimClockDriver(url)
    platform = _x(url, driver)
    summary = collect(
        db, settings, platform, seeds, options=options or CrawlOptions(depth=1), progress=progress
    )
    return summary, driver, platform


def _assert_matches_truth(db: Database, world: World, url: str, start: datetime) -> None:
    end = _sim_now(url)
    truth = crawl_truth(world, SEED_IDS, 1, end)
    assert truth == crawl_truth(world, SEED_IDS, 1, start), "the waits moved nothing in the world"
    got = stored(db, "x")
    expanded_posts = {p for a in truth.expanded for p in got.posts_by_author.get(a, set())}
    assert expanded_posts == truth.posts
    # X gives every link of a post (retweets repeat the original's) a t.co url entity.
    world_posts = {p.id: p for p in world.posts}
    links = links_by_post(db)
    assert links, "the crawl met posts with links"
    assert {p: links[p] for p in expanded_posts if p in links} == {
        p: world_posts[p].urls for p in expanded_posts if world_posts[p].urls
    }
    assert got.follows == truth.follows
    assert set(truth.expanded) <= set(got.accounts)
    for aid in truth.expanded:
        account = got.accounts[aid]
        sim = world.account_index()[aid]
        assert (account.handle, account.display_name) == (sim.handle, sim.display_name)
        assert account.profile_seen_at is not None
    statuses = {(a, s) for a, s, _, _ in got.observations}
    assert (SUSPENDED[0], "suspended") in statuses, "a suspended seed is an observation"
    assert (PROTECTED, "unauthorized") in statuses, "a protected account's timeline is refused"
    assert {src for _, _, src, _ in got.observations} == {"collect"}
    assert len(got.observations) == len(set(got.observations)), "no observation stored twice"


def test_snowball_matches_the_world_through_429s(
    db: Database, settings: Settings, url: str, world: World
) -> None:
    start = _sim_now(url)
    summary, driver, platform = _run(db, settings, url)
    assert summary.completed
    assert not summary.resumed
    _assert_matches_truth(db, world, url, start)
    truth = crawl_truth(world, SEED_IDS, 1, start)
    assert summary.expanded == len(truth.expanded)
    assert summary.unavailable == {"suspended": 1, "protected": 1}
    stats = platform.stats()
    assert stats["rate_limit_waits"] >= 3, "the tight limits were hit and waited out"
    assert driver.waits == stats["rate_limit_waits"]
    assert _sim_now(url) > start, "waiting moved the simulated clock, not the wall clock"
    with db.session() as s:
        media = s.execute(
            select(Media).where(Media.media_key == "3_900000000000000002")
        ).scalar_one()
        events = list(s.execute(select(AuditEvent)).scalars())
    stored_file = settings.media_dir / str(media.local_path)
    assert hashlib.sha256(stored_file.read_bytes()).hexdigest() == media.sha256
    assert (media.width, media.height) == (80, 60)
    runs = [e for e in events if e.action == "collect.run"]
    assert len(runs) == 1
    payload = json.loads(runs[0].payload)
    assert payload["completed"] is True
    assert payload["seeds"] == 3
    assert payload["depth"] == 1
    assert payload["counts"]["posts"] > 0
    assert "sim-token" not in runs[0].payload


def test_interrupted_crawl_resumes_to_the_same_result(
    db: Database, settings: Settings, url: str, world: World
) -> None:
    start = _sim_now(url)
    seen: list[CrawlProgress] = []

    def stop_after_20(p: CrawlProgress) -> None:
        seen.append(p)
        if p.batches == 20:
            raise Stop

    with pytest.raises(Stop):
        _run(db, settings, url, progress=stop_after_20)
    partial = stored(db, "x")
    truth = crawl_truth(world, SEED_IDS, 1, start)
    assert 0 < len(partial.follows) < len(truth.follows)
    summary, _, _ = _run(db, settings, url)
    assert summary.resumed
    assert summary.completed
    assert summary.batches > 20
    _assert_matches_truth(db, world, url, start)
    with db.session() as s:
        runs = [e for e in s.execute(select(AuditEvent)).scalars() if e.action == "collect.run"]
    assert [json.loads(e.payload)["completed"] for e in runs] == [False, True]
    assert json.loads(runs[0].payload)["stopped_by"] == "Stop"


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_crash_between_commit_and_checkpoint_redoes_one_batch(
    db: Database, settings: Settings, url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = _sim_now(url)
    real_save = Checkpoint.save
    calls = {"n": 0}

    def crashing_save(self: Checkpoint, path: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 12:
            raise Stop  # the batch is committed, its checkpoint never written
        real_save(self, path)

    loads: list[frozenset[str]] = []
    real_load = Loader.load

    def recording_load(self: Loader, records: Iterable[Record]) -> Any:
        batch = list(records)
        loads.append(frozenset(_identity(r) for r in batch))
        return real_load(self, batch)

    monkeypatch.setattr(Loader, "load", recording_load)
    monkeypatch.setattr(Checkpoint, "save", crashing_save)
    with pytest.raises(Stop):
        _run(db, settings, url)
    crashed = len(loads)
    monkeypatch.setattr(Checkpoint, "save", real_save)
    summary, _, _ = _run(db, settings, url)
    assert summary.resumed
    assert summary.completed
    assert loads[crashed] == loads[crashed - 1], "the batch without a checkpoint was redone"
    _assert_matches_truth(db, world, url, start)


def _identity(record: Record) -> str:
    """A record's kind and key, without the time it was seen."""
    if isinstance(record, AccountRecord):
        return f"account:{record.platform_account_id}:{record.complete}"
    if isinstance(record, PostRecord):
        return f"post:{record.version_id}"
    if isinstance(record, FollowRecord):
        return f"follow:{record.source_account_id}:{record.target_account_id}"
    if isinstance(record, MediaRecord):
        return f"media:{record.media_key}"
    return f"status:{record.subject_id}:{record.status}"


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_depth_and_max_accounts_bound_the_crawl(
    db: Database, settings: Settings, url: str, world: World
) -> None:
    flat, _, _ = _run(db, settings, url, options=CrawlOptions(depth=0))
    assert flat.expanded == 2, "depth 0: the live seeds only"
    capped, _, _ = _run(db, settings, url, options=CrawlOptions(depth=1, max_accounts=5))
    assert capped.expanded == 5
    assert capped.known == 5


def test_observed_clock_waits_out_a_running_sim_clock(
    sim_server_factory: ServerFactory, world: World
) -> None:
    server = sim_server_factory(
        world, clock_speed=3000.0, x_rate_limits={"user_tweets": 1}, rate_window_seconds=60
    )
    platform = XPlatform(XClient("sim-token", base_url=server.url), timeline_page=5)
    started = time.perf_counter()
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = platform.timeline(TARGET, cursor)
        ids += [r.platform_post_id for r in page.records if hasattr(r, "platform_post_id")]
        cursor = page.cursor
        if cursor is None:
            break
    elapsed = time.perf_counter() - started
    mine = [p.id for p in world.posts if p.author_id == TARGET and p.created_at <= world.end]
    assert set(mine) <= set(ids)
    assert platform.client.rate_limit_waits >= 3
    assert elapsed < 8, f"waits must pass on the sim clock, took {elapsed:.1f} s of wall time"


def test_a_frozen_sim_clock_cannot_be_waited_out(
    sim_server_factory: ServerFactory, world: World
) -> None:
    server = sim_server_factory(world, x_rate_limits={"followers": 1})
    ticks = iter(range(1000))
    clock = ObservedClock(sleep=lambda s: None, monotonic=lambda: float(next(ticks)))
    client = XClient("sim-token", base_url=server.url, clock=clock)
    client.get(f"/2/users/{TARGET}/followers")
    with pytest.raises(RateLimitedError, match="clock does not move"):
        client.get(f"/2/users/{TARGET}/followers")


def test_malformed_seeds_are_not_found_without_failing_the_lookup(url: str) -> None:
    platform = XPlatform(XClient("sim-token", base_url=url))
    page = platform.lookup_handles(["user_05", "not-a-handle!", "x" * 16])
    assert page.accounts == ["2000000005"]
    assert set(page.unavailable) == {"not-a-handle!", "x" * 16}
    assert platform.lookup_ids(["12ab"]).requests == 0
