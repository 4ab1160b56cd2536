"""Per-address shedding of anonymous load: public pages, feeds and the public API answer 429
with Retry-After once an address exceeds its token bucket, before any database work is done.

Signed-in reviewers (session cookie or bearer token) on workbench pages are never counted, so
a flood of anonymous requests cannot lock them out. Buckets live in each worker's memory:
with N workers an address gets up to N times the rate, which is still a bound.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from vigil.errors import ConfigError

__all__ = ["AddressLimiter", "PublicRateLimit", "is_limited"]

_EXACT = frozenset({"/tip", "/appeal", "/appeal/status", "/api/pow", "/api/policy", "/api/tips"})
# /login has its own throttle of failures per user and per address, kept in the store.
_EXEMPT = ("/static/", "/login")
_SESSION_COOKIE = "vigil_session"


class AddressLimiter:
    """A token bucket per address: `burst` requests at once, then `per_minute` a minute."""

    def __init__(
        self,
        per_minute: float = 30,
        burst: int = 15,
        *,
        max_addresses: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_addresses = max_addresses
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AddressLimiter:
        env = os.environ if environ is None else environ
        raw = env.get("VIGIL_WEB_PUBLIC_RATE", "30")
        try:
            per_minute = float(raw)
        except ValueError:
            raise ConfigError(f"VIGIL_WEB_PUBLIC_RATE: not a number: {raw[:20]!r}") from None
        if not 1 <= per_minute <= 100_000:
            raise ConfigError("VIGIL_WEB_PUBLIC_RATE: between 1 and 100000 requests a minute")
        return cls(per_minute, burst=max(5, int(per_minute // 2)))

    def allow(self, address: str) -> int:
        """0 when the request may go on, else the seconds to wait before the next one."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(address, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) >= self.max_addresses:
                self._buckets.popitem(last=False)  # the least recently seen address
            if tokens >= 1.0:
                self._buckets[address] = (tokens - 1.0, now)
                return 0
            self._buckets[address] = (tokens, now)
            return max(1, int((1.0 - tokens) / self.rate + 0.999))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def __len__(self) -> int:
        return len(self._buckets)


def is_limited(path: str, headers: Mapping[str, str]) -> bool:
    """Public endpoints always; anything else only when it carries no credentials at all."""
    if path in _EXACT or path.startswith("/feeds/"):
        return True
    if path.startswith("/api/appeals") and "authorization" not in headers:
        return True  # the public appeal API; the leads' inbox carries a bearer token
    if path.startswith(_EXEMPT):
        return False
    return "authorization" not in headers and _SESSION_COOKIE not in headers.get("cookie", "")


class PublicRateLimit:
    """Outermost ASGI layer: a refused request costs a dict lookup, not a trip through the app."""

    def __init__(self, app: ASGIApp, limiter: AddressLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        headers = Headers(scope=scope)
        client = scope.get("client")
        if not is_limited(path, headers):
            await self.app(scope, receive, send)
            return
        wait = self.limiter.allow(str(client[0]) if client else "unknown")
        if not wait:
            await self.app(scope, receive, send)
            return
        extra = {
            "Retry-After": str(wait),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        }
        message = "too many requests from this address: slow down"
        response: Response
        if path.startswith("/api/"):
            response = JSONResponse({"detail": message}, status_code=429, headers=extra)
        else:
            body = f"<!doctype html><title>429</title><p>{message}</p>"
            response = HTMLResponse(body, status_code=429, headers=extra)
        await response(scope, receive, send)
