"""Indexes over a world, built once at startup: accounts by id/handle/DID, posts by author, follows.

Everything is sorted oldest-first with parallel lists of epoch seconds, so "as of the sim
clock" is one bisect and pagination positions stay stable as the clock moves.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil.sim.render_bluesky import bsky_handle, did_for
from vigil.sim.world import Follow, SimAccount, SimMedia, SimPost, World

__all__ = ["Edges", "WorldIndex", "epoch"]

log = logging.getLogger(__name__)


def epoch(dt: datetime) -> float:
    """Epoch seconds; a naive datetime is taken as UTC."""
    return (dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt).timestamp()


@dataclass(slots=True)
class Edges:
    """One account's follows in one direction, oldest first, with global follow ids."""

    follows: list[Follow] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def visible(self, now: float) -> int:
        return bisect_right(self.times, now)


@dataclass(slots=True)
class Timeline:
    posts: list[SimPost] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def visible(self, now: float) -> int:
        return bisect_right(self.times, now)


_EMPTY_TIMELINE = Timeline()
_EMPTY_EDGES = Edges()


class WorldIndex:
    """Read-only lookups over one world."""

    def __init__(self, world: World) -> None:
        started = time.perf_counter()
        self.world = world
        self.accounts: dict[str, SimAccount] = {}
        self.by_handle: dict[str, SimAccount] = {}
        self.by_acct: dict[str, SimAccount] = {}
        self.by_bsky: dict[str, SimAccount] = {}
        self.by_did: dict[str, SimAccount] = {}
        self.created: dict[str, float] = {}
        for acc in world.accounts:
            self.accounts[acc.id] = acc
            self.created[acc.id] = epoch(acc.created_at)
            self.by_handle.setdefault(acc.handle.lower(), acc)
            self.by_acct.setdefault(acc.acct.lower(), acc)
            self.by_did.setdefault(did_for(acc), acc)
            handle = bsky_handle(acc)
            if handle in self.by_bsky:
                log.warning("bluesky handle %s is shared; %s answers only by DID", handle, acc.id)
            else:
                self.by_bsky[handle] = acc
        self.posts: dict[str, SimPost] = {p.id: p for p in world.posts}
        self.media: dict[str, SimMedia] = {m.key: m for m in world.media}
        self._timelines: dict[str, Timeline] = {}
        self.post_pos: dict[str, int] = {}
        self._index_posts(world.posts)
        self._followers: dict[str, Edges] = {}
        self._following: dict[str, Edges] = {}
        self._index_follows(world.follows)
        # The world samples a longer history: profiles count posts from before it began.
        start = epoch(world.start)
        self.history: dict[str, int] = {
            a.id: round(a.posts_per_day * max(0.0, start - self.created[a.id]) / 86400)
            for a in world.accounts
        }
        log.info(
            "indexed %s accounts, %s posts, %s follows in %.2f s",
            len(self.accounts),
            len(self.posts),
            len(world.follows),
            time.perf_counter() - started,
        )

    def _index_posts(self, posts: list[SimPost]) -> None:
        keyed = sorted(((epoch(p.created_at), p.id, p) for p in posts), key=lambda t: t[:2])
        for ts, _, post in keyed:
            line = self._timelines.get(post.author_id)
            if line is None:
                line = self._timelines[post.author_id] = Timeline()
            self.post_pos[post.id] = len(line.posts)
            line.posts.append(post)
            line.times.append(ts)

    def _index_follows(self, follows: list[Follow]) -> None:
        times = [epoch(f.created_at) for f in follows]
        order = sorted(
            range(len(follows)), key=lambda i: (times[i], follows[i].src, follows[i].dst)
        )
        # Plain lists while building: creating 2 x accounts dataclasses inside the loop is slower.
        by_dst: dict[str, tuple[list[Follow], list[float], list[int]]] = {}
        by_src: dict[str, tuple[list[Follow], list[float], list[int]]] = {}
        for rank, i in enumerate(order, start=1):
            follow, ts = follows[i], times[i]
            dst = by_dst.get(follow.dst)
            if dst is None:
                dst = by_dst[follow.dst] = ([], [], [])
            src = by_src.get(follow.src)
            if src is None:
                src = by_src[follow.src] = ([], [], [])
            dst[0].append(follow)
            dst[1].append(ts)
            dst[2].append(rank)
            src[0].append(follow)
            src[1].append(ts)
            src[2].append(rank)
        self._followers = {k: Edges(*v) for k, v in by_dst.items()}
        self._following = {k: Edges(*v) for k, v in by_src.items()}

    def timeline(self, account_id: str) -> Timeline:
        return self._timelines.get(account_id, _EMPTY_TIMELINE)

    def followers(self, account_id: str) -> Edges:
        return self._followers.get(account_id, _EMPTY_EDGES)

    def following(self, account_id: str) -> Edges:
        return self._following.get(account_id, _EMPTY_EDGES)

    def exists(self, acc: SimAccount, now: float) -> bool:
        return self.created[acc.id] <= now

    def post_count(self, acc: SimAccount, now: float) -> int:
        return self.history[acc.id] + self.timeline(acc.id).visible(now)

    def post_visible(self, post: SimPost, now: float) -> bool:
        return epoch(post.created_at) <= now
