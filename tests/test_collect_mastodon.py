"""Live Mastodon collection (Mastodon.py) against the sim server: the snowball matches the
world, a 429 is waited out on the simulated clock, an interrupted crawl resumes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.responses import JSONResponse

from tests.sim.conftest import SUSPENDED, TARGET, build_world
from tests.support.sim_servers import ServerFactory, sim_servers
from tests.support.world_truth import crawl_truth, stored
from tests.test_import_urls import links_by_post, shown_urls
from vigil.config import Settings
from vigil.platforms.base import Connection
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.collect import CrawlOptions, CrawlProgress
from vigil.platforms.collection import collect
from vigil.platforms.mastodon import MastodonPlatform
from vigil.platforms.registry import connect
from vigil.platforms.seeds import Seed
from vigil.sim.world import World
from vigil.store import Database

SEEDS = [Seed(TARGET), Seed(SUSPENDED[0]), Seed(None, "user_05"), Seed("99")]
SEED_IDS = [TARGET, SUSPENDED[0], "2000000005"]


class Stop(Exception):
    pass


class RateLimitOnce:
    """Answers the `nth` status-list request with Mastodon's 429 (reset 30 s after `Date`)."""

    def __init__(self, app: Any, nth: int = 3) -> None:
        self.app = app
        self.nth = nth
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/statuses"):
            self.count += 1
            if self.count == self.nth:
                reset = datetime.now(UTC) + timedelta(seconds=30)
                headers = {
                    "X-RateLimit-Limit": "300",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset.isoformat(),
                }
                response = JSONResponse({"error": "Too many requests"}, 429, headers=headers)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, world: World) -> Iterator[Any]:
    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        factory: ServerFactory = start
        yield factory(world, wrap=RateLimitOnce)


@pytest.fixture
def url(server: Any) -> str:
    httpx.post(f"{server.url}/_sim/reset").raise_for_status()
    server.app.count = 0
    return str(server.url)


def _run(
    db: Database, settings: Settings, url: str, progress: Any = None
) -> tuple[Any, SimClockDriver, MastodonPlatform]:
    driver = SimClockDriver(url)
    platform = connect("mastodon", Connection(base_url=url, token="sim-token", clock=driver))
    assert isinstance(platform, MastodonPlatform)
    summary = collect(
        db, settings, platform, SEEDS, options=CrawlOptions(depth=1), progress=progress
    )
    return summary, driver, platform


def _assert_matches_truth(db: Database, world: World, url: str) -> None:
    now = datetime.fromtimestamp(httpx.get(f"{url}/_sim/clock").json()["epoch"], UTC)
    truth = crawl_truth(world, SEED_IDS, 1, now, protected_hidden=False)
    got = stored(db)
    posts = {p for a in truth.expanded for p in got.posts_by_author.get(a, set())}
    assert posts == truth.posts
    world_posts = {p.id: p for p in world.posts}
    links = links_by_post(db)
    assert links, "the crawl met posts with links"
    assert {p: links[p] for p in posts if p in links} == {
        p: shown_urls(world_posts[p])
        for p in posts
        if world_posts[p].kind != "retweet" and shown_urls(world_posts[p])
    }
    assert got.follows == truth.follows
    for aid in truth.expanded:
        sim = world.account_index()[aid]
        assert got.accounts[aid].handle == sim.acct
        assert got.accounts[aid].display_name == sim.display_name
    statuses = {(a, s) for a, s, _, _ in got.observations}
    assert (SUSPENDED[0], "suspended") in statuses
    assert ("99", "not_found") in statuses
    assert len(got.observations) == len(set(got.observations))


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_snowball_matches_the_world_and_waits_out_a_429(
    db: Database, settings: Settings, url: str, world: World
) -> None:
    summary, driver, platform = _run(db, settings, url)
    assert summary.completed
    assert summary.platform.startswith("mastodon:127.0.0.1:")
    assert summary.unavailable == {"suspended": 1, "not_found": 1}
    assert platform.stats()["rate_limit_waits"] == 1
    assert driver.waits == 1
    assert 25 <= driver.waited <= 32, (
        "waited on the sim clock until the reset (Date has whole seconds)"
    )
    _assert_matches_truth(db, world, url)
    edited = stored(db).posts_by_author["2000000004"]
    assert len(edited) == len(
        [p for p in world.posts if p.author_id == "2000000004" and p.kind != "retweet"]
    )


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_interrupted_crawl_resumes_to_the_same_result(
    db: Database, settings: Settings, url: str, world: World
) -> None:
    def stop(p: CrawlProgress) -> None:
        if p.batches == 15:
            raise Stop

    with pytest.raises(Stop):
        _run(db, settings, url, progress=stop)
    summary, _, _ = _run(db, settings, url)
    assert summary.resumed
    assert summary.completed
    _assert_matches_truth(db, world, url)


def test_an_instance_url_is_required() -> None:
    from vigil.errors import ConfigError

    with pytest.raises(ConfigError, match="--api-base"):
        connect("mastodon", Connection(token="t"))
