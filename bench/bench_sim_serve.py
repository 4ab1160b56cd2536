"""Sim server throughput: X users lookup (100 ids) and a Mastodon account lookup, over loopback.

Baseline: a trivial ``GET /_sim/clock`` on the same keep-alive client in the same run, so
the ratio shows what rendering costs over the HTTP stack. Also times indexing a
20,000-account world.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from vigil.sim.server.app import create_sim_app
from vigil.sim.server.runner import ServerThread
from vigil.sim.world import Follow, Role, SimAccount, SimPost, World

N_ACCOUNTS = 20_000
POSTS_PER_ACCOUNT = 10
FOLLOWS_PER_ACCOUNT = 15
SECONDS = 3.0
START = datetime(2015, 1, 1, tzinfo=UTC)
END = datetime(2015, 4, 1, tzinfo=UTC)


def _world() -> World:
    rng = random.Random(1)
    roles = list(Role)
    span = (END - START).total_seconds()
    accounts = [
        SimAccount(
            id=str(1_000_000 + i),
            handle=f"acct{i}",
            display_name=f"Account {i}",
            bio=f"Notes on #topic{i % 7}",
            role=roles[i % len(roles)],
            identity=f"p{i}",
            lang=("en", "ar", "fr")[i % 3],
            created_at=START - timedelta(days=rng.randint(30, 2000)),
            followers_count=rng.randint(0, 5000),
            following_count=rng.randint(0, 2000),
            posts_per_day=rng.random() * 5,
            suspended_at=END - timedelta(days=rng.randint(1, 60)) if i % 10 == 0 else None,
        )
        for i in range(N_ACCOUNTS)
    ]
    posts = []
    serial = 0
    for acc in accounts:
        for k in range(POSTS_PER_ACCOUNT):
            serial += 1
            posts.append(
                SimPost(
                    id=str(500_000_000_000 + serial),
                    author_id=acc.id,
                    created_at=START + timedelta(seconds=rng.random() * span),
                    text=f"Routine note {k} #topic{k % 7}",
                    lang=acc.lang,
                )
            )
    follows = [
        Follow(
            acc.id,
            accounts[rng.randrange(N_ACCOUNTS)].id,
            START + timedelta(seconds=rng.random() * span),
        )
        for acc in accounts
        for _ in range(FOLLOWS_PER_ACCOUNT)
    ]
    return World(params={}, start=START, end=END, accounts=accounts, posts=posts, follows=follows)


def _rate(client: httpx.Client, request: Callable[[httpx.Client], httpx.Response]) -> float:
    for _ in range(20):
        request(client).raise_for_status()
    n = 0
    started = time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        request(client).raise_for_status()
        n += 1
    return n / (time.perf_counter() - started)


def run() -> dict[str, object]:
    world = _world()
    started = time.perf_counter()
    app = create_sim_app(world, x_rate_limits={"users_lookup": 10**9})
    index_seconds = time.perf_counter() - started
    ids = ",".join(a.id for a in world.accounts[:100])
    figures: dict[str, Any] = {
        "accounts": N_ACCOUNTS,
        "posts": len(world.posts),
        "follows": len(world.follows),
        "index_build_s": round(index_seconds, 2),
    }
    with (
        ServerThread(app) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sim-token"}) as client,
    ):
        baseline = _rate(client, lambda c: c.get("/_sim/clock"))
        users = _rate(
            client,
            lambda c: c.get(
                "/2/users", params={"ids": ids, "user.fields": "created_at,public_metrics"}
            ),
        )
        lookup = _rate(
            client, lambda c: c.get("/api/v1/accounts/lookup", params={"acct": "acct123"})
        )
    figures.update(
        {
            "baseline_clock_rps": round(baseline),
            "x_users_lookup_100_rps": round(users),
            "x_users_lookup_users_per_s": round(users * 100),
            "mastodon_lookup_rps": round(lookup),
            "x_users_lookup_vs_baseline": round(users / baseline, 3),
            "mastodon_lookup_vs_baseline": round(lookup / baseline, 3),
        }
    )
    print(
        f"   users lookup {users:.0f} req/s, mastodon lookup {lookup:.0f} req/s, "
        f"baseline {baseline:.0f} req/s (ratios {users / baseline:.2f}, {lookup / baseline:.2f})"
    )
    return figures
