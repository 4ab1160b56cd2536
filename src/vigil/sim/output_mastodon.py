"""The same world as Mastodon API JSON: Account and Status entities, one a line, and follows.

Statuses are as the collector last saw them (the end, or just before the author's
suspension); accounts are as seen at the end, so a suspended one shows ``suspended: true``.
"""

from __future__ import annotations

from pathlib import Path

from vigil.sim.jsonline import dumpb
from vigil.sim.output_x import retrieved_at
from vigil.sim.render_mastodon import RenderCache, account_json, status_json
from vigil.sim.world import SimAccount, SimMedia, World

__all__ = ["MASTODON_BASE", "write_mastodon_accounts", "write_mastodon_statuses"]

MASTODON_BASE = "https://mastodon.sim"


def _suspended(acc: SimAccount, world: World) -> bool:
    return acc.suspended_at is not None and acc.suspended_at <= world.end


def write_mastodon_accounts(world: World, out: Path) -> tuple[int, int]:
    """mastodon/accounts.jsonl and mastodon/follows.csv; returns their record counts."""
    base = out / "mastodon"
    base.mkdir(parents=True, exist_ok=True)
    with (base / "accounts.jsonl").open("wb") as fh:
        for acc in world.accounts:
            entity = account_json(acc, suspended=_suspended(acc, world), base_url=MASTODON_BASE)
            fh.write(dumpb(entity) + b"\n")
    acct = {a.id: f"{a.id},{a.acct}" for a in world.accounts}
    with (base / "follows.csv").open("w", encoding="utf-8") as fh:
        # Ids and handles hold no comma or quote: plain joins are valid CSV. Mastodon shows
        # no follow times, so neither does this file (the canonical form has them).
        fh.write("follower_id,follower_acct,followed_id,followed_acct\n")
        fh.writelines(f"{acct[f.src]},{acct[f.dst]}\n" for f in world.follows)
    return len(world.accounts), len(world.follows)


def write_mastodon_statuses(
    world: World,
    out: Path,
    media: dict[str, SimMedia],
    path: Path | None = None,
    rows: tuple[int, int] | None = None,
) -> int:
    """mastodon/statuses.jsonl: one Status a line, in time order; boosts wrap their original.

    ``rows`` limits the work to a slice of the posts (parallel writers each take one).
    """
    base = out / "mastodon"
    base.mkdir(parents=True, exist_ok=True)
    index = world.account_index()
    seen = {a.id: retrieved_at(a, world.end) for a in world.accounts}
    posts = {p.id: p for p in world.posts}
    lo, hi = rows if rows is not None else (0, len(world.posts))
    cache = RenderCache()
    n = 0
    with (path or base / "statuses.jsonl").open("wb") as fh:
        for post in world.posts[lo:hi]:
            author = index[post.author_id]
            ref = posts.get(post.ref_id) if post.ref_id else None
            ref_author = index.get(ref.author_id) if ref else None
            entity = status_json(
                post,
                author,
                base_url=MASTODON_BASE,
                ref=ref,
                ref_author=ref_author,
                as_of=seen[author.id],
                media=[media[k] for k in post.media_keys if k in media],
                ref_media=[media[k] for k in ref.media_keys if k in media] if ref else [],
                mentioned=[index[m] for m in post.mentions if m in index],
                cache=cache,
            )
            fh.write(dumpb(entity) + b"\n")
            n += 1
    return n
