"""A small hand-made world (30-odd accounts) and a live sim server for the sim tests.

Hand-made so the tests know exactly which accounts are suspended, who follows whom and
which posts exist, independent of the generator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from vigil.sim.world import Follow, Role, SimAccount, SimMedia, SimPost, World

START = datetime(2015, 1, 1, tzinfo=UTC)
END = datetime(2015, 3, 1, tzinfo=UTC)
N_ACCOUNTS = 32
TARGET = "2000000000"  # many followers and posts: the paging target
SUSPENDED = ("2000000003", "2000000007")  # suspended before END
LATER_SUSPENDED = "2000000011"  # suspended ten days after END
REPORTABLE = "2000000012"  # supporter, suspended sixty days after END
UNBORN = "2000000031"  # created five days after END
PROTECTED = "2000000009"
_ROLES = [Role.ORDINARY, Role.SUPPORTER, Role.JOURNALIST, Role.BOT, Role.RESEARCHER]


def _aid(i: int) -> str:
    return str(2_000_000_000 + i)


def _account(i: int) -> SimAccount:
    aid = _aid(i)
    acc = SimAccount(
        id=aid,
        handle=f"user_{i:02d}" if i % 4 else f"User{i:02d}",
        display_name=f"Test User {i}",
        bio=f"Account number {i}. Notes on #topic{i % 3} & <things>",
        role=_ROLES[i % len(_ROLES)],
        identity=f"person-{i}",
        lang=("en", "ar", "fr")[i % 3],
        created_at=START - timedelta(days=400 - i),
        followers_count=100 + i,
        following_count=50 + i,
        posts_per_day=1.5,
        location="Somewhere" if i % 2 else "",
        url="https://example.org/about" if i == 1 else None,
        avatar_media="3_900000000000000001" if i == 2 else None,
    )
    if aid in SUSPENDED:
        acc.suspended_at = START + timedelta(days=20 + i)
    if aid == LATER_SUSPENDED:
        acc.suspended_at = END + timedelta(days=10)
    if aid == REPORTABLE:
        acc.role = Role.SUPPORTER
        acc.suspended_at = END + timedelta(days=60)
    if aid == UNBORN:
        acc.created_at = END + timedelta(days=5)
    if aid == PROTECTED:
        acc.protected = True
    return acc


def _posts(accounts: list[SimAccount]) -> list[SimPost]:
    posts: list[SimPost] = []
    serial = 0

    def add(author: SimAccount, when: datetime, text: str, **kw: Any) -> SimPost:
        nonlocal serial
        serial += 1
        ms = int(when.timestamp() * 1000) - 1288834974657
        post = SimPost(
            id=str((ms << 22) | serial),
            author_id=author.id,
            created_at=when,
            text=text,
            lang=author.lang,
            **kw,
        )
        posts.append(post)
        return post

    by_id = {a.id: a for a in accounts}
    target = by_id[TARGET]
    for k in range(23):
        add(target, START + timedelta(days=k * 2, hours=3), f"Target post {k} about #weather")
    for i, acc in enumerate(accounts[1:], start=1):
        n = 3 + i % 4
        for k in range(n):
            when = START + timedelta(days=5 + k * 7 + i % 5, minutes=i)
            add(
                acc,
                when,
                f"Routine note {k} from {acc.handle} #topic{k % 3}",
                hashtags=[f"topic{k % 3}"],
            )
    suspended_post = next(p for p in posts if p.author_id == SUSPENDED[0])
    first = posts[0]
    user1, user2, user4 = by_id[_aid(1)], by_id[_aid(2)], by_id[_aid(4)]
    add(
        user1,
        START + timedelta(days=50),
        f"RT @{target.handle}: {first.text}",
        kind="retweet",
        ref_id=first.id,
        mentions=[target.id],
    )
    add(
        user1,
        START + timedelta(days=51),
        "Reading the Amaq archive listing https://archive.org/details/x1",
        urls=["https://archive.org/details/x1"],
    )
    add(
        user2,
        START + timedelta(days=52),
        f"@{target.handle} agreed, see the report",
        kind="reply",
        ref_id=first.id,
        mentions=[target.id],
    )
    add(user2, START + timedelta(days=53), "Photo of the day", media_keys=["3_900000000000000002"])
    add(user4, START + timedelta(days=54), "Quoting this one", kind="quote", ref_id=first.id)
    add(
        user4,
        START + timedelta(days=55),
        "RT of a later suspended account",
        kind="retweet",
        ref_id=suspended_post.id,
    )
    add(
        user4,
        START + timedelta(days=55, hours=12),
        "Quoting a later suspended account",
        kind="quote",
        ref_id=suspended_post.id,
    )
    edited = add(user4, START + timedelta(days=56), "First draft of a note")
    edited.edits = [
        (START + timedelta(days=56, minutes=10), "Second draft of a note"),
        (END + timedelta(days=2), "Third draft, after the end"),
    ]
    add(target, END + timedelta(days=3), "A post after the end of the world")
    return posts


def _follows(accounts: list[SimAccount]) -> list[Follow]:
    follows: list[Follow] = []
    for i, acc in enumerate(accounts[1:], start=1):
        if acc.id == UNBORN:
            continue
        follows.append(Follow(acc.id, TARGET, START + timedelta(hours=i)))
        if i % 3 == 0:
            follows.append(Follow(TARGET, acc.id, START + timedelta(days=1, hours=i)))
        if i > 1:
            follows.append(Follow(acc.id, accounts[i - 1].id, START + timedelta(days=2, hours=i)))
    return follows


def build_world(*, report_multiplier: float = 1000.0) -> World:
    """The hand-made world; ``report_multiplier`` goes into the platform parameters."""
    accounts = [_account(i) for i in range(N_ACCOUNTS)]
    media = [
        SimMedia(
            "3_900000000000000001", _aid(2), "media/3_900000000000000001.png", 64, 64, "avatar"
        ),
        SimMedia("3_900000000000000002", _aid(2), "media/3_900000000000000002.png", 80, 60),
    ]
    params = {
        "platform": {
            "daily_hazard": {"supporter": 0.02, "bot": 0.01, "ordinary": 0.0005},
            "report_multiplier": report_multiplier,
            "seed": 7,
        }
    }
    return World(
        params=params,
        start=START,
        end=END,
        accounts=accounts,
        posts=_posts(accounts),
        media=media,
        follows=_follows(accounts),
    )


def write_media(world: World, root: Path) -> None:
    """Draw the world's media files (flat colour squares) under ``root``."""
    from PIL import Image

    for m in world.media:
        path = root / m.file
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (m.width, m.height), (40, 90, 160)).save(path)


@pytest.fixture(scope="module")
def small_world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def sim_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Any]]:
    """Start sim servers (uvicorn in a thread on a free loopback port); all stop at the end."""
    from vigil.sim.server.app import create_sim_app
    from vigil.sim.server.runner import ServerThread

    started: list[ServerThread] = []

    def start(world: World | None = None, **options: Any) -> ServerThread:
        w = world if world is not None else build_world()
        media_dir = tmp_path_factory.mktemp("world")
        write_media(w, media_dir)
        app = create_sim_app(w, media_dir=media_dir, **options)
        server = ServerThread(app)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def sim_server(sim_server_factory: Callable[..., Any]) -> Any:
    """One server over the default small world for a whole test module."""
    return sim_server_factory()


@pytest.fixture
def sim_url(sim_server: Any) -> str:
    """The module's server, reset (clock to world end, no reports, fresh rate limits)."""
    import httpx

    httpx.post(f"{sim_server.url}/_sim/reset").raise_for_status()
    return str(sim_server.url)
