"""Behaviour signal: rate, burstiness, age at first post, retweet share (the generated world
is checked with the network signal, to import it once)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from tests.support.signal_store import T0, Builder, minutes
from vigil.config import Settings
from vigil.signals import ScanContext, SignalResult
from vigil.signals.behaviour import BehaviourSignal, activity, burstiness
from vigil.store import Database


def test_burstiness_of_known_gap_patterns() -> None:
    assert burstiness(np.full(50, 60.0)) == pytest.approx(-1.0)
    poisson = np.random.default_rng(1).exponential(60.0, 20_000)
    assert burstiness(poisson) == pytest.approx(0.0, abs=0.03)
    bursts = np.array([1.0] * 99 + [100_000.0] * 3)
    assert burstiness(bursts) > 0.7
    assert np.isnan(burstiness(np.array([5.0])))


def test_activity_on_arrays_matches_per_account_burstiness() -> None:
    rng = np.random.default_rng(2)
    account = np.repeat(np.array([7, 3, 5]), [40, 30, 2])
    t = np.concatenate(
        [np.cumsum(rng.exponential(600, 40)), np.arange(30) * 120.0, np.array([0.0, 50.0])]
    )
    shuffled = rng.permutation(len(t))
    a = activity(account[shuffled], t[shuffled], np.zeros(len(t), dtype=bool), {})
    assert a.ids.tolist() == [3, 5, 7]
    assert a.burstiness[0] == pytest.approx(-1.0)
    assert np.isnan(a.burstiness[1])
    assert a.burstiness[2] == pytest.approx(burstiness(np.diff(np.sort(t[:40]))))
    assert a.rate[1] == 2.0  # two posts within a day: the window counts as one day


def _store(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("quiet", created=T0 - timedelta(days=900))
        b.accounts("hyper", created=T0 - timedelta(days=1))
        b.accounts("nodate")
        b.accounts("silent", created=T0)
        for day in range(10):  # one post every other day
            if day % 2 == 0:
                b.post("quiet", T0 + timedelta(days=day, hours=9))
        first = b.post("nodate", T0)
        for k in range(90):  # 90 posts in three bursts of a minute apart, two-thirds retweets
            at = T0 + timedelta(days=k // 30) + minutes(k % 30)
            if k % 3:
                b.retweet("hyper", first, at)
            else:
                b.post("hyper", at)
        return dict(b.ids)


def _run(db: Database, settings: Settings, **kw: object) -> dict[int, SignalResult]:
    with db.session() as s:
        ctx = ScanContext(session=s, settings=settings, now=T0, **kw)  # type: ignore[arg-type]
        return {r.account_id: r for r in BehaviourSignal().compute(ctx)}


def test_hyperactive_young_retweeter_scores_above_quiet_old_account(
    db: Database, settings: Settings
) -> None:
    ids = _store(db)
    results = _run(db, settings)
    assert ids["silent"] not in results
    quiet, hyper = results[ids["quiet"]], results[ids["hyper"]]
    assert quiet.evidence["post_count"] == 5
    assert quiet.evidence["posts_per_day"] == pytest.approx(5 / 8)
    assert quiet.evidence["burstiness"] == pytest.approx(-1.0)
    assert quiet.evidence["age_days_at_first_post"] == pytest.approx(900.375)
    assert hyper.evidence["retweet_share"] == pytest.approx(60 / 90, abs=1e-4)
    assert hyper.evidence["posts_per_day"] == pytest.approx(90 / (2 + 29 / 1440), rel=1e-4)
    assert hyper.evidence["burstiness"] > 0.5
    assert hyper.evidence["age_days_at_first_post"] == pytest.approx(1.0)
    assert hyper.value > 0.6 > 0.2 > quiet.value
    assert "90 posts" in hyper.explanation
    assert "67% retweets" in hyper.explanation
    assert results[ids["nodate"]].evidence["age_days_at_first_post"] is None
    only = _run(db, settings, accounts=[ids["quiet"]])
    assert set(only) == {ids["quiet"]}
    reweighted = _run(db, settings, options={"behaviour_weights": {"rate": 0, "burstiness": 0}})
    assert reweighted[ids["quiet"]].value < quiet.value
