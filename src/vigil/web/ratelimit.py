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
from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from vigil.errors import ConfigError

__all__ = ["AddressLimiter", "is_limited", "public_rate_limit"]

_EXACT = frozenset(
    {"/login", "/tip", "/appeal", "/appeal/status", "/api/pow", "/api/policy", "/api/tips"}
)
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


def is_limited(request: Request) -> bool:
    """Public endpoints always; anything else only when it carries no credentials at all."""
    path = request.url.path
    if path in _EXACT or path.startswith("/feeds/"):
        return True
    if path.startswith("/api/appeals") and "authorization" not in request.headers:
        return True  # the public appeal API; the leads' inbox carries a bearer token
    return _SESSION_COOKIE not in request.cookies and "authorization" not in request.headers


async def public_rate_limit(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    limiter = getattr(request.app.state, "public_limiter", None)
    if limiter is None or request.url.path.startswith("/static/") or not is_limited(request):
        return await call_next(request)
    wait = limiter.allow(request.client.host if request.client else "unknown")
    if not wait:
        return await call_next(request)
    headers = {"Retry-After": str(wait), "Cache-Control": "no-store"}
    message = "too many requests from this address: slow down"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=429, headers=headers)
    return HTMLResponse(f"<!doctype html><title>429</title><p>{message}</p>", 429, headers)
