"""Population statistics of a generated world against the published figures they follow.

The world has more supporters than the default neighbourhood (a fifth of 3,000 accounts)
so per-supporter statistics are measured on enough accounts; the targets do not depend on
the role shares.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from vigil.sim.calibration import BERGER_MORGAN_2015, CONWAY_2017, TARGETS, measure
from vigil.sim.generate import WorldParams, generate_world
from vigil.sim.world import Role, SimAccount, World

SHARES = {
    "ordinary": 0.7,
    "supporter": 0.2,
    "journalist": 0.02,
    "news_outlet": 0.005,
    "researcher": 0.01,
    "parody": 0.005,
    "counter_speech": 0.02,
    "bot": 0.04,
}
PARAMS = WorldParams(accounts=3000, seed=5, role_shares=SHARES)


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(PARAMS)


@pytest.fixture(scope="module")
def stats(world: World) -> dict[str, float]:
    return measure(world)


def _target(name: str) -> float:
    return float(TARGETS[name]["value"])


def test_targets_cite_their_sources(world: World) -> None:
    for name, target in TARGETS.items():
        assert target["source"] in (BERGER_MORGAN_2015, CONWAY_2017), name
        assert target["note"]
    assert world.params["calibration"] == TARGETS


def test_followers(stats: dict[str, float]) -> None:
    assert stats["supporter_followers_mean"] == pytest.approx(
        _target("supporter_followers_mean"), rel=0.02
    )
    assert stats["ordinary_followers_mean"] == pytest.approx(
        _target("ordinary_followers_mean"), rel=0.02
    )


def test_followers_heavy_tailed(world: World) -> None:
    counts = sorted(a.followers_count for a in world.accounts if a.role is Role.SUPPORTER)
    median = counts[len(counts) // 2]
    assert median < 0.6 * _target("supporter_followers_mean")  # a few hubs carry the mean
    assert counts[-1] > 5 * _target("supporter_followers_mean")


def test_supporter_languages(stats: dict[str, float]) -> None:
    simulated = sum(_target(f"supporter_lang_{lg}") for lg in ("ar", "en", "fr"))
    for lang in ("ar", "en", "fr"):
        # The census's 3% of other languages are spread over the three simulated ones.
        expected = _target(f"supporter_lang_{lang}") / simulated
        assert stats[f"supporter_lang_{lang}"] == pytest.approx(expected, abs=0.02), lang


def test_posting_rates(stats: dict[str, object]) -> None:
    rates = stats["posts_per_day"]
    assert isinstance(rates, dict)
    assert rates["supporter"] == pytest.approx(_target("supporter_posts_per_day"), rel=0.12)
    assert rates["ordinary"] < 0.1 * rates["supporter"]


def test_hyperactive_core(world: World, stats: dict[str, float]) -> None:
    assert stats["hyperactive_share"] == pytest.approx(_target("hyperactive_share"), abs=0.015)
    hyper = [a.posts_per_day for a in world.accounts if a.hyperactive]
    rest = [
        a.posts_per_day for a in world.accounts if a.role is Role.SUPPORTER and not a.hyperactive
    ]
    assert min(hyper) > 3 * (sum(rest) / len(rest))


def test_fast_suspension_of_new_supporters(stats: dict[str, float]) -> None:
    assert stats["new_supporters"] >= 150
    assert stats["fast_suspension_share"] > _target("fast_suspension_share")
    # Slow for the rest: not everyone goes, even within three months.
    assert 0.5 < stats["suspended_within_90_days"] < 0.95


def test_waves(stats: dict[str, float]) -> None:
    assert stats["burst_day_mean"] > 2.5 * stats["quiet_day_mean"]


def test_reports_raise_the_hazard(world: World) -> None:
    old = [a for a in world.accounts if a.role is Role.SUPPORTER and a.created_at < world.start]
    reported = [a for a in old if a.reported_at]
    unreported = [a for a in old if not a.reported_at]

    def gone(group: list[SimAccount]) -> float:
        return sum(1 for a in group if a.suspended_at and a.suspended_at <= world.end) / len(group)

    assert reported
    assert unreported
    assert gone(reported) > gone(unreported)


def test_resurgence(world: World, stats: dict[str, float]) -> None:
    index = world.account_index()
    returned = [a for a in world.accounts if a.returned_from]
    assert stats["returns"] == len(returned) > 20
    for a in returned:
        old = index[a.returned_from or ""]
        assert old.returns_as == a.id
        assert old.identity == a.identity
        assert old.lang == a.lang
        assert old.suspended_at is not None
        delay = a.created_at - old.suspended_at
        assert timedelta(0) < delay <= timedelta(days=PARAMS.resurgence_max_days)
        stem = old.handle.rstrip("0123456789_")[:3].lower()
        assert a.handle.lower().startswith(stem) or len(set(a.handle) ^ set(old.handle)) <= 4
    assert any(index[a.returned_from or ""].returned_from for a in returned)  # chains


def test_returning_accounts_refollow_their_circle(world: World) -> None:
    following: dict[str, set[str]] = {}
    for f in world.follows:
        following.setdefault(f.src, set()).add(f.dst)
    overlaps = []
    settled = timedelta(days=2)  # long enough up, inside the window, to have re-followed
    for a in world.accounts:
        lived = (a.suspended_at or world.end) - a.created_at
        if (
            a.returned_from
            and following.get(a.returned_from)
            and lived > settled
            and (a.created_at < world.end - settled)
        ):
            old, new = following[a.returned_from], following.get(a.id, set())
            overlaps.append(len(old & new) / len(old))
    assert overlaps
    # Re-follows of accounts suspended meanwhile are lost, so a little under the share.
    assert 0.4 < sum(overlaps) / len(overlaps) <= PARAMS.refollow_share + 0.05


def test_obfuscated_share(stats: dict[str, float]) -> None:
    assert stats["obfuscated_share"] == pytest.approx(PARAMS.obfuscated_share, abs=0.08)
