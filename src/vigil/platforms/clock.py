"""The API server's clock as a client sees it, so rate-limit waits are measured on that clock.

X says when a window resets in the server's epoch seconds; the sim server runs a simulated
clock (sent as ``x-sim-now``) that may be frozen or run faster than wall time. A client asks
its `ServerClock` to wait so many server seconds, never the local wall clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import httpx

from vigil.errors import PlatformError, RateLimitedError

__all__ = ["ObservedClock", "ServerClock", "SimClockDriver"]

log = logging.getLogger(__name__)

_MIN_SPAN = 0.5  # wall seconds between observations before a rate estimate is trusted
_POLL = 1.0  # wall seconds to sleep while the server's clock rate is unknown


class ServerClock(Protocol):
    """Knows the server's time and can wait for it to pass a given instant."""

    def observe(self, server_now: float | None) -> None:
        """Note the server's time from a response (None: the server sent none)."""

    def now(self) -> float:
        """The server's time now, in epoch seconds, as well as the client can tell."""

    def wait(self, server_seconds: float) -> None:
        """Return once `server_seconds` have passed on the server's clock (or raise)."""


class ObservedClock:
    """Wall time for real APIs; a simulator's clock learnt from the times its responses carry.

    The simulator's rate (server seconds per wall second) is estimated from the first and
    latest observation, so a sim running at 1,000x is waited out in a thousandth of the time.
    A frozen simulator never reaches a reset: `wait` then raises `RateLimitedError`.
    """

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        max_wait: float = 3600.0,
    ) -> None:
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall = wall
        self.max_wait = max_wait
        self._first: tuple[float, float] | None = None  # (monotonic, server time)
        self._last: tuple[float, float] | None = None

    def observe(self, server_now: float | None) -> None:
        if server_now is None:
            return
        point = (self._monotonic(), server_now)
        if self._first is None:
            self._first = point
        self._last = point

    def rate(self) -> float | None:
        """Server seconds per wall second: 1 for a real server, None while unknown."""
        if self._first is None or self._last is None:
            return 1.0
        span = self._last[0] - self._first[0]
        if span < _MIN_SPAN:
            return None
        return max(0.0, (self._last[1] - self._first[1]) / span)

    def now(self) -> float:
        if self._last is None:
            return self._wall()
        rate = self.rate() or 0.0
        return self._last[1] + (self._monotonic() - self._last[0]) * rate

    def wait(self, server_seconds: float) -> None:
        if server_seconds <= 0:
            return
        rate = self.rate()
        if rate is None:
            # Too few observations to know how fast the server's clock runs: nap, and let
            # the next response tell.
            self._sleep(min(_POLL, server_seconds))
            return
        if rate == 0:
            raise RateLimitedError(
                f"rate limited for {server_seconds:.0f} s, but the server's clock does not move "
                "(a sim server with a frozen clock: use --advance-sim-clock)",
                reset_at=self.now() + server_seconds,
            )
        wall = server_seconds / rate
        if wall > self.max_wait:
            raise RateLimitedError(
                f"rate limited for {wall:.0f} s, longer than the {self.max_wait:.0f} s allowed",
                reset_at=self.now() + server_seconds,
            )
        log.info(
            "rate limited: waiting %.1f s (%.0f s on the server's clock)", wall, server_seconds
        )
        self._sleep(wall)


class SimClockDriver:
    """Waits on a Vigil sim server by moving its clock forward (``POST /_sim/clock``).

    For tests and demos against `vigil sim serve`: the simulated world moves on while the
    client "waits", exactly as the real one would, but no wall time passes.
    """

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(base_url=base_url, transport=transport, timeout=10.0)
        self.waited = 0.0
        self.waits = 0

    def observe(self, server_now: float | None) -> None:
        """Nothing to learn: `now` asks the server itself."""

    def now(self) -> float:
        return float(self._control("GET")["epoch"])

    def wait(self, server_seconds: float) -> None:
        if server_seconds <= 0:
            return
        self._control("POST", {"advance_seconds": server_seconds})
        self.waited += server_seconds
        self.waits += 1
        log.info("advanced the sim clock by %.0f s", server_seconds)

    def set(self, when: datetime) -> None:
        """Put the server's clock at `when` (a demo starts its review at the real time)."""
        self._control("POST", {"now": when.isoformat()})

    def _control(self, method: str, body: dict[str, float | str] | None = None) -> dict[str, Any]:
        try:
            response = self._client.request(method, "/_sim/clock", json=body)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PlatformError(f"cannot drive the sim clock: {exc}") from exc
        if not isinstance(data, dict) or "epoch" not in data:
            raise PlatformError("the server has no sim clock (is it `vigil sim serve`?)")
        return data

    def close(self) -> None:
        self._client.close()
