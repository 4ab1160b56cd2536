"""Flooding the public endpoints: anonymous requests (feeds, tip and appeal forms, status
lookups, the public API) are limited per address and answered 429 with Retry-After, while
signed-in reviewers and other addresses go on being served."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.world import World
from vigil.web.ratelimit import AddressLimiter

PUBLIC_GETS = ["/feeds/blacklist.atom", "/tip", "/appeal", "/appeal/status", "/api/pow", "/queue"]


def _flood(client: TestClient, path: str, n: int) -> Counter[int]:
    return Counter(client.get(path, follow_redirects=False).status_code for _ in range(n))


def test_a_flood_from_one_address_is_shed_with_429(
    new_client: Callable[[], TestClient], world: World
) -> None:
    for path in PUBLIC_GETS:
        attacker = new_client()
        attacker.app.state.public_limiter.reset()
        seen = _flood(attacker, path, 40)
        assert seen[429] >= 20, (path, seen)
        assert seen[500] == 0
        r = attacker.get(path)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.headers["content-type"].startswith(("text/html", "application/json"))


def test_reviewers_are_not_limited_by_an_anonymous_flood(
    new_client: Callable[[], TestClient],
    signed_in: Callable[[str], TestClient],
    world: World,
) -> None:
    ann = signed_in("ann")
    attacker = new_client()
    attacker.app.state.public_limiter.reset()
    assert _flood(attacker, "/feeds/blacklist.atom", 40)[429] > 0
    # The same address (the test client's) as the flood: signed in, so not limited.
    for _ in range(25):
        assert ann.get("/queue").status_code == 200


def test_the_limiter_is_per_address_and_refills() -> None:
    now = [0.0]
    limiter = AddressLimiter(per_minute=60, burst=10, clock=lambda: now[0])
    assert all(limiter.allow("198.51.100.1") == 0 for _ in range(10))
    wait = limiter.allow("198.51.100.1")
    assert wait >= 1
    assert limiter.allow("198.51.100.2") == 0  # another address has its own bucket
    now[0] += 1.0  # one token per second at 60 a minute
    assert limiter.allow("198.51.100.1") == 0
    assert limiter.allow("198.51.100.1") >= 1
    # A flood of spoofed-looking addresses cannot grow the table without bound.
    for i in range(limiter.max_addresses + 500):
        limiter.allow(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(limiter) <= limiter.max_addresses
