"""A raw X API v2 client over httpx: bearer auth, rate limits, retries, errors made Vigil's.

It waits out ``x-rate-limit-remaining: 0`` and 429s until ``x-rate-limit-reset`` on the
*server's* clock (a `ServerClock`; the sim sends ``x-sim-now``). httpx and HTTP failures
become `PlatformError` / `RateLimitedError` here; the token never appears in a message or log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

import vigil
from vigil.errors import ConfigError, PlatformError, RateLimitedError
from vigil.platforms.base import CapabilityUnavailableError
from vigil.platforms.clock import ObservedClock, ServerClock

__all__ = ["DEFAULT_X_API", "XClient", "XResponse", "rate_family"]

log = logging.getLogger(__name__)

DEFAULT_X_API = "https://api.twitter.com"
_RESET_MARGIN = 1.0  # server seconds past the reset, so the window has surely reopened
_NO_RESET_WAIT = 60.0  # server seconds to wait on a 429 that names no reset


def rate_family(path: str) -> str:
    """The rate-limit bucket of a path: X counts per endpoint, not per id (``/2`` stays)."""
    parts = path.split("/")
    return "/".join(":id" if i > 1 and p.isdigit() else p for i, p in enumerate(parts))


@dataclass(frozen=True, slots=True)
class XResponse:
    """A decoded 200 answer; `url` is what was asked, with its query (parsers read it)."""

    body: dict[str, Any]
    url: str
    server_time: datetime


@dataclass(slots=True)
class _Window:
    remaining: int
    reset: float


class XClient:
    """GET requests against X API v2 (or a server speaking it, such as `vigil sim serve`).

    `transport` is the test seam (an `httpx.MockTransport`, say); `clock` decides how rate
    limit waits pass; `sleep` is for the short back-off between retries of failed requests.
    """

    def __init__(
        self,
        bearer_token: str,
        *,
        base_url: str = DEFAULT_X_API,
        transport: httpx.BaseTransport | None = None,
        clock: ServerClock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_rate_waits: int = 6,
    ) -> None:
        if not bearer_token:
            raise ConfigError("no X bearer token (set VIGIL_X_BEARER_TOKEN or pass --token)")
        self.base_url = base_url.rstrip("/")
        self.clock: ServerClock = clock if clock is not None else ObservedClock()
        self._sleep = sleep
        self._max_retries = max_retries
        self._backoff = backoff
        self._max_rate_waits = max_rate_waits
        self._windows: dict[str, _Window] = {}
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {bearer_token}",
                "User-Agent": f"vigil/{vigil.__version__}",
            },
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
        )
        self.requests = 0
        self.rate_limit_waits = 0
        self.waited_seconds = 0.0

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> XResponse:
        """One GET, retried through rate limits and transient failures; a 200 body or raise."""
        family = rate_family(path)
        query = {k: str(v) for k, v in (params or {}).items()}
        rate_waits = 0
        attempt = 0
        while True:
            self._respect_window(family)
            response = self._send(path, query, attempt)
            if response is None:
                attempt += 1
                continue
            server_now = _float(response.headers.get("x-sim-now"))
            self.clock.observe(server_now)
            if response.status_code == 429:
                rate_waits += 1
                if rate_waits > self._max_rate_waits:
                    raise RateLimitedError(
                        f"X API at {self.host}: still rate limited on {family} after "
                        f"{self._max_rate_waits} waits",
                        reset_at=_float(response.headers.get("x-rate-limit-reset")),
                    )
                self._wait_for_reset(family, response, server_now)
                continue
            if response.status_code >= 500:
                if attempt >= self._max_retries:
                    raise PlatformError(
                        f"X API at {self.host} answered HTTP {response.status_code} on {path} "
                        f"{attempt + 1} times"
                    )
                self._back_off(attempt, f"HTTP {response.status_code}")
                attempt += 1
                continue
            self._note_window(family, response)
            return self._decode(path, response, server_now)

    # -- rate limits ----------------------------------------------------------------------

    def _respect_window(self, family: str) -> None:
        window = self._windows.get(family)
        if window is None or window.remaining > 0:
            return
        wait = window.reset - self.clock.now()
        if wait > 0:
            self._wait(family, wait + _RESET_MARGIN)
        del self._windows[family]

    def _note_window(self, family: str, response: httpx.Response) -> None:
        remaining = response.headers.get("x-rate-limit-remaining")
        reset = _float(response.headers.get("x-rate-limit-reset"))
        if remaining is not None and remaining.isdigit() and reset is not None:
            self._windows[family] = _Window(int(remaining), reset)

    def _wait_for_reset(
        self, family: str, response: httpx.Response, server_now: float | None
    ) -> None:
        reset = _float(response.headers.get("x-rate-limit-reset"))
        now = server_now if server_now is not None else self.clock.now()
        wait = (reset - now) if reset is not None else _NO_RESET_WAIT
        self._windows.pop(family, None)
        self._wait(family, max(0.0, wait) + _RESET_MARGIN)

    def _wait(self, family: str, server_seconds: float) -> None:
        log.info("X rate limit on %s: waiting %.0f s on the server's clock", family, server_seconds)
        self.rate_limit_waits += 1
        self.waited_seconds += server_seconds
        self.clock.wait(server_seconds)

    # -- transport ------------------------------------------------------------------------

    def _send(self, path: str, query: dict[str, str], attempt: int) -> httpx.Response | None:
        """The response, or None after a transient transport failure worth retrying."""
        self.requests += 1
        log.debug("GET %s %s", path, query)
        try:
            return self._http.get(path, params=query)
        except httpx.TransportError as exc:
            if attempt >= self._max_retries:
                raise PlatformError(
                    f"X API at {self.host} unreachable: {type(exc).__name__}: {exc}"
                ) from exc
            self._back_off(attempt, type(exc).__name__)
            return None

    def _back_off(self, attempt: int, why: str) -> None:
        delay = self._backoff * 2**attempt
        log.warning("X API at %s: %s, retrying in %.1f s", self.host, why, delay)
        self._sleep(delay)

    def _decode(self, path: str, response: httpx.Response, server_now: float | None) -> XResponse:
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status == 200 and isinstance(body, dict):
            when = server_now if server_now is not None else time.time()
            return XResponse(
                body=body,
                url=str(response.request.url),
                server_time=datetime.fromtimestamp(when, UTC),
            )
        detail = _problem(body) or response.reason_phrase
        if status in (401, 403):
            raise PlatformError(
                f"X API at {self.host} refused the bearer token (HTTP {status}: {detail})"
            )
        if status == 404 and isinstance(body, dict) and not body.get("data"):
            raise CapabilityUnavailableError(f"X API at {self.host} has no {path} ({detail})")
        raise PlatformError(f"X API at {self.host} answered HTTP {status} on {path}: {detail}")


def _problem(body: object) -> str:
    """X's own words for an error body: the first error's message, else the problem detail."""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return str(first.get("message") or first.get("detail") or "")
    return str(body.get("detail") or body.get("title") or "")


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
