"""The raw X client through its transport seam: retries, rate-limit waits, errors made Vigil's."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from vigil.errors import PlatformError, RateLimitedError
from vigil.platforms.base import CapabilityUnavailableError
from vigil.platforms.x_client import XClient, rate_family

TOKEN = "AAAA-secret-bearer-token"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """A server clock that only moves when waited on."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.t = now
        self.waits: list[float] = []

    def observe(self, server_now: float | None) -> None:
        if server_now is not None:
            self.t = server_now

    def now(self) -> float:
        return self.t

    def wait(self, server_seconds: float) -> None:
        self.waits.append(server_seconds)
        self.t += server_seconds


def _client(handler: Handler, clock: FakeClock | None = None) -> XClient:
    return XClient(
        TOKEN,
        base_url="https://x.test",
        transport=httpx.MockTransport(handler),
        clock=clock or FakeClock(),
        sleep=lambda s: None,
    )


def test_rate_family_ignores_ids() -> None:
    assert rate_family("/2/users/123/followers") == "/2/users/:id/followers"
    assert rate_family("/2/users") == "/2/users"


def test_bearer_token_is_sent_and_body_returned() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [{"id": "1"}]}, headers={"x-sim-now": "1500"})

    response = _client(handler).get("/2/users", {"ids": "1"})
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert response.body == {"data": [{"id": "1"}]}
    assert response.server_time.timestamp() == 1500
    assert "ids=1" in response.url


def test_429_waits_until_reset_on_the_server_clock_then_retries() -> None:
    clock = FakeClock()
    answers = iter(
        [
            httpx.Response(
                429,
                json={"title": "Too Many Requests"},
                headers={
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": "2000",
                    "x-sim-now": "1100",
                },
            ),
            httpx.Response(200, json={"data": []}, headers={"x-sim-now": "2001"}),
        ]
    )
    client = _client(lambda r: next(answers), clock)
    client.get("/2/users/1/followers")
    assert clock.waits == [pytest.approx(901.0)], "reset - x-sim-now, plus a second of margin"
    assert client.rate_limit_waits == 1


def test_exhausted_window_is_waited_out_before_the_next_request() -> None:
    clock = FakeClock(5000.0)
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": "5100", "x-sim-now": "5000"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": []}, headers=headers)

    client = _client(handler, clock)
    client.get("/2/users/1/tweets")
    assert clock.waits == []
    client.get("/2/users/2/tweets")
    assert clock.waits == [pytest.approx(101.0)], "the same endpoint family, another id"


def test_endless_429_becomes_rate_limited_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={}, headers={"x-rate-limit-reset": "10"})

    with pytest.raises(RateLimitedError) as info:
        _client(handler).get("/2/users/1/following")
    assert info.value.exit_code == 21


def test_server_errors_and_dropped_connections_are_retried() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("connection refused", request=request)
        if calls["n"] == 2:
            return httpx.Response(503, text="over capacity")
        return httpx.Response(200, json={"data": []})

    assert _client(handler).get("/2/users", {"ids": "1"}).body == {"data": []}
    assert calls["n"] == 3


def test_unreachable_server_is_a_platform_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(PlatformError, match="unreachable"):
        _client(handler).get("/2/users", {"ids": "1"})


def test_refused_token_is_reported_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"title": "Unauthorized", "detail": "Unauthorized"})

    with pytest.raises(PlatformError) as info:
        _client(handler).get("/2/users", {"ids": "1"})
    assert "refused the bearer token" in str(info.value)
    assert TOKEN not in str(info.value)
    assert TOKEN not in caplog.text


def test_bad_request_names_x_s_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"errors": [{"message": "The `ids` query parameter can not be empty"}]}
        return httpx.Response(400, json=body)

    with pytest.raises(PlatformError, match="can not be empty"):
        _client(handler).get("/2/users", {"ids": ""})


def test_missing_route_is_capability_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404, json={"errors": [{"message": "Sorry, that page does not exist"}]}
        )

    with pytest.raises(CapabilityUnavailableError):
        _client(handler).get("/2/users/1/liked_tweets")


def test_a_client_needs_a_token() -> None:
    from vigil.errors import ConfigError

    with pytest.raises(ConfigError, match="VIGIL_X_BEARER_TOKEN"):
        XClient("")
