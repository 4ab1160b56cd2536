"""Crash safety of installment threads: `kill -9` of `vigil publish` while it posts a thread
to the organisation's Mastodon and Bluesky accounts on the sim, several times at random
moments; after the restart every thread post is on the sim exactly once, none lost."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from atproto import Client

from tests.support.cli import run_cli
from tests.support.publish_world import listed_account, platform
from tests.support.sim_servers import sim_servers
from vigil.config import Settings
from vigil.model import AuditEvent
from vigil.model.publish import Installment, Publication
from vigil.sim.server.runner import ServerThread
from vigil.store import Database

VIGIL = str(Path(sys.executable).parent / "vigil")
pytestmark = pytest.mark.slow
DELAY = 0.12  # the sim answers each post this late: most kills land after the post is made
KILLS = 3


class SlowWrites:
    """Delays the answer (not the effect) of every post: the window where a kill loses it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not path.endswith(("/api/v1/statuses", "createRecord"))
        ):
            await self.app(scope, receive, send)
            return
        self.seen += 1

        async def later(message: Any) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(DELAY)
            await send(message)

        await self.app(scope, receive, later)


@pytest.fixture
def slow_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, SlowWrites]]:
    # One server per test: the organisation's posts accumulate on it.
    wrapped: list[SlowWrites] = []

    def wrap(app: Any) -> SlowWrites:
        wrapped.append(SlowWrites(app))
        return wrapped[0]

    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        server = start(wrap=wrap)
        yield server, wrapped[0]


def _env(settings: Settings, sim: ServerThread) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "VIGIL_HOME": str(settings.home),
        "VIGIL_DATABASE_URL": settings.effective_database_url,
        "VIGIL_MASTODON_URL": sim.url,
        "VIGIL_MASTODON_TOKEN": "sim-token",
        "VIGIL_BLUESKY_URL": sim.url,
        "VIGIL_BLUESKY_HANDLE": "vigil-org",
        "VIGIL_BLUESKY_PASSWORD": "sim-token",
        "VIGIL_PUBLIC_URL": "https://vigil.example",
    }


def _on_sim(sim: ServerThread) -> dict[str, list[tuple[str, str, str | None]]]:
    """(id, text, replies to) of every post the organisation made, per network."""
    statuses = httpx.get(
        f"{sim.url}/api/v1/accounts/1/statuses", headers={"Authorization": "Bearer sim-token"}
    ).json()
    client = Client(base_url=sim.url)
    client.login("vigil-org", "sim-token", fetch_bsky_profile=False)
    did = client.com.atproto.server.get_session().did
    records = client.com.atproto.repo.list_records(
        {"repo": did, "collection": "app.bsky.feed.post", "limit": 100}
    ).records
    return {
        "mastodon": [(str(s["id"]), str(s["content"]), s["in_reply_to_id"]) for s in statuses],
        "bluesky": [
            (r.uri, r.value.text, r.value.reply.parent.uri if r.value.reply else None)
            for r in records
        ],
    }


def test_threads_killed_then_restarted_are_posted_once(
    db: Database,
    settings: Settings,
    dialect: str,
    slow_sim: tuple[ServerThread, SlowWrites],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim, counter = slow_sim
    rng = random.Random(f"installments-{dialect}")
    with db.transaction() as session:
        x = platform(session, "x", "x")
        entries = [
            listed_account(session, x, str(500 + i), f"acct{i}", posts=[(f"8{i}", "t")]).entry_id
            for i in range(14)
        ]
    env = _env(settings, sim)
    args = ["publish", "--channel", "mastodon", "--channel", "bluesky", "--format", "json"]
    kills: list[tuple[float, int, int]] = []  # (delay, posts asked in the run, exit code)
    for _ in range(KILLS):
        seen = counter.seen
        proc = subprocess.Popen([VIGIL, *args], env=env, stdout=subprocess.DEVNULL)
        # The kill lands while the r-th post of this run waits for its answer, or just after.
        r = rng.randint(1, 4)
        deadline = time.monotonic() + 30
        while proc.poll() is None and counter.seen < seen + r and time.monotonic() < deadline:
            time.sleep(0.005)
        delay = rng.uniform(0.0, 1.5 * DELAY)
        time.sleep(delay)
        at_kill = counter.seen
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        kills.append((round(delay, 3), at_kill - seen, proc.returncode))

    for key, value in env.items():  # the restart, in this process
        monkeypatch.setenv(key, value)
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    again = run_cli(capsys, *args)  # and once more: nothing left to post
    assert again.code == 0, again.err
    assert {k: v for k, v in json.loads(again.out).items() if k in {"mastodon", "bluesky"}} == {
        "mastodon": {"posts": 0},
        "bluesky": {"posts": 0},
    }

    on_sim = _on_sim(sim)
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Installment)) == 1
        pubs = {
            p.channel: p
            for p in session.scalars(
                sa.select(Publication).where(Publication.channel.in_(["mastodon", "bluesky"]))
            )
        }
        audited = session.scalars(
            sa.select(AuditEvent.payload).where(AuditEvent.action == "publish.installment")
        ).all()
    audited = [json.loads(p) if isinstance(p, str) else p for p in audited]
    assert sorted(str(p["channel"]) for p in audited if "channel" in p) == [
        "bluesky",
        "feed",
        "mastodon",
    ]
    for channel in ("mastodon", "bluesky"):
        pub = pubs[channel]
        state = f"{channel} kills={kills} sim={len(on_sim[channel])}"
        assert pub.status == "sent", state
        posts = pub.payload["posts"]
        texts = Counter(text for _, text, _ in on_sim[channel])
        assert max(texts.values()) == 1, state  # no post made twice
        ids = {pid for pid, _, _ in on_sim[channel]}
        assert ids == {p["ref"]["id"] for p in posts}, state  # none lost, none stray
        assert sorted(e for p in posts for e in p["entry_ids"]) == sorted(entries), state
        # One thread: each post answers the one before it.
        parent = {pid: reply for pid, _, reply in on_sim[channel]}
        chain = [p["ref"]["id"] for p in posts]
        assert parent[chain[0]] is None, state
        assert all(str(parent[b]) == a for a, b in itertools.pairwise(chain)), state
    with capsys.disabled():
        print(f"\nkills ({dialect}): {kills}; posts {[len(v) for v in on_sim.values()]}")
    assert run_cli(capsys, "audit", "verify").code == 0
