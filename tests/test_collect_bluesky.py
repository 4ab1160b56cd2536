"""Live Bluesky collection (atproto SDK) against the sim server: profiles by DID and handle,
author feeds with reposts and images, taken-down accounts, a 429, an interrupted crawl.

The sim serves no follow graph (``app.bsky.graph.*``): one server here adds it in front of
the sim, from the same world, so the snowball itself is tested too; the plain one shows the
connector going on without it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from starlette.responses import JSONResponse

from tests.sim.conftest import SUSPENDED, TARGET, build_world
from tests.support.sim_servers import ServerFactory, sim_servers
from tests.support.world_truth import crawl_truth, live, stored
from tests.test_import_urls import links_by_post, shown_urls
from vigil.config import Settings
from vigil.platforms.base import Connection
from vigil.platforms.bluesky import BlueskyPlatform
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.collect import CrawlOptions, CrawlProgress
from vigil.platforms.collection import collect
from vigil.platforms.registry import connect
from vigil.platforms.seeds import Seed
from vigil.sim.render_bluesky import did_for, post_uri, profile_json, rkey_for
from vigil.sim.world import SimPost
from vigil.store import Database

WORLD = build_world()
ACCOUNTS = WORLD.account_index()
SEED_IDS = [TARGET, SUSPENDED[0], "2000000005"]
SEEDS = [
    Seed(did_for(ACCOUNTS[TARGET])),
    Seed(did_for(ACCOUNTS[SUSPENDED[0]])),
    Seed(None, "user-05.bsky.sim"),
    Seed(None, "nobody.bsky.sim"),
]


class Stop(Exception):
    pass


class GraphAndLimits:
    """In front of the sim: ``getFollowers``/``getFollows`` from the world, and one 429."""

    def __init__(self, app: Any, *, rate_limit_nth: int = 2) -> None:
        self.app = app
        self.nth = rate_limit_nth
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.endswith("app.bsky.feed.getAuthorFeed"):
            self.count += 1
            if self.count == self.nth:
                reset = self.app.state.sim.clock.now().timestamp() + 20
                body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
                headers = {"ratelimit-remaining": "0", "ratelimit-reset": str(int(reset))}
                await JSONResponse(body, 429, headers=headers)(scope, receive, send)
                return
        if scope["type"] == "http" and path.split("/")[-1] in (
            "app.bsky.graph.getFollowers",
            "app.bsky.graph.getFollows",
        ):
            query = parse_qs(scope["query_string"].decode())
            body = self._graph(path.endswith("getFollowers"), query)
            await JSONResponse(body)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _graph(self, followers: bool, query: dict[str, list[str]]) -> dict[str, Any]:
        now = self.app.state.sim.clock.now()
        by_did = {did_for(a): a for a in WORLD.accounts}
        actor = by_did[query["actor"][0]]
        listed = [
            ACCOUNTS[f.src if followers else f.dst]
            for f in sorted(WORLD.follows, key=lambda f: f.created_at, reverse=True)
            if (f.dst if followers else f.src) == actor.id and f.created_at <= now
        ]
        listed = [a for a in listed if live(a, now)]
        start = int(query.get("cursor", ["0"])[0])
        limit = int(query.get("limit", ["50"])[0])
        views = []
        for acc in listed[start : start + limit]:
            view = profile_json(acc)
            for key in ("followersCount", "followsCount", "postsCount"):
                view.pop(key)
            views.append(view)
        body: dict[str, Any] = {
            "subject": profile_json(actor),
            "followers" if followers else "follows": views,
        }
        if start + limit < len(listed):
            body["cursor"] = str(start + limit)
        return body


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        factory: ServerFactory = start
        yield factory(WORLD, wrap=GraphAndLimits), factory(WORLD)


@pytest.fixture
def graph_url(servers: tuple[Any, Any]) -> str:
    server = servers[0]
    httpx.post(f"{server.url}/_sim/reset").raise_for_status()
    server.app.count = 0
    return str(server.url)


def _run(
    db: Database, settings: Settings, url: str, *, depth: int = 1, progress: Any = None
) -> tuple[Any, SimClockDriver, BlueskyPlatform]:
    driver = SimClockDriver(url)
    connection = Connection(base_url=url, token="sim-token", login="vigil.bsky.sim", clock=driver)
    platform = connect("bluesky", connection)
    assert isinstance(platform, BlueskyPlatform)
    summary = collect(
        db, settings, platform, SEEDS, options=CrawlOptions(depth=depth), progress=progress
    )
    return summary, driver, platform


def _uri(post: SimPost) -> str:
    author = ACCOUNTS[post.author_id]
    if post.kind == "retweet":
        return f"at://{did_for(author)}/app.bsky.feed.repost/{rkey_for(post)}"
    return post_uri(post, author)


def _assert_matches_truth(db: Database, url: str, depth: int, *, graph: bool = True) -> None:
    now = datetime.fromtimestamp(httpx.get(f"{url}/_sim/clock").json()["epoch"], UTC)
    truth = crawl_truth(WORLD, SEED_IDS, depth, now, protected_hidden=False)
    posts = {p.id: p for p in WORLD.posts}
    got = stored(db, "bluesky")
    dids = {did_for(ACCOUNTS[a]): a for a in truth.expanded}
    collected = {p for did in dids for p in got.posts_by_author.get(did, set())}
    assert collected == {_uri(posts[p]) for p in truth.posts}
    links = links_by_post(db)
    assert links or depth == 0, "a crawl through the graph meets posts with links"
    assert {u: links[u] for u in collected if u in links} == {
        _uri(posts[p]): shown_urls(posts[p])
        for p in truth.posts
        if posts[p].kind != "retweet" and shown_urls(posts[p])
    }
    expected_follows = {(did_for(ACCOUNTS[a]), did_for(ACCOUNTS[b])) for a, b in truth.follows}
    assert got.follows == (expected_follows if graph else set())
    for did, aid in dids.items():
        account = got.accounts[did]
        assert account.display_name == ACCOUNTS[aid].display_name
        assert account.followers_count == ACCOUNTS[aid].followers_count, "a detailed profile"
    statuses = {(a, s) for a, s, _, _ in got.observations}
    assert (did_for(ACCOUNTS[SUSPENDED[0]]), "suspended") in statuses
    assert ("username:nobody.bsky.sim", "not_found") in statuses
    assert len(got.observations) == len(set(got.observations))


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_snowball_matches_the_world_and_waits_out_a_429(
    db: Database, settings: Settings, graph_url: str
) -> None:
    summary, driver, platform = _run(db, settings, graph_url)
    assert summary.completed
    assert summary.disabled_steps == []
    assert summary.unavailable == {"suspended": 1, "not_found": 1}
    assert platform.stats()["rate_limit_waits"] == 1
    assert driver.waits == 1
    assert 15 <= driver.waited <= 21
    assert summary.media["fetched"] == 1
    _assert_matches_truth(db, graph_url, 1)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_interrupted_crawl_resumes_to_the_same_result(
    db: Database, settings: Settings, graph_url: str
) -> None:
    def stop(p: CrawlProgress) -> None:
        if p.batches == 12:
            raise Stop

    with pytest.raises(Stop):
        _run(db, settings, graph_url, progress=stop)
    summary, _, _ = _run(db, settings, graph_url)
    assert summary.resumed
    assert summary.completed
    _assert_matches_truth(db, graph_url, 1)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_server_without_a_follow_graph_still_yields_profiles_and_feeds(
    db: Database, settings: Settings, servers: tuple[Any, Any]
) -> None:
    url = str(servers[1].url)
    summary, _, _ = _run(db, settings, url)
    assert summary.completed
    assert summary.disabled_steps == ["followers", "following"]
    assert summary.expanded == 2, "no follow graph: the live seeds only"
    _assert_matches_truth(db, url, 0, graph=False)
    assert json.dumps(summary.to_dict())


def test_handle_and_password_go_together() -> None:
    from vigil.errors import ConfigError

    with pytest.raises(ConfigError, match="both"):
        connect("bluesky", Connection(base_url="http://127.0.0.1:9", login="me.bsky.social"))
