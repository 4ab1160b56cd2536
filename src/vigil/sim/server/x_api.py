"""X API v2 user routes: lookup by ids and usernames, single users, followers and following.

Suspended users come back as X's ``errors`` objects (HTTP 200), missing ones as not-found
errors; follow lists leave out suspended and not-yet-created accounts, newest first.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vigil.sim.render_x import api_body, not_found_error, suspended_error
from vigil.sim.server.context import SimContext
from vigil.sim.server.index import Edges
from vigil.sim.server.x_common import (
    ID_PATTERN,
    XGuard,
    check_id_and_max,
    decode_token,
    encode_token,
    invalid_request,
    not_authorized_error,
)
from vigil.sim.server.x_timeline import XTimeline
from vigil.sim.world import SimAccount

__all__ = ["x_routes"]

_ID = ID_PATTERN
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_MAX_LOOKUP = 100


class XUsers:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.guard = XGuard(ctx)

    def _resolve(
        self, acc: SimAccount | None, parameter: str, value: str, request: Request, now: float
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(user, None) for a live account, else (None, the error X gives for it)."""
        if acc is None or not self.ctx.index.exists(acc, now):
            return None, not_found_error(parameter, value)
        if self.ctx.state.is_suspended(acc, now):
            return None, suspended_error(acc, parameter, value)
        return self.guard.user(acc, request, now), None

    def _lookup(self, request: Request, parameter: str) -> Response:
        status = self.guard.check(request, "users_lookup")
        if isinstance(status, Response):
            return status
        raw = request.query_params.get(parameter, "")
        values = [v for v in raw.split(",") if v != ""]
        if not values:
            return invalid_request(
                parameter, [], f"The `{parameter}` query parameter can not be empty"
            )
        if len(values) > _MAX_LOOKUP:
            return invalid_request(
                parameter,
                [raw],
                f"The number of values in the `{parameter}` query parameter list "
                f"[{len(values)}] is not between 1 and {_MAX_LOOKUP}",
            )
        pattern = _ID if parameter == "ids" else _USERNAME
        for v in values:
            if not pattern.match(v):
                return invalid_request(
                    parameter,
                    [v],
                    f"The `{parameter}` query parameter value [{v}] does not match "
                    f"{pattern.pattern}",
                )
        now = self.ctx.now()
        index = self.ctx.index
        data: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        # X answers duplicates in the list twice, in the order asked.
        for v in values:
            acc = index.accounts.get(v) if parameter == "ids" else index.by_handle.get(v.lower())
            user, error = self._resolve(acc, parameter, v, request, now)
            if user is not None:
                data.append(user)
            if error is not None:
                errors.append(error)
        return self.guard.respond(api_body(data=data, errors=errors), status)

    async def by_ids(self, request: Request) -> Response:
        return self._lookup(request, "ids")

    async def by_usernames(self, request: Request) -> Response:
        return self._lookup(request, "usernames")

    def _single(self, request: Request, parameter: str, value: str) -> Response:
        status = self.guard.check(request, "users_lookup")
        if isinstance(status, Response):
            return status
        pattern = _ID if parameter == "id" else _USERNAME
        if not pattern.match(value):
            return invalid_request(
                parameter,
                [value],
                f"The `{parameter}` query parameter value [{value}] does not match "
                f"{pattern.pattern}",
            )
        index = self.ctx.index
        acc = index.accounts.get(value) if parameter == "id" else index.by_handle.get(value.lower())
        user, error = self._resolve(acc, parameter, value, request, self.ctx.now())
        body = api_body(data=user) if user is not None else api_body(errors=[error or {}])
        return self.guard.respond(body, status)

    async def user_by_id(self, request: Request) -> Response:
        return self._single(request, "id", request.path_params["id"])

    async def user_by_username(self, request: Request) -> Response:
        return self._single(request, "username", request.path_params["username"])

    def _edges(self, request: Request, family: str) -> Response:
        status = self.guard.check(request, family)
        if isinstance(status, Response):
            return status
        checked = check_id_and_max(request, default_max=100, lo=1, hi=1000)
        if isinstance(checked, Response):
            return checked
        uid, max_results = checked
        now = self.ctx.now()
        acc = self.ctx.index.accounts.get(uid)
        _, error = self._resolve(acc, "id", uid, request, now)
        if error is None and acc is not None and acc.protected:
            error = not_authorized_error("id", uid)
        if error is not None or acc is None:
            return self.guard.respond(api_body(errors=[error or {}]), status)
        followers = family == "followers"
        edges = self.ctx.index.followers(uid) if followers else self.ctx.index.following(uid)
        hi = edges.visible(now)
        token = request.query_params.get("pagination_token")
        if token is not None:
            position = decode_token(token, family, uid)
            if position is None:
                return invalid_request(
                    "pagination_token",
                    [token],
                    f"The `pagination_token` query parameter value [{token}] is not valid",
                )
            hi = min(hi, position)
        users, next_pos = self._scan(edges, hi, max_results, followers, now)
        meta: dict[str, Any] = {"result_count": len(users)}
        if next_pos > 0:
            meta["next_token"] = encode_token(family, uid, next_pos)
        data = [self.guard.user(a, request, now) for a in users]
        return self.guard.respond(api_body(data=data, meta=meta), status)

    def _scan(
        self, edges: Edges, hi: int, n: int, followers: bool, now: float
    ) -> tuple[list[SimAccount], int]:
        """Up to ``n`` live accounts walking back from ``hi``; returns them and where to resume."""
        out: list[SimAccount] = []
        i = hi - 1
        accounts = self.ctx.index.accounts
        while i >= 0 and len(out) < n:
            follow = edges.follows[i]
            other = accounts.get(follow.src if followers else follow.dst)
            if other is not None and self.ctx.live(other, now):
                out.append(other)
            i -= 1
        return out, i + 1

    async def followers(self, request: Request) -> Response:
        return self._edges(request, "followers")

    async def following(self, request: Request) -> Response:
        return self._edges(request, "following")


def x_routes(ctx: SimContext) -> list[BaseRoute]:
    users = XUsers(ctx)
    timeline = XTimeline(ctx)
    return [
        Route("/2/users", users.by_ids),
        Route("/2/users/by", users.by_usernames),
        Route("/2/users/by/username/{username}", users.user_by_username),
        Route("/2/users/{id}", users.user_by_id),
        Route("/2/users/{id}/tweets", timeline.user_tweets),
        Route("/2/users/{id}/followers", users.followers),
        Route("/2/users/{id}/following", users.following),
    ]
