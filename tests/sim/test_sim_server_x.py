"""The sim server's X API v2 over a live loopback uvicorn: lookups, errors, paging, 429 back-off."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.sim.conftest import (
    END,
    LATER_SUSPENDED,
    PROTECTED,
    SUSPENDED,
    TARGET,
    UNBORN,
    build_world,
)
from tests.support.data import X_API_DATA

from vigil.sim.world import World

AUTH = {"Authorization": "Bearer sim-token"}
REAL_DATA = X_API_DATA


@pytest.fixture
def x(sim_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim_url, headers=AUTH, timeout=10) as client:
        yield client


def _live_followers(world: World, target: str, now_offset: timedelta = timedelta()) -> set[str]:
    now = END + now_offset
    accounts = world.account_index()
    out = set()
    for f in world.follows:
        acc = accounts[f.src]
        if f.dst != target or f.created_at > now or acc.created_at > now:
            continue
        if acc.suspended_at is None or acc.suspended_at > now:
            out.add(f.src)
    return out


def test_requests_need_the_bearer_token(sim_url: str) -> None:
    r = httpx.get(f"{sim_url}/2/users", params={"ids": TARGET})
    assert r.status_code == 401
    assert r.json()["title"] == "Unauthorized"
    wrong = httpx.get(
        f"{sim_url}/2/users", params={"ids": TARGET}, headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 401


def test_users_lookup_returns_real_error_objects(x: httpx.Client) -> None:
    ids = [TARGET, SUSPENDED[0], UNBORN, "42", TARGET]
    r = x.get("/2/users", params={"ids": ",".join(ids), "user.fields": "created_at,public_metrics"})
    assert r.status_code == 200
    body = r.json()
    assert [u["id"] for u in body["data"]] == [TARGET, TARGET], (
        "duplicates answered twice, as X does"
    )
    assert set(body["data"][0]) == {"id", "name", "username", "created_at", "public_metrics"}
    by_value = {e["value"]: e for e in body["errors"]}
    assert by_value[SUSPENDED[0]]["detail"] == f"User has been suspended: [{SUSPENDED[0]}]."
    assert by_value[UNBORN]["title"] == "Not Found Error", "not created yet at the sim clock"
    assert by_value["42"]["detail"] == "Could not find user with ids: [42]."
    if REAL_DATA.is_dir():
        real = next(
            e
            for line in (REAL_DATA / "entities_test.jsonl").read_text().splitlines()
            for e in json.loads(line).get("errors", [])
            if "suspended" in e["detail"]
        )
        mine = by_value[SUSPENDED[0]]
        assert set(mine) == set(real)
        assert {k: mine[k] for k in ("title", "type", "resource_type")} == {
            k: real[k] for k in ("title", "type", "resource_type")
        }


def test_users_lookup_validates_like_x(x: httpx.Client) -> None:
    too_many = x.get("/2/users", params={"ids": ",".join(str(i) for i in range(1, 102))})
    assert too_many.status_code == 400
    assert "[101] is not between 1 and 100" in too_many.json()["errors"][0]["message"]
    assert x.get("/2/users", params={"ids": "abc"}).status_code == 400
    only_default = x.get("/2/users", params={"ids": TARGET}).json()["data"][0]
    assert set(only_default) == {"id", "name", "username"}


def test_usernames_lookup_is_case_insensitive_and_echoes_the_value(x: httpx.Client) -> None:
    r = x.get("/2/users/by", params={"usernames": "USER00,user_03"}).json()
    assert r["data"][0]["id"] == TARGET
    assert r["errors"][0]["detail"] == "User has been suspended: [user_03]."
    assert r["errors"][0]["parameter"] == "usernames"


def test_followers_paging_backs_off_on_429_to_the_exact_set(
    sim_server_factory: Callable[..., Any],
) -> None:
    world = build_world()
    server = sim_server_factory(world, x_rate_limits={"followers": 2})
    seen: list[str] = []
    backoffs = 0
    token: str | None = None
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
        while True:
            params: dict[str, Any] = {"max_results": 5}
            if token:
                params["pagination_token"] = token
            r = client.get(f"/2/users/{TARGET}/followers", params=params)
            if r.status_code == 429:
                assert r.json() == {
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                }
                assert r.headers["x-rate-limit-remaining"] == "0"
                wait = int(r.headers["x-rate-limit-reset"]) - float(r.headers["x-sim-now"])
                assert 0 < wait <= 900
                client.post("/_sim/clock", json={"advance_seconds": wait + 1}).raise_for_status()
                backoffs += 1
                continue
            assert r.status_code == 200
            assert int(r.headers["x-rate-limit-limit"]) == 2
            body = r.json()
            seen += [u["id"] for u in body.get("data", [])]
            token = body["meta"].get("next_token")
            if not token:
                break
        clock = client.get("/_sim/clock").json()
    assert backoffs >= 2
    assert len(seen) == len(set(seen))
    assert set(seen) == _live_followers(
        world, TARGET, timedelta(seconds=clock["epoch"] - END.timestamp())
    )
    assert not set(SUSPENDED) & set(seen), "suspended followers are left out"


def test_clock_speed_lets_a_sleeping_client_reach_the_reset(
    sim_server_factory: Callable[..., Any],
) -> None:
    server = sim_server_factory(clock_speed=1800.0, x_rate_limits={"following": 1})
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
        assert client.get(f"/2/users/{TARGET}/following").status_code == 200
        r = client.get(f"/2/users/{TARGET}/following")
        assert r.status_code == 429
        speed = client.get("/_sim/clock").json()["speed"]
        wait = int(r.headers["x-rate-limit-reset"]) - float(r.headers["x-sim-now"])
        time.sleep(wait / speed + 0.05)
        assert client.get(f"/2/users/{TARGET}/following").status_code == 200


def test_timeline_pages_newest_first_as_of_the_clock(x: httpx.Client, small_world: World) -> None:
    def collect() -> list[str]:
        ids: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {"max_results": 5, "tweet.fields": "created_at"}
            if token:
                params["pagination_token"] = token
            body = x.get(f"/2/users/{TARGET}/tweets", params=params).json()
            ids += [t["id"] for t in body.get("data", [])]
            token = body["meta"].get("next_token")
            if not token:
                return ids

    mine = sorted(
        (p for p in small_world.posts if p.author_id == TARGET), key=lambda p: p.created_at
    )
    assert collect() == [p.id for p in reversed(mine) if p.created_at <= END]
    x.post("/_sim/clock", json={"advance_seconds": 4 * 86400}).raise_for_status()
    assert collect() == [p.id for p in reversed(mine)], "the post after END appears later"


def test_timeline_edits_expansions_and_errors(x: httpx.Client) -> None:
    params = {
        "max_results": 10,
        "expansions": "referenced_tweets.id,author_id,attachments.media_keys",
        "media.fields": "url,width,height",
    }
    body = x.get("/2/users/2000000004/tweets", params=params).json()
    edited = body["data"][0]
    assert edited["text"] == "Second draft of a note", "the edit after END is not visible yet"
    assert len(edited["edit_history_tweet_ids"]) == 2
    texts = [t["text"] for t in body["data"]]
    assert "RT of a later suspended account" not in texts, "the retweet went with the original"
    assert "Quoting a later suspended account" in texts, "the quote stays"
    missing = [e for e in body["errors"] if e["parameter"] == "referenced_tweets.id"]
    assert len(missing) == 1
    assert missing[0]["title"] == "Not Found Error", "a suspended author's tweet cannot be included"
    assert body["includes"]["users"][0]["id"] == "2000000004"
    photos = x.get("/2/users/2000000002/tweets", params=params).json()["includes"]["media"]
    assert photos[0]["media_key"] == "3_900000000000000002"
    image = x.get(photos[0]["url"])
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    x.post("/_sim/clock", json={"advance_seconds": 3 * 86400}).raise_for_status()
    later = x.get("/2/users/2000000004/tweets", params=params).json()["data"][0]
    assert later["text"] == "Third draft, after the end"


def test_unavailable_timelines_answer_with_errors(x: httpx.Client) -> None:
    suspended = x.get(f"/2/users/{SUSPENDED[0]}/tweets").json()
    assert suspended["errors"][0]["detail"] == f"User has been suspended: [{SUSPENDED[0]}]."
    protected = x.get(f"/2/users/{PROTECTED}/tweets").json()
    assert protected["errors"][0]["title"] == "Authorization Error"
    assert x.get(f"/2/users/{TARGET}/tweets", params={"max_results": 3}).status_code == 400
    bad = x.get(f"/2/users/{TARGET}/tweets", params={"pagination_token": "zzzz"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        (f"/2/users/{TARGET}/followers", {"max_results": 1001}, "max_results"),
        (f"/2/users/{TARGET}/following", {"max_results": 0}, "max_results"),
        ("/2/users/12ab/followers", {}, "id"),
        ("/2/users/12ab/tweets", {}, "id"),
    ],
)
def test_invalid_id_or_page_size_is_a_400_naming_it(
    x: httpx.Client, path: str, params: dict[str, Any], parameter: str
) -> None:
    answer = x.get(path, params=params)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["parameters"] == {
        parameter: [str(params.get(parameter, "12ab"))]
    }


def test_clock_moves_accounts_into_existence_and_suspension(x: httpx.Client) -> None:
    def errors(uid: str) -> list[dict[str, Any]]:
        return list(x.get("/2/users", params={"ids": uid}).json().get("errors", []))

    assert errors(UNBORN)
    assert not errors(LATER_SUSPENDED)
    x.post("/_sim/clock", json={"advance_seconds": 11 * 86400}).raise_for_status()
    assert not errors(UNBORN)
    assert errors(LATER_SUSPENDED)[0]["title"] == "Forbidden"
    x.post("/_sim/clock", json={"now": "2015-01-02T00:00:00Z"}).raise_for_status()
    assert not errors(SUSPENDED[0]), "before its suspension the account is live"
    assert x.post("/_sim/clock", json={"bogus": 1}).status_code == 400
