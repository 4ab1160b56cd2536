"""Pieces every X API v2 route shares: auth and rate limits, field selection, errors, tokens.

Error bodies copy X's (problem types, titles, messages); HTTP 200 with ``errors`` for
suspended or missing resources, 400 for invalid parameters, 401 and 429 as X sends them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vigil.sim.render_x import user_json
from vigil.sim.server.context import SimContext, base_url, bearer
from vigil.sim.server.ratelimit import RateStatus
from vigil.sim.world import SimAccount

__all__ = [
    "MEDIA_DEFAULT",
    "TWEET_DEFAULT",
    "USER_DEFAULT",
    "XGuard",
    "decode_token",
    "encode_token",
    "invalid_request",
    "not_authorized_error",
    "requested",
    "select",
]

USER_DEFAULT = frozenset({"id", "name", "username"})
TWEET_DEFAULT = frozenset({"id", "text", "edit_history_tweet_ids"})
MEDIA_DEFAULT = frozenset({"media_key", "type"})
_INVALID_TYPE = "https://api.twitter.com/2/problems/invalid-request"
_NOT_AUTHORIZED_TYPE = "https://api.twitter.com/2/problems/not-authorized-for-resource"
_UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
_TOO_MANY = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}


def requested(request: Request, name: str) -> frozenset[str]:
    """The comma-separated values of one query parameter (``user.fields``, ``expansions``...)."""
    raw = request.query_params.get(name, "")
    return frozenset(v.strip() for v in raw.split(",") if v.strip())


def select(obj: dict[str, Any], default: frozenset[str], wanted: frozenset[str]) -> dict[str, Any]:
    """Only the default fields plus the requested ones, as X answers."""
    keep = default | wanted
    return {k: v for k, v in obj.items() if k in keep}


ID_PATTERN = re.compile(r"^[0-9]{1,19}$")


def check_id_and_max(
    request: Request, *, default_max: int, lo: int, hi: int
) -> tuple[str, int] | JSONResponse:
    """The `:id` path parameter and `max_results`, or X's 400 answer naming the bad one."""
    uid: str = request.path_params["id"]
    if not ID_PATTERN.match(uid):
        return invalid_request(
            "id",
            [uid],
            f"The `id` query parameter value [{uid}] does not match {ID_PATTERN.pattern}",
        )
    raw_max = request.query_params.get("max_results", str(default_max))
    if not raw_max.isdigit() or not lo <= int(raw_max) <= hi:
        return invalid_request(
            "max_results",
            [raw_max],
            f"The `max_results` query parameter value [{raw_max}] is not between {lo} and {hi}",
        )
    return uid, int(raw_max)


def invalid_request(parameter: str, values: Iterable[str], message: str) -> JSONResponse:
    body = {
        "errors": [{"parameters": {parameter: list(values)}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": _INVALID_TYPE,
    }
    return JSONResponse(body, status_code=400)


def not_authorized_error(parameter: str, value: str) -> dict[str, Any]:
    """X's error for a protected account's tweets or follows seen without permission."""
    return {
        "value": value,
        "detail": f"Sorry, you are not authorized to see the user with {parameter}: [{value}].",
        "title": "Authorization Error",
        "resource_type": "user",
        "parameter": parameter,
        "resource_id": value,
        "type": _NOT_AUTHORIZED_TYPE,
    }


def encode_token(kind: str, owner: str, position: int) -> str:
    """An opaque pagination token naming a position in a static, oldest-first list."""
    raw = f"{kind}:{owner}:{position}".encode()
    return base64.b32encode(raw).decode().lower().rstrip("=")


def decode_token(token: str, kind: str, owner: str) -> int | None:
    padded = token.upper() + "=" * (-len(token) % 8)
    try:
        k, o, pos = base64.b32decode(padded).decode().split(":")
        position = int(pos)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if k != kind or o != owner or position < 0:
        return None
    return position


class XGuard:
    """Bearer auth and per-token rate limits; renders users with their sim-time counts."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    def check(self, request: Request, family: str) -> RateStatus | Response:
        """The rate status to send with the answer, or the 401/429 response to send instead."""
        token = bearer(request)
        if token != self.ctx.token:
            return JSONResponse(_UNAUTHORIZED, status_code=401)
        status = self.ctx.limiter.hit(token, family, self.ctx.now())
        if not status.allowed:
            return JSONResponse(_TOO_MANY, status_code=429, headers=self.headers(status))
        return status

    def headers(self, status: RateStatus) -> dict[str, str]:
        headers = status.headers()
        headers["x-sim-now"] = f"{self.ctx.now():.3f}"
        return headers

    def respond(self, body: dict[str, Any], status: RateStatus) -> JSONResponse:
        return JSONResponse(body, headers=self.headers(status))

    def user(self, acc: SimAccount, request: Request, now: float) -> dict[str, Any]:
        full = user_json(
            acc,
            tweet_count=self.ctx.index.post_count(acc, now),
            media_base=base_url(request),
        )
        return select(full, USER_DEFAULT, requested(request, "user.fields"))
