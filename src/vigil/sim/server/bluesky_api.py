"""Bluesky XRPC subset: sessions, profiles, author feeds, handle resolution and moderation reports.

Errors follow the AppView: a taken-down actor's profile is 400 ``AccountTakedown`` "Account
has been suspended", an unknown one 400 ``InvalidRequest`` "Profile not found" (and so is a
taken-down actor's feed); Ozone accepts reports about any subject, taken down or not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vigil.sim.render_bluesky import (
    HANDLE_SUFFIX,
    bsky_handle,
    bsky_time,
    did_for,
    feed_view_post,
    profile_json,
    rkey_for,
)
from vigil.sim.server.context import SimContext, base_url, bearer
from vigil.sim.server.index import epoch
from vigil.sim.server.own_posts import OwnPost, OwnPosts
from vigil.sim.world import SimAccount, SimPost

__all__ = ["bluesky_routes"]

_REASON_PREFIXES = ("com.atproto.moderation.defs#reason", "tools.ozone.report.defs#reason")
_ACCESS_SECONDS = 2 * 3600
_RKEY = re.compile(r"(?!\.{1,2}$)[A-Za-z0-9._:~-]{1,512}")  # atproto record key syntax
_REFRESH_SECONDS = 90 * 86400
_FILTERS = {
    "posts_with_replies",
    "posts_no_replies",
    "posts_with_media",
    "posts_and_author_threads",
    "posts_with_video",
}


def _error(name: str, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": name, "message": message}, status_code=status)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class BlueskyApi:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self._access: dict[str, tuple[str, str]] = {}  # token -> (did, handle)
        self._refresh: dict[str, tuple[str, str]] = {}
        # Accounts that logged in but are not in the world (the reporting organisation).
        self._members: dict[str, tuple[str, str]] = {}
        self.own = OwnPosts()  # records the logged-in organisation writes

    @staticmethod
    def _record_view(post: OwnPost) -> dict[str, Any]:
        return {"uri": post.id, "cid": post.extra["cid"], "value": post.extra["record"]}

    async def create_record(self, request: Request) -> Response:
        who = self._caller(request)
        if who is None:
            return _error("AuthenticationRequired", "Authentication Required", 401)
        body = await _json(request)
        record = body.get("record")
        if body.get("repo") not in {who[0], who[1]}:
            return _error("InvalidRequest", "Can only write to your own repo")
        if body.get("collection") != "app.bsky.feed.post" or not isinstance(record, dict):
            return _error("InvalidRequest", "Only app.bsky.feed.post records are supported")
        if (error := self.own.bluesky_error(record)) is not None:
            return _error("InvalidRequest", error)
        rkey = body.get("rkey")
        if rkey is not None and (not isinstance(rkey, str) or not _RKEY.fullmatch(rkey)):
            return _error("InvalidRequest", "Invalid record key")
        # Like a real PDS, a client-chosen rkey is honoured and never written twice.
        post = self.own.add_record(who[0], "app.bsky.feed.post", record, rkey)
        if post is None:
            return _error("InvalidRequest", f"Record already exists: {rkey}")
        return JSONResponse({"uri": post.id, "cid": post.extra["cid"]})

    async def list_records(self, request: Request) -> Response:
        repo = request.query_params.get("repo", "")
        did = self._members.get(repo, (repo, ""))[0]
        posts = self.own.by_author(did)[::-1]
        return JSONResponse({"records": [self._record_view(p) for p in posts]})

    async def get_record(self, request: Request) -> Response:
        q = request.query_params
        did = self._members.get(q.get("repo", ""), (q.get("repo", ""), ""))[0]
        post = self.own.posts.get(f"at://{did}/{q.get('collection')}/{q.get('rkey')}")
        if post is None:
            return _error("RecordNotFound", "Could not locate record")
        return JSONResponse(self._record_view(post))

    def _jwt(self, did: str, scope: str, lifetime: int, host: str) -> str:
        # Expiry is on wall time: the SDK checks it against the machine's clock.
        now = int(time.time())
        header = _b64(json.dumps({"typ": "at+jwt", "alg": "HS256"}).encode())
        claims = {
            "scope": scope,
            "sub": did,
            "iat": now,
            "exp": now + lifetime,
            "aud": f"did:web:{host}",
        }
        payload = _b64(json.dumps(claims).encode())
        sig = hmac.new(self.ctx.token.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
        return f"{header}.{payload}.{_b64(sig.digest())}"

    def _session(self, did: str, handle: str, request: Request) -> dict[str, Any]:
        host = request.url.hostname or "localhost"
        access = self._jwt(did, "com.atproto.access", _ACCESS_SECONDS, host)
        refresh = self._jwt(did, "com.atproto.refresh", _REFRESH_SECONDS, host)
        self._access[access] = (did, handle)
        if self.ctx.index.by_did.get(did) is None:
            self._members[did] = self._members[handle] = (did, handle)
        self._refresh[refresh] = (did, handle)
        # No didDoc: with one the SDK would move to the PDS it names.
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": handle,
            "did": did,
            "email": "reports@vigil.sim",
            "emailConfirmed": True,
            "emailAuthFactor": False,
            "active": True,
        }

    def _actor(self, actor: str) -> SimAccount | None:
        index = self.ctx.index
        acc = (
            index.by_did.get(actor)
            if actor.startswith("did:")
            else index.by_bsky.get(actor.lower())
        )
        return acc if acc is not None and index.exists(acc, self.ctx.now()) else None

    def _caller(self, request: Request) -> tuple[str, str] | None:
        token = bearer(request)
        return self._access.get(token) if token else None

    async def create_session(self, request: Request) -> Response:
        body = await _json(request)
        identifier = str(body.get("identifier") or "").strip().lower()
        if not identifier or body.get("password") != self.ctx.token:
            return _error("AuthenticationRequired", "Invalid identifier or password", 401)
        acc = self._actor(identifier)
        if acc is not None:
            did, handle = did_for(acc), bsky_handle(acc)
        else:
            handle = identifier if "." in identifier else identifier + HANDLE_SUFFIX
            digest = hashlib.sha256(handle.encode()).digest()
            did = "did:plc:" + base64.b32encode(digest).decode().lower()[:24]
        return JSONResponse(self._session(did, handle, request))

    async def refresh_session(self, request: Request) -> Response:
        token = bearer(request)
        who = self._refresh.pop(token, None) if token else None
        if who is None:
            return _error("ExpiredToken", "Token has expired", 400)
        return JSONResponse(self._session(who[0], who[1], request))

    async def get_session(self, request: Request) -> Response:
        who = self._caller(request)
        if who is None:
            return _error("AuthenticationRequired", "Authentication Required", 401)
        return JSONResponse(
            {
                "handle": who[1],
                "did": who[0],
                "email": "reports@vigil.sim",
                "emailConfirmed": True,
                "emailAuthFactor": False,
                "active": True,
            }
        )

    async def resolve_handle(self, request: Request) -> Response:
        acc = self._actor(request.query_params.get("handle", ""))
        if acc is None:
            return _error("InvalidRequest", "Unable to resolve handle")
        return JSONResponse({"did": did_for(acc)})

    def _profile(self, acc: SimAccount, request: Request) -> dict[str, Any]:
        count = self.ctx.index.post_count(acc, self.ctx.now())
        return profile_json(acc, posts_count=count, media_base=base_url(request))

    async def get_profile(self, request: Request) -> Response:
        actor = request.query_params.get("actor")
        if not actor:
            return _error("InvalidRequest", 'Error: Params must have the property "actor"')
        acc = self._actor(actor)
        member = self._members.get(actor.lower() if not actor.startswith("did:") else actor)
        if acc is None and member is not None:
            return JSONResponse(self._member_profile(*member))
        if acc is None:
            return _error("InvalidRequest", "Profile not found")
        if self.ctx.state.is_suspended(acc, self.ctx.now()):
            return _error("AccountTakedown", "Account has been suspended")
        return JSONResponse(self._profile(acc, request))

    def _member_profile(self, did: str, handle: str) -> dict[str, Any]:
        return {
            "did": did,
            "handle": handle,
            "displayName": "Vigil",
            "description": "",
            "followersCount": 0,
            "followsCount": 0,
            "postsCount": 0,
            "indexedAt": bsky_time(self.ctx.index.world.start),
            "labels": [],
        }

    async def get_profiles(self, request: Request) -> Response:
        actors = request.query_params.getlist("actors")
        if len(actors) > 25:
            return _error("InvalidRequest", "Error: Params must have the property 'actors' <= 25")
        now = self.ctx.now()
        found = [self._actor(a) for a in actors]
        live = [a for a in found if a is not None and not self.ctx.state.is_suspended(a, now)]
        return JSONResponse({"profiles": [self._profile(a, request) for a in live]})

    def _keep(self, post: SimPost, feed_filter: str, now: float) -> bool:
        index = self.ctx.index
        ref = index.posts.get(post.ref_id) if post.ref_id else None
        if post.kind == "retweet" and (
            ref is None or not self.ctx.live(index.accounts.get(ref.author_id), now)
        ):
            return False
        if feed_filter == "posts_with_media":
            return post.kind != "retweet" and bool(post.media_keys)
        if feed_filter == "posts_with_video":
            return False
        if feed_filter == "posts_no_replies":
            return post.kind != "reply"
        if feed_filter == "posts_and_author_threads":
            return post.kind != "reply" or (ref is not None and ref.author_id == post.author_id)
        return True

    def _item(self, post: SimPost, request: Request) -> dict[str, Any]:
        index = self.ctx.index
        ref = index.posts.get(post.ref_id) if post.ref_id else None
        hidden = ref is not None and not self.ctx.live(
            index.accounts.get(ref.author_id), self.ctx.now()
        )
        return feed_view_post(
            post,
            index.accounts[post.author_id],
            ref=ref,
            ref_author=index.accounts.get(ref.author_id) if ref is not None else None,
            as_of=self.ctx.clock.now(),
            media=[index.media[k] for k in post.media_keys if k in index.media],
            ref_media=[index.media[k] for k in ref.media_keys if k in index.media] if ref else [],
            mentioned=[index.accounts[m] for m in post.mentions if m in index.accounts],
            media_base=base_url(request),
            ref_hidden=hidden,
        )

    async def get_author_feed(self, request: Request) -> Response:
        q = request.query_params
        raw_limit = q.get("limit", "50")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
            return _error("InvalidRequest", "Error: limit must be <= 100 and >= 1")
        feed_filter = q.get("filter", "posts_with_replies")
        if feed_filter not in _FILTERS:
            return _error("InvalidRequest", f"Error: filter must be one of {sorted(_FILTERS)}")
        acc = self._actor(q.get("actor", ""))
        now = self.ctx.now()
        if acc is None or self.ctx.state.is_suspended(acc, now):
            return _error("InvalidRequest", "Profile not found")
        line = self.ctx.index.timeline(acc.id)
        hi = line.visible(now)
        cursor = q.get("cursor")
        if cursor:
            hi = min(hi, self._cursor_position(line.posts, line.times, cursor))
        picked: list[SimPost] = []
        i = hi - 1
        while i >= 0 and len(picked) < int(raw_limit):
            if self._keep(line.posts[i], feed_filter, now):
                picked.append(line.posts[i])
            i -= 1
        body: dict[str, Any] = {"feed": [self._item(p, request) for p in picked]}
        if picked and i >= 0:
            last = picked[-1]
            body["cursor"] = f"{int(epoch(last.created_at) * 1000)}::{rkey_for(last)}"
        return JSONResponse(body)

    @staticmethod
    def _cursor_position(posts: list[SimPost], times: list[float], cursor: str) -> int:
        """Where a ``<ms>::<rkey>`` cursor points: the item it names, else its instant."""
        ms, _, rkey = cursor.partition("::")
        if not ms.isdigit():
            return 0
        start = bisect_left(times, int(ms) / 1000)
        for i in range(start, min(len(posts), start + 64)):
            if rkey_for(posts[i]) == rkey:
                return i
        return start

    async def create_report(self, request: Request) -> Response:
        who = self._caller(request)
        body = await _json(request)
        reason_type = str(body.get("reasonType") or "")
        subject = body.get("subject")
        target = ""
        if isinstance(subject, dict):
            target = str(subject.get("did") or "")
            uri = str(subject.get("uri") or "")
            if not target and uri.startswith("at://"):
                target = uri[5:].split("/", 1)[0]
        acc = self.ctx.index.by_did.get(target)
        now = self.ctx.now()
        if who is None:
            code, answer = 401, _error("AuthenticationRequired", "Authentication Required", 401)
        elif not reason_type.startswith(_REASON_PREFIXES):
            code, answer = 400, _error("InvalidRequest", "Invalid reason type")
        elif not target:
            code, answer = (
                400,
                _error("InvalidRequest", "Input/subject must be a repoRef or strongRef"),
            )
        else:
            code, answer = 200, JSONResponse({})
        record = self.ctx.state.record_report(
            network="bluesky",
            target=target,
            acc=acc,
            reporter=who[0] if who else "",
            now=now,
            accepted=code == 200,
            status=code,
            payload={
                "reasonType": reason_type,
                "reason": body.get("reason"),
                "subject": subject,
                "atproto-proxy": request.headers.get("atproto-proxy"),
            },
        )
        if code != 200 or who is None:
            return answer
        view: dict[str, Any] = {
            "id": record.id,
            "reasonType": reason_type,
            "subject": subject,
            "reportedBy": who[0],
            "createdAt": bsky_time(datetime.fromtimestamp(now, UTC)),
        }
        if body.get("reason"):
            view["reason"] = body["reason"]
        return JSONResponse(view)


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def bluesky_routes(ctx: SimContext) -> list[BaseRoute]:
    api = BlueskyApi(ctx)
    handlers: dict[tuple[str, str], Callable[[Request], Awaitable[Response]]] = {
        ("POST", "com.atproto.server.createSession"): api.create_session,
        ("POST", "com.atproto.server.refreshSession"): api.refresh_session,
        ("GET", "com.atproto.server.getSession"): api.get_session,
        ("GET", "com.atproto.identity.resolveHandle"): api.resolve_handle,
        ("GET", "app.bsky.actor.getProfile"): api.get_profile,
        ("GET", "app.bsky.actor.getProfiles"): api.get_profiles,
        ("GET", "app.bsky.feed.getAuthorFeed"): api.get_author_feed,
        ("POST", "com.atproto.moderation.createReport"): api.create_report,
        ("POST", "com.atproto.repo.createRecord"): api.create_record,
        ("GET", "com.atproto.repo.listRecords"): api.list_records,
        ("GET", "com.atproto.repo.getRecord"): api.get_record,
    }

    async def dispatch(request: Request) -> Response:
        handler = handlers.get((request.method, request.path_params["nsid"]))
        if handler is None:
            return _error("MethodNotImplemented", "Method Not Implemented", 501)
        return await handler(request)

    return [Route("/xrpc/{nsid}", dispatch, methods=["GET", "POST"])]
