"""X API v2 user timeline: ``GET /2/users/:id/tweets`` with X's paging, filters and expansions.

Reverse chronological, at most the newest 3,200 posts as on X, each post in its latest
version visible at the sim clock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from vigil.sim.render_x import (
    api_body,
    media_json,
    not_found_error,
    suspended_error,
    tweet_json,
)
from vigil.sim.server.context import SimContext, base_url
from vigil.sim.server.x_common import (
    ID_PATTERN,
    MEDIA_DEFAULT,
    TWEET_DEFAULT,
    XGuard,
    check_id_and_max,
    decode_token,
    encode_token,
    invalid_request,
    not_authorized_error,
    requested,
    select,
)
from vigil.sim.world import SimPost

__all__ = ["XTimeline"]

_ID = ID_PATTERN
_TIMELINE_CAP = 3200


class XTimeline:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.guard = XGuard(ctx)

    def _tweet(self, post: SimPost, request: Request, now: float) -> dict[str, Any]:
        index = self.ctx.index
        ref = index.posts.get(post.ref_id) if post.ref_id else None
        full = tweet_json(
            post,
            as_of=self.ctx.clock.now(),
            author=index.accounts.get(post.author_id),
            accounts=index.accounts,
            ref_author_id=ref.author_id if ref is not None else None,
        )
        return select(full, TWEET_DEFAULT, requested(request, "tweet.fields"))

    def _window(
        self, request: Request, uid: str, now: float
    ) -> tuple[int, int, Callable[[SimPost], bool]] | Response:
        """(lo, hi, filter) over the author's oldest-first timeline, or a 400 response."""
        index = self.ctx.index
        line = index.timeline(uid)
        hi = line.visible(now)
        lo = max(0, hi - _TIMELINE_CAP)
        q = request.query_params
        for name, is_since in (("since_id", True), ("until_id", False)):
            value = q.get(name)
            if value is None:
                continue
            if not _ID.match(value):
                return invalid_request(
                    name, [value], f"The `{name}` query parameter value [{value}] is not valid"
                )
            ref = index.posts.get(value)
            if ref is not None and ref.author_id == uid:
                pos = index.post_pos[value]
                lo, hi = (max(lo, pos + 1), hi) if is_since else (lo, min(hi, pos))
        for name, is_start in (("start_time", True), ("end_time", False)):
            value = q.get(name)
            if value is None:
                continue
            try:
                ts = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return invalid_request(name, [value], f"Invalid {name} parameter value: {value}")
            cut = bisect_left(line.times, ts)
            lo, hi = (max(lo, cut), hi) if is_start else (lo, min(hi, cut))
        token = q.get("pagination_token")
        if token is not None:
            position = decode_token(token, "tweets", uid)
            if position is None:
                return invalid_request(
                    "pagination_token",
                    [token],
                    f"The `pagination_token` query parameter value [{token}] is not valid",
                )
            hi = min(hi, position)
        exclude = requested(request, "exclude")
        unknown = exclude - {"retweets", "replies"}
        if unknown:
            bad = sorted(unknown)[0]
            return invalid_request(
                "exclude",
                [bad],
                f"The `exclude` query parameter value [{bad}] is not one of [retweets,replies]",
            )
        skip = {k for k, e in (("retweet", "retweets"), ("reply", "replies")) if e in exclude}

        def keep(post: SimPost) -> bool:
            # A retweet of a suspended account's tweet vanishes with it; a quote stays.
            if post.kind == "retweet" and post.ref_id:
                ref = index.posts.get(post.ref_id)
                if ref is None or not self.ctx.live(index.accounts.get(ref.author_id), now):
                    return False
            return post.kind not in skip

        return lo, hi, keep

    async def user_tweets(self, request: Request) -> Response:
        status = self.guard.check(request, "user_tweets")
        if isinstance(status, Response):
            return status
        checked = check_id_and_max(request, default_max=10, lo=5, hi=100)
        if isinstance(checked, Response):
            return checked
        uid, max_results = checked
        now = self.ctx.now()
        acc = self.ctx.index.accounts.get(uid)
        error: dict[str, Any] | None = None
        if acc is None or not self.ctx.index.exists(acc, now):
            error = not_found_error("id", uid)
        elif self.ctx.state.is_suspended(acc, now):
            error = suspended_error(acc, "id", uid)
        elif acc.protected:
            error = not_authorized_error("id", uid)
        if error is not None:
            return self.guard.respond(api_body(errors=[error]), status)
        window = self._window(request, uid, now)
        if isinstance(window, Response):
            return window
        lo, hi, keep = window
        line = self.ctx.index.timeline(uid)
        posts: list[SimPost] = []
        i = hi - 1
        while i >= lo and len(posts) < max_results:
            if keep(line.posts[i]):
                posts.append(line.posts[i])
            i -= 1
        data = [self._tweet(p, request, now) for p in posts]
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta = {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"], **meta}
        if i >= lo and posts:
            meta["next_token"] = encode_token("tweets", uid, i + 1)
        users, tweets, media, errors = self._expand(posts, request, now)
        body = api_body(
            data=data, users=users, tweets=tweets, media=media, errors=errors, meta=meta
        )
        return self.guard.respond(body, status)

    def _expand(
        self, posts: list[SimPost], request: Request, now: float
    ) -> tuple[
        list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]
    ]:
        """``includes`` users/tweets/media and the errors X reports for what it cannot include."""
        wanted = requested(request, "expansions")
        index, state = self.ctx.index, self.ctx.state
        users: dict[str, dict[str, Any]] = {}
        tweets: dict[str, dict[str, Any]] = {}
        media: dict[str, dict[str, Any]] = {}
        errors: list[dict[str, Any]] = []

        def add_user(uid: str, parameter: str, value: str) -> None:
            acc = index.accounts.get(uid)
            if acc is None or not index.exists(acc, now):
                errors.append(not_found_error(parameter, value))
            elif state.is_suspended(acc, now):
                errors.append(suspended_error(acc, parameter, value))
            elif uid not in users:
                users[uid] = self.guard.user(acc, request, now)

        for post in posts:
            if "author_id" in wanted:
                add_user(post.author_id, "author_id", post.author_id)
            if "entities.mentions.username" in wanted:
                for mid in post.mentions:
                    mentioned = index.accounts.get(mid)
                    if mentioned is not None:
                        add_user(mid, "entities.mentions.username", mentioned.handle)
            ref = index.posts.get(post.ref_id) if post.ref_id else None
            if "in_reply_to_user_id" in wanted and post.kind == "reply" and ref is not None:
                add_user(ref.author_id, "in_reply_to_user_id", ref.author_id)
            if "referenced_tweets.id" in wanted and post.ref_id:
                if ref is not None and self.ctx.live(index.accounts.get(ref.author_id), now):
                    tweets.setdefault(ref.id, self._tweet(ref, request, now))
                else:
                    errors.append(
                        not_found_error("referenced_tweets.id", post.ref_id, resource_type="tweet")
                    )
            if "referenced_tweets.id.author_id" in wanted and ref is not None:
                add_user(ref.author_id, "referenced_tweets.id.author_id", ref.author_id)
            if "attachments.media_keys" in wanted:
                for key in post.media_keys:
                    m = index.media.get(key)
                    if m is not None and key not in media:
                        full = media_json(m, media_base=base_url(request))
                        media[key] = select(full, MEDIA_DEFAULT, requested(request, "media.fields"))
        return list(users.values()), list(tweets.values()), list(media.values()), errors
