"""Mastodon API subset: accounts, statuses and follows with Link-header paging, instance, reports.

Behaves like Mastodon 4.x: a suspended account still resolves (``suspended: true``, blanked
profile) but lists no statuses or follows, and reporting it answers 404 "Record not found"
because ReportService raises RecordNotFound for a suspended target.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vigil.sim.output_mastodon import MASTODON_BASE
from vigil.sim.render_mastodon import account_json, masto_time, status_json
from vigil.sim.server.context import SimContext, base_url, bearer
from vigil.sim.server.index import Edges, Timeline
from vigil.sim.server.mastodon_instance import RULES, instance_v1, instance_v2
from vigil.sim.server.own_posts import OwnPost, OwnPosts
from vigil.sim.server.request_body import form_or_json
from vigil.sim.world import Role, SimAccount, SimPost

__all__ = ["mastodon_routes"]

_NOT_FOUND = {"error": "Record not found"}
_FILES_HOST = urlsplit(MASTODON_BASE).netloc
_BAD_TOKEN = {"error": "The access token is invalid"}
_CATEGORIES = ("spam", "legal", "violation", "other")
_RULE_IDS = {r["id"] for r in RULES}
_TRUE = {"1", "true", "True", "on"}


def _limit(request: Request, default: int, maximum: int) -> int:
    raw = request.query_params.get("limit", "")
    return max(1, min(maximum, int(raw))) if raw.isdigit() else default


def _link(request: Request, items: list[tuple[str, str]], limit: int, full: bool) -> str:
    """Mastodon's Link header: next (older, max_id) when the page was full, prev (min_id)."""
    if not items:
        return ""
    base = f"{base_url(request)}{request.url.path}"
    keep = {
        k: v for k, v in request.query_params.items() if k not in {"max_id", "since_id", "min_id"}
    }
    keep["limit"] = str(limit)
    links = []
    if full:
        links.append(f'<{base}?{urlencode({**keep, "max_id": items[-1][1]})}>; rel="next"')
    links.append(f'<{base}?{urlencode({**keep, "min_id": items[0][1]})}>; rel="prev"')
    return ", ".join(links)


class MastodonApi:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.reporter = SimAccount(
            id="1",
            handle="vigil",
            display_name="Vigil",
            bio="Trust and safety reporting account.",
            role=Role.RESEARCHER,
            identity="vigil",
            lang="en",
            created_at=ctx.index.world.start,
            followers_count=0,
            following_count=0,
        )
        self.own = OwnPosts()  # statuses the reporting organisation posts

    def _bad_token(self, request: Request, required: bool) -> Response | None:
        token = bearer(request)
        if (token is None and required) or (token is not None and token != self.ctx.token):
            return JSONResponse(_BAD_TOKEN, status_code=401)
        return None

    def _account(self, account_id: str, now: float) -> SimAccount | None:
        acc = self.ctx.index.accounts.get(account_id)
        return acc if acc is not None and self.ctx.index.exists(acc, now) else None

    def _account_json(self, acc: SimAccount, request: Request, now: float) -> dict[str, Any]:
        line = self.ctx.index.timeline(acc.id)
        n = line.visible(now)
        last = line.posts[n - 1].created_at if n else None
        return account_json(
            acc,
            suspended=self.ctx.state.is_suspended(acc, now),
            base_url=base_url(request),
            posts_count=self.ctx.index.post_count(acc, now),
            last_status_at=last,
        )

    def _status_json(self, post: SimPost, request: Request) -> dict[str, Any]:
        index = self.ctx.index
        ref = index.posts.get(post.ref_id) if post.ref_id else None
        ref_author = index.accounts.get(ref.author_id) if ref is not None else None
        hidden = ref is not None and not self.ctx.live(ref_author, self.ctx.now())
        return status_json(
            post,
            index.accounts[post.author_id],
            base_url=base_url(request),
            ref=ref,
            ref_author=ref_author,
            as_of=self.ctx.clock.now(),
            media=[index.media[k] for k in post.media_keys if k in index.media],
            ref_media=[index.media[k] for k in ref.media_keys if k in index.media] if ref else [],
            mentioned=[index.accounts[m] for m in post.mentions if m in index.accounts],
            ref_hidden=hidden,
        )

    def _shown(self, post: SimPost, now: float) -> bool:
        """A reblog of a now-hidden status (suspended author) is hidden too; a quote stays."""
        if post.kind != "retweet" or not post.ref_id:
            return True
        ref = self.ctx.index.posts.get(post.ref_id)
        return ref is not None and self.ctx.live(self.ctx.index.accounts.get(ref.author_id), now)

    async def account(self, request: Request) -> Response:
        if (bad := self._bad_token(request, required=False)) is not None:
            return bad
        now = self.ctx.now()
        acc = self._account(request.path_params["id"], now)
        if acc is None:
            return JSONResponse(_NOT_FOUND, status_code=404)
        return JSONResponse(self._account_json(acc, request, now))

    async def lookup(self, request: Request) -> Response:
        if (bad := self._bad_token(request, required=False)) is not None:
            return bad
        now = self.ctx.now()
        acct = request.query_params.get("acct", "").lstrip("@").lower()
        # The world's own files name its instance mastodon.sim: that is this server too.
        for host in (request.url.netloc.lower(), _FILES_HOST):
            if acct.endswith(f"@{host}"):
                acct = acct[: -len(host) - 1]
        acc = self.ctx.index.by_acct.get(acct)
        if acc is None or not self.ctx.index.exists(acc, now):
            return JSONResponse(_NOT_FOUND, status_code=404)
        return JSONResponse(self._account_json(acc, request, now))

    async def verify_credentials(self, request: Request) -> Response:
        if (bad := self._bad_token(request, required=True)) is not None:
            return bad
        me = account_json(self.reporter, suspended=False, base_url=base_url(request), posts_count=0)
        me["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": "en",
            "note": "",
            "fields": [],
        }
        return JSONResponse(me)

    async def status(self, request: Request) -> Response:
        if (bad := self._bad_token(request, required=False)) is not None:
            return bad
        now = self.ctx.now()
        if (mine := self.own.posts.get(request.path_params["id"])) is not None:
            return JSONResponse(self._own_json(mine, request))
        post = self.ctx.index.posts.get(request.path_params["id"])
        if (
            post is None
            or not self.ctx.index.post_visible(post, now)
            or not self.ctx.live(self.ctx.index.accounts.get(post.author_id), now)
            or not self._shown(post, now)
        ):
            return JSONResponse(_NOT_FOUND, status_code=404)
        return JSONResponse(self._status_json(post, request))

    @staticmethod
    def _position(line: Timeline, account_id: str, post_id: str, index_pos: dict[str, int]) -> int:
        """Index of ``post_id`` in the author's oldest-first list (by id order if not theirs)."""
        if post_id in index_pos and line.posts and index_pos[post_id] < len(line.posts):
            pos = index_pos[post_id]
            if line.posts[pos].id == post_id and line.posts[pos].author_id == account_id:
                return pos
        value = int(post_id) if post_id.isdigit() else 0
        return next(
            (i for i, p in enumerate(line.posts) if p.id.isdigit() and int(p.id) >= value),
            len(line.posts),
        )

    async def statuses(self, request: Request) -> Response:
        if (bad := self._bad_token(request, required=False)) is not None:
            return bad
        now = self.ctx.now()
        if request.path_params["id"] == self.reporter.id:
            mine = self.own.by_author(self.reporter.id)[::-1]
            return JSONResponse([self._own_json(p, request) for p in mine])
        acc = self._account(request.path_params["id"], now)
        if acc is None:
            return JSONResponse(_NOT_FOUND, status_code=404)
        q = request.query_params
        limit = _limit(request, 20, 40)
        if self.ctx.state.is_suspended(acc, now) or q.get("pinned") in _TRUE:
            return JSONResponse([])
        line = self.ctx.index.timeline(acc.id)
        lo, hi = 0, line.visible(now)
        pos = self.ctx.index.post_pos
        if "max_id" in q:
            hi = min(hi, self._position(line, acc.id, q["max_id"], pos))
        for name in ("since_id", "min_id"):
            if name in q:
                p = self._position(line, acc.id, q[name], pos)
                lo = max(lo, p + 1 if p < len(line.posts) and line.posts[p].id == q[name] else p)
        skip = {
            k
            for k, p in (("reply", "exclude_replies"), ("retweet", "exclude_reblogs"))
            if q.get(p) in _TRUE
        }
        only_media = q.get("only_media") in _TRUE

        def keep(post: SimPost) -> bool:
            return (
                post.kind not in skip
                and (not only_media or bool(post.media_keys))
                and self._shown(post, now)
            )

        # min_id pages forward from just after it; the rest page back from the newest.
        order = range(lo, hi) if "min_id" in q else range(hi - 1, lo - 1, -1)
        picked: list[SimPost] = []
        for i in order:
            if keep(line.posts[i]):
                picked.append(line.posts[i])
                if len(picked) == limit:
                    break
        if "min_id" in q:
            picked.reverse()
        body = [self._status_json(p, request) for p in picked]
        link = _link(request, [(p.id, p.id) for p in picked], limit, len(picked) == limit)
        return JSONResponse(body, headers={"Link": link} if link else None)

    async def _edges(self, request: Request, followers: bool) -> Response:
        if (bad := self._bad_token(request, required=False)) is not None:
            return bad
        now = self.ctx.now()
        acc = self._account(request.path_params["id"], now)
        if acc is None:
            return JSONResponse(_NOT_FOUND, status_code=404)
        if self.ctx.state.is_suspended(acc, now):
            return JSONResponse([])
        limit = _limit(request, 40, 80)
        index = self.ctx.index
        edges: Edges = index.followers(acc.id) if followers else index.following(acc.id)
        lo, hi = 0, edges.visible(now)
        q = request.query_params
        if q.get("max_id", "").isdigit():
            hi = min(hi, bisect_left(edges.ids, int(q["max_id"])))
        for name in ("since_id", "min_id"):
            if q.get(name, "").isdigit():
                lo = max(lo, bisect_right(edges.ids, int(q[name])))
        order = range(lo, hi) if "min_id" in q else range(hi - 1, lo - 1, -1)
        picked: list[tuple[SimAccount, int]] = []
        for i in order:
            f = edges.follows[i]
            other = index.accounts.get(f.src if followers else f.dst)
            if other is not None and self.ctx.live(other, now):
                picked.append((other, edges.ids[i]))
                if len(picked) == limit:
                    break
        if "min_id" in q:
            picked.reverse()
        body = [self._account_json(a, request, now) for a, _ in picked]
        link = _link(request, [(a.id, str(fid)) for a, fid in picked], limit, len(picked) == limit)
        return JSONResponse(body, headers={"Link": link} if link else None)

    async def followers(self, request: Request) -> Response:
        return await self._edges(request, followers=True)

    async def following(self, request: Request) -> Response:
        return await self._edges(request, followers=False)

    async def instance(self, request: Request) -> Response:
        index = self.ctx.index
        body = instance_v1(
            request.url.netloc, base_url(request), len(index.accounts), len(index.posts)
        )
        return JSONResponse(body)

    async def instance_v2(self, request: Request) -> Response:
        return JSONResponse(
            instance_v2(request.url.netloc, base_url(request), len(self.ctx.index.accounts))
        )

    async def rules(self, request: Request) -> Response:
        return JSONResponse(RULES)

    def _own_json(self, post: OwnPost, request: Request) -> dict[str, Any]:
        base = base_url(request)
        me = account_json(self.reporter, suspended=False, base_url=base, posts_count=0)
        return self.own.status_entity(post, base, me, masto_time(post.created_at))

    async def post_status(self, request: Request) -> Response:
        if (bad := self._bad_token(request, required=True)) is not None:
            return bad
        key = request.headers.get("idempotency-key")
        if key and (seen := self.own.posts.get(self.own.keys.get(key, ""))) is not None:
            return JSONResponse(self._own_json(seen, request))  # Mastodon replays the first
        body = await form_or_json(request)
        text = str(body.get("status") or "")
        reply_to = str(body.get("in_reply_to_id") or "") or None
        known = reply_to is not None and reply_to in self.ctx.index.posts
        error = self.own.mastodon_error(text, reply_to, known)
        if error is not None:
            return JSONResponse({"error": error}, status_code=404 if "found" in error else 422)
        post = self.own.add_status(self.reporter.id, text, reply_to, self.ctx.clock.now())
        if key:
            self.own.keys[key] = post.id
        return JSONResponse(self._own_json(post, request))

    async def report(self, request: Request) -> Response:
        body = await form_or_json(request)
        now = self.ctx.now()
        target = str(body.get("account_id") or "")
        acc = self._account(target, now) if target else None
        status_ids = [str(s) for s in body.get("status_ids") or []]
        rule_ids = [str(r) for r in body.get("rule_ids") or []]
        category = str(body.get("category") or "other")
        comment = str(body.get("comment") or "")
        forward = str(body.get("forward", "false")).lower() in {"1", "true", "on"}
        code, answer = 200, {}
        if self._bad_token(request, required=True) is not None:
            code = 401
        elif acc is None or self.ctx.state.is_suspended(acc, now):
            code = 404
        elif category not in _CATEGORIES:
            code, answer = 422, {"error": "Validation failed: Category is not included in the list"}
        elif len(comment) > 1000:
            code, answer = (
                422,
                {"error": "Validation failed: Comment is too long (maximum is 1000 characters)"},
            )
        elif category == "violation" and not set(rule_ids) <= _RULE_IDS:
            code, answer = (
                422,
                {"error": "Validation failed: Rule ids does not reference valid rules"},
            )
        record = self.ctx.state.record_report(
            network="mastodon",
            target=target,
            acc=acc,
            reporter=bearer(request) or "",
            now=now,
            accepted=code == 200,
            status=code,
            payload={
                "status_ids": status_ids,
                "rule_ids": rule_ids,
                "category": category,
                "comment": comment,
                "forward": forward,
            },
        )
        if code == 401:
            return JSONResponse(_BAD_TOKEN, status_code=401)
        if code == 404 or acc is None:
            return JSONResponse(_NOT_FOUND, status_code=404)
        if code != 200:
            return JSONResponse(answer, status_code=code)
        theirs = [
            s for s in status_ids if (p := self.ctx.index.posts.get(s)) and p.author_id == acc.id
        ]
        return JSONResponse(
            {
                "id": str(record.id),
                "action_taken": False,
                "action_taken_at": None,
                "category": category,
                "comment": comment,
                "forwarded": forward and bool(acc.instance),
                "created_at": masto_time(datetime.fromtimestamp(now, UTC)),
                "status_ids": theirs or None,
                "rule_ids": rule_ids or None,
                "target_account": self._account_json(acc, request, now),
            }
        )


def mastodon_routes(ctx: SimContext) -> list[BaseRoute]:
    api = MastodonApi(ctx)
    table: list[tuple[str, Any, list[str]]] = [
        ("/api/v1/instance", api.instance, ["GET"]),
        ("/api/v2/instance", api.instance_v2, ["GET"]),
        ("/api/v1/instance/rules", api.rules, ["GET"]),
        ("/api/v1/accounts/verify_credentials", api.verify_credentials, ["GET"]),
        ("/api/v1/accounts/lookup", api.lookup, ["GET"]),
        ("/api/v1/accounts/{id}", api.account, ["GET"]),
        ("/api/v1/accounts/{id}/statuses", api.statuses, ["GET"]),
        ("/api/v1/accounts/{id}/followers", api.followers, ["GET"]),
        ("/api/v1/accounts/{id}/following", api.following, ["GET"]),
        ("/api/v1/statuses/{id}", api.status, ["GET"]),
        ("/api/v1/statuses", api.post_status, ["POST"]),
        ("/api/v1/reports", api.report, ["POST"]),
    ]
    # Mastodon.py asks for some paths with a trailing slash; Rails answers both.
    routes: list[BaseRoute] = []
    for path, endpoint, methods in table:
        routes.append(Route(path, endpoint, methods=methods))
        routes.append(Route(path + "/", endpoint, methods=methods))
    return routes
