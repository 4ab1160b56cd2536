"""The pieces under `vigil collect`: connector registry, seeds, checkpoints, server clocks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from vigil import plugins
from vigil.errors import ConfigError, InputError, RateLimitedError
from vigil.platforms import registry
from vigil.platforms.base import Capability, Connection, Page, Platform, UserLookup, capabilities
from vigil.platforms.checkpoint import Checkpoint, Cursor
from vigil.platforms.clock import ObservedClock, SimClockDriver
from vigil.platforms.records import PlatformSpec
from vigil.platforms.seeds import Seed, read_seeds


class LookupOnly(Platform, UserLookup):
    name = "lookup-only"

    @classmethod
    def connect(cls, connection: Connection) -> LookupOnly:
        return cls()

    @property
    def spec(self) -> PlatformSpec:
        return PlatformSpec("lookup-only", "test")

    def lookup_ids(self, ids: Sequence[str]) -> Page:
        return Page(accounts=list(ids))

    def lookup_handles(self, handles: Sequence[str]) -> Page:
        return Page()


def test_built_in_connectors_are_registered_like_any_other() -> None:
    assert {"x", "mastodon", "bluesky"} <= set(registry.names())
    x = registry.connector("x")
    assert x.name == "x"
    assert x.token_env == "VIGIL_X_BEARER_TOKEN"
    platform = registry.connect("x", Connection(base_url="http://127.0.0.1:9", token="t"))
    assert capabilities(platform) == {
        Capability.LOOKUP,
        Capability.TIMELINES,
        Capability.FOLLOW_GRAPH,
    }
    platform.close()


def test_third_party_connectors_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = SimpleNamespace(name="lookup-only", value=f"{__name__}:LookupOnly")
    monkeypatch.setattr(plugins, "entry_points", lambda group: [fake])
    monkeypatch.setattr(registry._REGISTRY, "_entry_points_read", False)
    monkeypatch.setattr(registry._REGISTRY, "_targets", dict(registry._REGISTRY._targets))
    monkeypatch.setattr(registry._REGISTRY, "_loaded", dict(registry._REGISTRY._loaded))
    assert "lookup-only" in registry.names()
    platform = registry.connect("lookup-only", Connection())
    assert capabilities(platform) == {Capability.LOOKUP}


def test_a_target_that_is_not_a_connector_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry._REGISTRY, "_targets", dict(registry._REGISTRY._targets))
    registry.register("broken", "vigil.platforms.seeds:read_seeds")
    registry.register("absent", "vigil.platforms.nowhere:Thing")
    with pytest.raises(ConfigError, match="is not a Platform"):
        registry.connector("broken")
    with pytest.raises(ConfigError, match="cannot be loaded"):
        registry.connector("absent")
    with pytest.raises(ValueError, match="module:Class"):
        registry.register("bad", "no-colon")


def test_a_connection_never_shows_its_token() -> None:
    text = repr(Connection(base_url="https://x.test", token="s3cret", login="me"))
    assert "s3cret" not in text
    assert "me" in text


def test_seeds_prefer_ids_skip_other_platforms_and_repeats(tmp_path: Path) -> None:
    path = tmp_path / "seeds.csv"
    path.write_text(
        "\ufeffplatform,account_id,username,criterion\n"
        "x,1,one,prior_list\n"
        "x,,@Two,prior_list\n"
        "x,,two,prior_list\n"
        "mastodon,9,nine,prior_list\n"
        "x,1,again,prior_list\n",
        encoding="utf-8",
    )
    assert read_seeds(path, "x") == [Seed("1"), Seed(None, "Two")]
    assert read_seeds(path, "mastodon") == [Seed("9")]
    path.write_text("account_id,username\n,\n", encoding="utf-8")
    with pytest.raises(InputError, match=":2: neither account_id nor username"):
        read_seeds(path, "x")


def test_checkpoints_round_trip_and_replace_atomically(tmp_path: Path) -> None:
    path = tmp_path / "collect" / "x-abc.json"
    state = Checkpoint(key="x-abc", platform="x", queue=[("1", 0), ("2", 1)], enqueued=["1", "2"])
    state.current = Cursor(account="1", depth=0, step=1, cursor="tok", pages=3)
    state.counts = {"posts": 5}
    state.save(path)
    state.batches = 7
    state.save(path)
    loaded = Checkpoint.load(path)
    assert loaded == state
    assert [p.name for p in path.parent.iterdir()] == ["x-abc.json"], "no temporary files left"
    assert Checkpoint.load(tmp_path / "none.json") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "damaged checkpoint"), ('{"version": 99}', "version 99"), ("[]", "damaged")],
)
def test_damaged_checkpoints_say_how_to_start_over(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        Checkpoint.load(path)
    assert "--restart" in str(info.value)


class Ticks:
    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def test_observed_clock_learns_a_fast_sim_clock_and_scales_waits() -> None:
    ticks = Ticks()
    clock = ObservedClock(sleep=ticks.sleep, monotonic=ticks.monotonic, wall=lambda: 0.0)
    assert clock.rate() == 1.0, "no simulator seen: wall time"
    clock.observe(1000.0)
    assert clock.rate() is None
    clock.wait(600.0)
    assert ticks.slept == [1.0], "unknown rate: a short nap, then ask again"
    clock.observe(1000.0 + 1000.0)
    assert clock.rate() == pytest.approx(1000.0)
    clock.wait(600.0)
    assert ticks.slept[-1] == pytest.approx(0.6)
    assert clock.now() == pytest.approx(2000.0 + 600.0)


def test_observed_clock_refuses_to_wait_for_hours() -> None:
    ticks = Ticks()
    clock = ObservedClock(sleep=ticks.sleep, monotonic=ticks.monotonic, max_wait=60)
    with pytest.raises(RateLimitedError, match="longer than the 60 s allowed"):
        clock.wait(900)
    assert ticks.slept == []


def test_sim_clock_driver_sets_the_server_clock() -> None:
    bodies: list[object] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content) if request.content else None)
        return httpx.Response(200, json={"epoch": 1_800_000_000.0, "now": "2027-01-15T08:00:00Z"})

    driver = SimClockDriver("http://sim.test", transport=httpx.MockTransport(answer))
    try:
        driver.set(datetime(2026, 11, 28, 20, 0, tzinfo=UTC))
        driver.wait(60)
    finally:
        driver.close()
    assert bodies == [{"now": "2026-11-28T20:00:00+00:00"}, {"advance_seconds": 60}]
