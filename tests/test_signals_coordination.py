"""Coordination signal: co-retweet and co-link within a window, over distinct items."""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np

from tests.support.signal_store import T0, Builder, minutes
from vigil.config import Settings
from vigil.signals import ScanContext, SignalResult
from vigil.signals.coordination import CoordinationSignal, co_actions, normalise_url, pair_weights
from vigil.store import Database


def _brute(item: np.ndarray, t: np.ndarray, acc: np.ndarray, window: float) -> set[tuple[int, ...]]:
    found = set()
    for i, j in itertools.combinations(range(len(item)), 2):
        if item[i] == item[j] and abs(t[i] - t[j]) <= window and acc[i] != acc[j]:
            found.add((min(acc[i], acc[j]), max(acc[i], acc[j]), item[i]))
    return found


def test_sweep_finds_exactly_the_pairs_all_pairs_would() -> None:
    rng = np.random.default_rng(3)
    n = 600
    item = rng.integers(0, 25, n)
    t = rng.uniform(0, 3600, n)
    acc = rng.integers(0, 40, n)
    for window in (0.0, 30.0, 300.0):
        rows = co_actions(item, t, acc, window)
        assert {tuple(r) for r in rows.tolist()} == _brute(item, t, acc, window)
    assert co_actions(item[:0], t[:0], acc[:0], 60).shape == (0, 3)
    pairs = pair_weights(np.array([[1, 2, 7], [1, 2, 8], [1, 3, 7]]))
    assert list(zip(pairs.a, pairs.b, pairs.items, strict=True)) == [(1, 2, 2), (1, 3, 1)]


def test_normalise_url() -> None:
    assert normalise_url("HTTPS://Example.ORG/a/b/).") == "https://example.org/a/b"
    assert normalise_url("https://example.org/x?id=1#top") == "https://example.org/x?id=1"


def _store(db: Database) -> dict[str, int]:
    """a, b, c retweet the same two posts within 40 s and post the same link; d retweets
    both ten minutes later; e shares only one of them in the window; f, confirmed, joins
    a and b on a third post and the link."""
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("src", "a", "b", "c", "d", "e", "f")
        posts = [b.post("src", T0 + timedelta(hours=h)) for h in range(3)]
        for k, post in enumerate(posts[:2]):
            at = T0 + timedelta(hours=k, minutes=5)
            for name, delay in (("a", 0), ("b", 20), ("c", 40), ("d", 600)):
                b.retweet(name, post, at + timedelta(seconds=delay))
        b.retweet("e", posts[0], T0 + minutes(5.5))
        at = T0 + timedelta(hours=2, minutes=1)
        for name, delay in (("a", 0), ("b", 10), ("f", 30)):
            b.retweet(name, posts[2], at + timedelta(seconds=delay))
        for name, delay, url in (
            ("a", 0, "https://Files.example/x1/"),
            ("b", 25, "https://files.example/x1."),
            ("f", 50, "https://files.example/x1"),
        ):
            b.post(name, T0 + timedelta(hours=5, seconds=delay), text=f"new release {url}")
        return dict(b.ids)


def _run(db: Database, settings: Settings, **kw: object) -> dict[int, SignalResult]:
    with db.session() as s:
        ctx = ScanContext(session=s, settings=settings, now=T0, **kw)  # type: ignore[arg-type]
        return {r.account_id: r for r in CoordinationSignal().compute(ctx)}


def test_co_retweet_and_co_link_within_window(db: Database, settings: Settings) -> None:
    ids = _store(db)
    results = _run(db, settings, confirmed=frozenset({ids["f"]}))
    assert set(results) == {ids[n] for n in ("a", "b", "c", "f")}
    a, c = results[ids["a"]], results[ids["c"]]
    assert set(a.evidence["partners"]) == {ids["b"], ids["c"], ids["f"]}
    assert a.evidence["confirmed_partners"] == [ids["f"]]
    assert a.evidence["partners"][0] == ids["f"]  # confirmed partners come first
    assert len(a.evidence["shared_retweets"]) == 3
    assert a.evidence["shared_links"] == ["https://files.example/x1"]
    assert set(c.evidence["partners"]) == {ids["a"], ids["b"]}
    assert c.evidence["shared_links"] == []
    # a has a confirmed partner and one more: 3 + 3 - 1 = 5 partner points, value 0.5.
    assert a.value == 0.5
    assert c.value < a.value
    assert "within 60 s of 3 other accounts" in a.explanation
    assert "(1 of them confirmed)" in a.explanation


def test_window_and_minimum_items_are_options(db: Database, settings: Settings) -> None:
    ids = _store(db)
    wide = _run(db, settings, options={"coordination_window_s": 900})
    assert ids["d"] in wide
    assert ids["c"] in wide[ids["d"]].evidence["partners"]
    assert ids["e"] not in wide
    one = _run(db, settings, options={"coordination_min_items": 1})
    assert ids["e"] in one
    assert ids["d"] not in one
    narrow = _run(db, settings, options={"coordination_window_s": 20})
    assert set(narrow) == {ids["a"], ids["b"], ids["c"]}
    assert narrow[ids["c"]].evidence["partners"] == [ids["b"]]
    only = _run(db, settings, accounts=[ids["c"], ids["d"]])
    assert set(only) == {ids["c"]}
