"""What a snowball crawl of a sim world should collect, computed from the world's records.

Mirrors the sim server's rules: an account is visible once created and until suspended,
follow lists leave out suspended accounts, a retweet vanishes with its original's author.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from vigil.model import Account, Follow, Platform, Post, StatusObservation
from vigil.sim.world import SimAccount, World
from vigil.store import Database


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def live(acc: SimAccount, now: datetime) -> bool:
    return _utc(acc.created_at) <= now and (
        acc.suspended_at is None or _utc(acc.suspended_at) > now
    )


@dataclass
class CrawlTruth:
    expanded: set[str] = field(default_factory=set)
    posts: set[str] = field(default_factory=set)
    follows: set[tuple[str, str]] = field(default_factory=set)
    unavailable_seeds: set[str] = field(default_factory=set)


def crawl_truth(
    world: World,
    seeds: Iterable[str],
    depth: int,
    now: datetime,
    *,
    protected_hidden: bool = True,
) -> CrawlTruth:
    """Accounts expanded, their visible posts and follow edges, breadth first from `seeds`."""
    accounts = world.account_index()
    truth = CrawlTruth()
    queue: list[tuple[str, int]] = []
    for seed in seeds:
        if live(accounts[seed], now):
            queue.append((seed, 0))
        else:
            truth.unavailable_seeds.add(seed)
    seen = {s for s, _ in queue}
    while queue:
        aid, d = queue.pop(0)
        truth.expanded.add(aid)
        if protected_hidden and accounts[aid].protected:
            continue
        neighbours = []
        for f in world.follows:
            if _utc(f.created_at) > now:
                continue
            if f.dst == aid and live(accounts[f.src], now):
                truth.follows.add((f.src, aid))
                neighbours.append(f.src)
            if f.src == aid and live(accounts[f.dst], now):
                truth.follows.add((aid, f.dst))
                neighbours.append(f.dst)
        for p in world.posts:
            if p.author_id != aid or _utc(p.created_at) > now:
                continue
            if p.kind == "retweet" and p.ref_id:
                ref = next(q for q in world.posts if q.id == p.ref_id)
                if not live(accounts[ref.author_id], now):
                    continue
            truth.posts.add(p.id)
        if d < depth:
            for n in neighbours:
                if n not in seen:
                    seen.add(n)
                    queue.append((n, d + 1))
    return truth


@dataclass
class Stored:
    accounts: dict[str, Account]
    posts_by_author: dict[str, set[str]]
    post_count: int
    follows: set[tuple[str, str]]
    observations: list[tuple[str, str, str, datetime]]


def stored(db: Database, platform_name: str | None = None) -> Stored:
    """What the store holds for one platform (the only one when `platform_name` is None)."""
    with db.session() as s:
        pid = (
            s.execute(select(Platform.id).where(Platform.name == platform_name)).scalar_one()
            if platform_name
            else s.execute(select(Platform.id)).scalar_one()
        )
        accounts = {
            a.platform_account_id: a
            for a in s.execute(select(Account).where(Account.platform_id == pid)).scalars()
        }
        by_row = {a.id: a.platform_account_id for a in accounts.values()}
        posts_by_author: dict[str, set[str]] = {}
        count = 0
        for post_id, account_id in s.execute(
            select(Post.platform_post_id, Post.account_id).where(Post.platform_id == pid)
        ):
            posts_by_author.setdefault(by_row[account_id], set()).add(post_id)
            count += 1
        src, dst = aliased(Account), aliased(Account)
        follows = {
            (a, b)
            for a, b in s.execute(
                select(src.platform_account_id, dst.platform_account_id)
                .select_from(Follow)
                .join(src, Follow.source_id == src.id)
                .join(dst, Follow.target_id == dst.id)
                .where(src.platform_id == pid)
            )
        }
        observations = [
            (by_row[o.account_id], o.status, o.source, o.observed_at)
            for o in s.execute(select(StatusObservation)).scalars()
            if o.account_id in by_row
        ]
    return Stored(accounts, posts_by_author, count, follows, observations)
