"""Network signal: graph loading, personalised PageRank proximity and in-group ratio."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest
import sqlalchemy as sa

from tests.support.signal_store import (
    T0,
    Builder,
    generated_world,
    import_world,
    minutes,
    roles_by_store_id,
)
from vigil.config import Settings
from vigil.errors import ConfigError
from vigil.model import Signal
from vigil.signals import ScanContext, SignalResult, write_signals
from vigil.signals.behaviour import BehaviourSignal
from vigil.signals.coordination import CoordinationSignal
from vigil.signals.graph_load import FOLLOW, MENTION, RETWEET, build_graph, load_graph
from vigil.signals.network import NetworkSignal, network_scores
from vigil.store import Database


def _star(db: Database) -> dict[str, int]:
    """A confirmed hub followed by five spokes (it follows two back), a journalist who
    follows every spoke unanswered, an outsider pair that never touches the hub, and a
    spoke that retweets and mentions the hub without following it."""
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("hub", "s1", "s2", "s3", "s4", "s5", "rt", "journo", "out1", "out2")
        for spoke in ("s1", "s2", "s3", "s4", "s5"):
            b.follow(spoke, "hub")
        b.follow("s1", "out1")
        b.follow("hub", "s1", "s2")
        b.follow("journo", "s1", "s2", "s3", "s4", "s5")
        b.follow("out1", "out2")
        b.follow("out2", "out1")
        hub_post = b.post("hub", T0)
        b.retweet("rt", hub_post, T0 + minutes(5))
        b.mention("rt", "hub", T0 + minutes(6))
        b.mention("hub", "rt", T0 + minutes(7))
        return dict(b.ids)


def _run(
    db: Database, settings: Settings, confirmed: set[int], **kw: object
) -> dict[int, SignalResult]:
    with db.session() as s:
        ctx = ScanContext(
            session=s, settings=settings, now=T0, confirmed=frozenset(confirmed), **kw
        )  # type: ignore[arg-type]
        return {r.account_id: r for r in NetworkSignal().compute(ctx)}


def test_graph_load_reads_every_edge_kind(db: Database) -> None:
    ids = _star(db)
    with db.session() as s:
        graph = load_graph(s)
    assert graph.n == len(ids)
    by_kind = {k: int((graph.kind == k).sum()) for k in (FOLLOW, RETWEET, MENTION)}
    assert by_kind == {FOLLOW: 15, RETWEET: 1, MENTION: 2}
    hub, rt = graph.index_of([ids["hub"]])[0], graph.index_of([ids["rt"]])[0]
    retweet = graph.kind == RETWEET
    assert (graph.src[retweet][0], graph.dst[retweet][0]) == (rt, hub)
    assert graph.index_of([ids["hub"], 10**12]).tolist() == [hub]


def test_star_around_confirmed_hub(db: Database, settings: Settings) -> None:
    ids = _star(db)
    results = _run(db, settings, {ids["hub"]})
    assert set(results) == set(ids.values())
    v = {name: results[i].value for name, i in ids.items()}
    # Spokes the hub follows back rank above the others; every spoke above the outsiders.
    pr = {name: results[i].evidence["pagerank"] for name, i in ids.items()}
    assert pr["s1"] > pr["s3"]
    assert pr["s2"] > pr["s3"]
    assert v["s2"] > v["s3"]
    assert min(v[f"s{k}"] for k in range(1, 6)) > max(v["out1"], v["out2"], v["journo"])
    # The journalist follows five spokes but nothing the hub reaches leads to it.
    assert results[ids["journo"]].evidence["pagerank"] == 0.0
    assert "not reachable" in results[ids["journo"]].explanation
    s3 = results[ids["s3"]]
    assert s3.evidence["ingroup_followees"] == 1
    assert s3.evidence["ingroup_ratio"] == 1.0
    assert s3.evidence["confirmed_neighbours"] == [ids["hub"]]
    assert s3.explanation.startswith("follows 1 confirmed accounts (100% of its 1 followees)")
    assert results[ids["s1"]].evidence["ingroup_ratio"] == 0.5
    hub = results[ids["hub"]]
    assert hub.evidence["confirmed"] is True
    assert hub.explanation.startswith("confirmed account")
    assert hub.evidence["percentile"] == max(r.evidence["percentile"] for r in results.values())
    # Retweets and mentions count as proximity: "rt" follows no one yet is reached.
    assert results[ids["rt"]].evidence["pagerank"] > 0
    assert results[ids["rt"]].evidence["confirmed_neighbours"] == [ids["hub"]]
    assert results[ids["out1"]].evidence["confirmed_neighbours"] == []


def test_options_weights_limit_and_no_confirmed(db: Database, settings: Settings) -> None:
    ids = _star(db)
    only_follows = {"network_weights": {"retweet": 0.0, "mention": 0.0}}
    results = _run(db, settings, {ids["hub"]}, options=only_follows)
    assert results[ids["rt"]].evidence["pagerank"] == 0.0
    some = _run(db, settings, {ids["hub"]}, accounts=[ids["s1"], ids["out1"]])
    assert set(some) == {ids["s1"], ids["out1"]}
    assert _run(db, settings, set()) == {}
    with pytest.raises(ConfigError, match="unknown edge kinds: likes"):
        _run(db, settings, {ids["hub"]}, options={"network_weights": {"likes": 1.0}})
    suspected = _run(db, settings, {ids["hub"]}, options={"network_suspected": [ids["out1"]]})
    assert suspected[ids["s1"]].evidence["ingroup_ratio"] == 1.0


def test_results_are_stored(db: Database, settings: Settings) -> None:
    ids = _star(db)
    with db.transaction() as s:
        ctx = ScanContext(session=s, settings=settings, now=T0, confirmed=frozenset({ids["hub"]}))
        assert write_signals(
            s, NetworkSignal, NetworkSignal().compute(ctx), scanned=None, now=T0
        ) == len(ids)
    with db.session() as s:
        stored = s.scalars(sa.select(Signal).where(Signal.account_id == ids["s3"])).one()
    assert stored.name == "network"
    assert stored.evidence["confirmed_neighbours"] == [ids["hub"]]


def test_scores_on_arrays_match_hand_computed_ratio() -> None:
    ids = np.arange(100, 106, dtype=np.int64)
    follows = np.array([[101, 100], [101, 102], [101, 103], [101, 104], [105, 104]])
    graph = build_graph(ids, [(FOLLOW, follows)])
    scores = network_scores(graph, graph.index_of([100, 104]))
    assert scores.followees.tolist() == [0, 4, 0, 0, 0, 1]
    assert scores.ingroup_followees.tolist() == [0, 2, 0, 0, 0, 1]
    assert scores.pagerank.sum() == pytest.approx(1.0)
    # Mass only sits on the seeds: nobody is followed by them.
    assert set(np.flatnonzero(scores.pagerank > 0).tolist()) == {0, 4}


def _by_role(results: dict[int, SignalResult], roles: dict[int, str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for account_id, r in results.items():
        out.setdefault(roles[account_id], []).append(r.value)
    return out


def test_generated_world_separates_supporters(
    db: Database, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Network (and, to import the world once, behaviour and coordination) on 800 accounts."""
    world = generated_world(tmp_path_factory.getbasetemp())
    confirmed = import_world(db, settings, world)
    assert confirmed
    roles = roles_by_store_id(db, json.loads((world / "truth.json").read_text()))
    results = _run(db, settings, set(confirmed))
    network = _by_role({k: v for k, v in results.items() if k not in confirmed}, roles)
    means = {k: round(statistics.fmean(v), 3) for k, v in sorted(network.items())}
    print(f"\nnetwork value by role (mean, {len(confirmed)} confirmed): {means}")
    supporters, ordinary = network["supporter"], network["ordinary"]
    assert statistics.fmean(supporters) > statistics.fmean(ordinary) + 0.25
    assert statistics.median(supporters) > np.quantile(ordinary, 0.9)
    with db.session() as s:
        ctx = ScanContext(
            session=s,
            settings=settings,
            now=T0,
            confirmed=confirmed,
            options={"coordination_window_s": 600, "coordination_min_items": 1},
        )
        activity = _by_role({r.account_id: r for r in BehaviourSignal().compute(ctx)}, roles)
        coordinated = _by_role({r.account_id: r for r in CoordinationSignal().compute(ctx)}, roles)
    means = {k: round(statistics.fmean(v), 3) for k, v in sorted(activity.items())}
    print(f"behaviour value by role (mean): {means}")
    assert statistics.fmean(activity["supporter"]) > statistics.fmean(activity["ordinary"]) + 0.1
    counts = {k: len(v) for k, v in sorted(coordinated.items())}
    print(f"coordinated accounts by role (10 min window, 1 shared item): {counts}")
    assert all(0 < v < 1 for values in coordinated.values() for v in values)
