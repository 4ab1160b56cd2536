"""The world as X API v2 responses in twarc2 JSONL form (one response page a line).

A collector that polls continuously: each account is seen at the end of the window, or
just before it was suspended; a suspended account then answers with X's error. Pages carry
``__twarc.url`` naming the request, so a following page says whose following it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import numpy as np
import numpy.typing as npt

from vigil.sim.jsonline import dumpb, dumps
from vigil.sim.render_x import (
    media_json,
    not_found_error,
    page,
    suspended_error,
    tweet_json,
    user_json,
)
from vigil.sim.rng import stable_hash
from vigil.sim.world import SimAccount, SimMedia, SimPost, World

__all__ = ["API", "TIMELINE_CAP", "XWriter", "retrieved_at"]

API = "https://api.twitter.com/2"
_EXPANSIONS = (
    "author_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.author_id,"
    "entities.mentions.username,attachments.poll_ids,attachments.media_keys,geo.place_id,"
    "edit_history_tweet_ids"
)
_TWEET_FIELDS = (
    "attachments,author_id,context_annotations,conversation_id,created_at,edit_controls,"
    "edit_history_tweet_ids,entities,geo,id,in_reply_to_user_id,lang,public_metrics,"
    "text,possibly_sensitive,referenced_tweets,reply_settings,source,withheld"
)
_USER_FIELDS = (
    "created_at,description,entities,id,location,name,pinned_tweet_id,profile_image_url,"
    "protected,public_metrics,url,username,verified,withheld"
)
_MEDIA_FIELDS = (
    "alt_text,duration_ms,height,media_key,preview_image_url,type,url,width,variants,public_metrics"
)
# The same on every timeline page but for the token, which is hex and needs no encoding:
# encoded once, as urlencode costs as much as a good part of a page.
_TIMELINE_QUERY = urlencode(
    {
        "expansions": _EXPANSIONS,
        "tweet.fields": _TWEET_FIELDS,
        "user.fields": _USER_FIELDS,
        "media.fields": _MEDIA_FIELDS,
        "max_results": 100,
    }
)
_TIMELINE_PAGE = 100
TIMELINE_CAP = 3200  # tweets X returns of a user's timeline
_FOLLOW_PAGE = 1000
_LOOKUP_PAGE = 100

IntArray = npt.NDArray[np.int64]


def retrieved_at(acc: SimAccount, end: datetime) -> datetime:
    """When the collector last saw ``acc`` up: the end, or a second before its suspension."""
    if acc.suspended_at is not None and acc.suspended_at <= end:
        return max(acc.created_at, acc.suspended_at - timedelta(seconds=1))
    return end


def _lookup_url(ids: str) -> str:
    return f"{API}/users?" + urlencode(
        {
            "expansions": "pinned_tweet_id",
            "tweet.fields": _TWEET_FIELDS,
            "user.fields": _USER_FIELDS,
            "ids": ids,
        }
    )


def _token(*parts: object) -> str:
    return format(stable_hash("next", *parts), "016x")[:13]


class XWriter:
    """Writes x/users.jsonl, x/timelines.jsonl, x/following.jsonl and x/followers.jsonl."""

    def __init__(self, world: World, out: Path) -> None:
        self.world = world
        self.dir = out / "x"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.accounts = world.account_index()
        self.end = world.end
        self.seen = {a.id: retrieved_at(a, world.end) for a in world.accounts}
        self._users: dict[str, dict[str, Any]] = {}
        self._ref_cache: dict[str, dict[str, Any]] = {}

    def user(self, acc: SimAccount) -> dict[str, Any]:
        cached = self._users.get(acc.id)
        if cached is None:
            cached = self._users[acc.id] = user_json(acc)
        return cached

    def _up(self, acc: SimAccount, at: datetime) -> bool:
        return acc.created_at <= at and (acc.suspended_at is None or acc.suspended_at > at)

    def users(self) -> int:
        """User lookups by ids. The collector polls each account up to its last sight, and a
        poll looks the account up as well: an account suspended before the end was seen up a
        second before (alone in its request, at that time), as its timeline and follow lists
        are; then every account at the end, 100 a request, suspended ones in ``errors``.

        Without the earlier lookup an account that never posted and was gone before the end
        would have its follow lists in the files but never its profile."""
        lines = 0
        accs = self.world.accounts
        gone = [
            a
            for a in accs
            if a.suspended_at is not None
            and a.suspended_at <= self.end
            and self._up(a, self.seen[a.id])
        ]
        with (self.dir / "users.jsonl").open("wb") as fh:
            for acc in sorted(gone, key=lambda a: (self.seen[a.id], a.id)):
                at = self.seen[acc.id]
                fh.write(
                    dumpb(page([self.user(acc)], [], [], [], [], None, _lookup_url(acc.id), at))
                    + b"\n"
                )
                lines += 1
            for i in range(0, len(accs), _LOOKUP_PAGE):
                chunk = accs[i : i + _LOOKUP_PAGE]
                url = _lookup_url(",".join(a.id for a in chunk))
                data = [self.user(a) for a in chunk if self._up(a, self.end)]
                errors = [
                    suspended_error(a, "ids", a.id)
                    for a in chunk
                    if a.suspended_at is not None and a.suspended_at <= self.end
                ]
                fh.write(dumpb(page(data, [], [], [], errors, None, url, self.end)) + b"\n")
                lines += 1
        return lines

    def timelines(
        self,
        media: dict[str, SimMedia],
        path: Path | None = None,
        rows: tuple[int, int] | None = None,
    ) -> int:
        """User tweet timelines (newest first, 100 a page), each as last seen up.

        ``rows`` limits the work to a slice of the accounts (parallel writers each take one).
        """
        lo, hi = rows if rows is not None else (0, len(self.world.accounts))
        chosen = self.world.accounts[lo:hi]
        wanted = {a.id for a in chosen}
        by_author: dict[str, list[SimPost]] = {}
        for p in self.world.posts:
            if p.author_id in wanted:
                by_author.setdefault(p.author_id, []).append(p)
        posts = {p.id: p for p in self.world.posts}
        self._ref_cache = {}
        lines = 0
        with (path or self.dir / "timelines.jsonl").open("wb") as fh:
            for acc in chosen:
                mine = by_author.get(acc.id, [])
                lines += self._timeline(fh, acc, mine[::-1][:TIMELINE_CAP], posts, media)
        return lines

    def _timeline(
        self,
        fh: IO[bytes],
        acc: SimAccount,
        newest_first: list[SimPost],
        posts: dict[str, SimPost],
        media: dict[str, SimMedia],
    ) -> int:
        at = self.seen[acc.id]
        query = _TIMELINE_QUERY
        lines = 0
        token: str | None = None
        for k in range(0, len(newest_first), _TIMELINE_PAGE):
            chunk = newest_first[k : k + _TIMELINE_PAGE]
            url = f"{API}/users/{acc.id}/tweets?{query}"
            if token:
                url += f"&pagination_token={token}"
            last = k + _TIMELINE_PAGE >= len(newest_first)
            token = None if last else _token(acc.id, k)
            meta: dict[str, Any] = {
                "newest_id": chunk[0].id,
                "oldest_id": chunk[-1].id,
                "result_count": len(chunk),
            }
            if token:
                meta["next_token"] = token
            data, users, tweets, found, errors = self._expand(acc, chunk, at, posts, media)
            fh.write(dumpb(page(data, users, tweets, found, errors, meta, url, at)) + b"\n")
            lines += 1
        if acc.suspended_at is not None and acc.suspended_at <= self.end:
            url = f"{API}/users/{acc.id}/tweets?{query}"
            err = suspended_error(acc, "id", acc.id)
            fh.write(dumpb(page(None, [], [], [], [err], None, url, self.end)) + b"\n")
            lines += 1
        return lines

    def _expand(
        self,
        acc: SimAccount,
        chunk: list[SimPost],
        at: datetime,
        posts: dict[str, SimPost],
        media: dict[str, SimMedia],
    ) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]]:
        accounts = self.accounts
        data: list[dict[str, Any]] = []
        users: dict[str, dict[str, Any]] = {acc.id: self.user(acc)}
        tweets: dict[str, dict[str, Any]] = {}
        found: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for post in chunk:
            ref = posts.get(post.ref_id) if post.ref_id else None
            # Without ``accounts`` the renderer pairs the text's @names with ``mentions`` in
            # order, which is how the generator writes them, and skips a regex per handle.
            data.append(
                tweet_json(post, as_of=at, author=acc, ref_author_id=ref.author_id if ref else None)
            )
            found.extend(media_json(media[k]) for k in post.media_keys if k in media)
            for mid in post.mentions:
                other = accounts.get(mid)
                if other is None or mid in users:
                    continue
                if self._up(other, at):
                    users[mid] = self.user(other)
                else:
                    errors.append(
                        suspended_error(other, "entities.mentions.username", other.handle)
                    )
            if ref is not None and ref.id not in tweets:
                author = accounts[ref.author_id]
                if self._up(author, at):
                    tweets[ref.id] = self._ref_tweet(ref, at, author)
                    users.setdefault(author.id, self.user(author))
                else:
                    errors.append(
                        not_found_error("referenced_tweets.id", ref.id, resource_type="tweet")
                    )
        return data, list(users.values()), list(tweets.values()), found, errors

    def _ref_tweet(self, ref: SimPost, at: datetime, author: SimAccount) -> dict[str, Any]:
        # An unedited post renders the same whatever the time it is seen: popular originals
        # are included in many pages, so render them once.
        if ref.edits:
            return tweet_json(ref, as_of=at, author=author)
        cached = self._ref_cache.get(ref.id)
        if cached is None:
            cached = tweet_json(ref, as_of=at, author=author)
            self._ref_cache[ref.id] = cached
        return cached

    def follow_pages(self, src: IntArray, dst: IntArray, t_ms: IntArray) -> tuple[int, int]:
        """Following and followers lists (default user fields: id, name, username), newest
        follow first, each as last seen up; follows of suspended accounts are not listed."""
        accs = self.world.accounts
        n = len(accs)
        seen_ms = np.array(
            [round(self.seen[a.id].timestamp() * 1000) for a in accs], dtype=np.int64
        )
        susp_ms = np.array(
            [round(a.suspended_at.timestamp() * 1000) if a.suspended_at else 2**62 for a in accs],
            dtype=np.int64,
        )
        minimal = [dumps({"id": a.id, "name": a.display_name, "username": a.handle}) for a in accs]
        counts = []
        for name, owner, other in (("following", src, dst), ("followers", dst, src)):
            visible = (t_ms <= seen_ms[owner]) & (susp_ms[other] > seen_ms[owner])
            o, x, t = owner[visible], other[visible], t_ms[visible]
            order = np.lexsort((-t, o))
            o, x = o[order], x[order]
            bounds = np.searchsorted(o, np.arange(n + 1))
            with (self.dir / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
                counts.append(self._write_lists(fh, name, bounds, x, minimal))
        return counts[0], counts[1]

    def _write_lists(
        self, fh: IO[str], name: str, bounds: IntArray, other: IntArray, minimal: list[str]
    ) -> int:
        accs = self.world.accounts
        cuts, rows = bounds.tolist(), other.tolist()
        lines = 0
        for i, acc in enumerate(accs):
            lo, hi = cuts[i], cuts[i + 1]
            if lo == hi:
                continue
            at = self.seen[acc.id]
            token: str | None = None
            for k in range(lo, hi, _FOLLOW_PAGE):
                chunk = rows[k : min(hi, k + _FOLLOW_PAGE)]
                # The query holds only digits and hex, so no encoding is needed.
                url = f"{API}/users/{acc.id}/{name}?max_results={_FOLLOW_PAGE}"
                if token:
                    url += f"&pagination_token={token}"
                token = _token(acc.id, name, k) if k + _FOLLOW_PAGE < hi else None
                meta: dict[str, Any] = {"result_count": len(chunk)}
                if token:
                    meta["next_token"] = token
                rest = dumps(page(None, [], [], [], [], meta, url, at))
                fh.write(
                    '{"data":[' + ",".join([minimal[j] for j in chunk]) + "]," + rest[1:] + "\n"
                )
                lines += 1
        return lines
