"""Live collection throughput: a depth-1 snowball over a generated 2,000-account world.

Each connector crawls from the world's first ten seeds into a fresh SQLite store (media
off, rate-limit waits on the simulated clock). Baseline: raw GETs of the same X timeline
pages on a keep-alive httpx client in the same run, so the ratio shows what parsing and
storing cost over the HTTP stack and the sim's rendering.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from vigil.config import Settings
from vigil.platforms.base import Connection
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.collect import CrawlOptions
from vigil.platforms.collection import collect
from vigil.platforms.registry import connect
from vigil.platforms.seeds import Seed
from vigil.platforms.x import EXPANSIONS, TWEET_FIELDS, USER_FIELDS
from vigil.sim.generate import generate_world
from vigil.sim.params import WorldParams
from vigil.sim.render_bluesky import did_for
from vigil.sim.server.app import create_sim_app
from vigil.sim.server.runner import ServerThread
from vigil.store import open_database, upgrade

ACCOUNTS = 2000
SEEDS = 10
MAX_ACCOUNTS = {"x": 150, "mastodon": 60, "bluesky": 150}
TOKEN = "sim-token"  # noqa: S105 - the sim server's loopback credential


def _baseline(url: str, ids: list[str]) -> float:
    params = {
        "max_results": 100,
        "tweet.fields": TWEET_FIELDS,
        "expansions": EXPANSIONS,
        "user.fields": USER_FIELDS,
    }
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        started = time.perf_counter()
        for account in ids:
            client.get(f"/2/users/{account}/tweets", params=params).raise_for_status()
        return len(ids) / (time.perf_counter() - started)


def run() -> dict[str, object]:
    world = generate_world(WorldParams(accounts=ACCOUNTS, seed=3, days=14))
    index = world.account_index()
    seeds = world.params["seeds"][:SEEDS]
    figures: dict[str, Any] = {
        "accounts": len(world.accounts),
        "posts": len(world.posts),
        "follows": len(world.follows),
    }
    app = create_sim_app(world, x_rate_limits={"user_tweets": 10**9})
    with ServerThread(app) as server, tempfile.TemporaryDirectory() as tmp:
        baseline = _baseline(server.url, [a.id for a in world.accounts[:200]])
        figures["baseline_raw_timeline_pages_per_s"] = round(baseline, 1)
        for name, limit in MAX_ACCOUNTS.items():
            httpx.post(f"{server.url}/_sim/reset").raise_for_status()
            settings = Settings(home=Path(tmp) / name)
            db = open_database(settings)
            upgrade(db)
            driver = SimClockDriver(server.url)
            login = "vigil.bsky.sim" if name == "bluesky" else None
            connection = Connection(base_url=server.url, token=TOKEN, login=login, clock=driver)
            seed_list = [Seed(did_for(index[s]) if name == "bluesky" else s) for s in seeds]
            with connect(name, connection) as platform:
                started = time.perf_counter()
                summary = collect(
                    db,
                    settings,
                    platform,
                    seed_list,
                    options=CrawlOptions(depth=1, max_accounts=limit),
                    media=False,
                )
                seconds = time.perf_counter() - started
            db.dispose()
            driver.close()
            pages = summary.batches / seconds
            figures[f"{name}_accounts_expanded"] = summary.expanded
            figures[f"{name}_accounts_per_s"] = round(summary.expanded / seconds, 1)
            figures[f"{name}_pages_per_s"] = round(pages, 1)
            figures[f"{name}_pages_vs_baseline"] = round(pages / baseline, 3)
            figures[f"{name}_records"] = sum(summary.counts.values())
            figures[f"{name}_rate_limit_waits"] = driver.waits
    return figures
