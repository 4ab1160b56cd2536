"""The Spark engine in `local[2]` gives the local engine's signals on a simulated world:
the same accounts, values within float tolerance, the same evidence counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.signal_store import generated_world, import_world
from vigil.config import Settings
from vigil.model import AuditEvent, Signal
from vigil.review.seeds import import_list
from vigil.scoring.scan import run_scan
from vigil.store import Database

pytest.importorskip("pyspark", reason="the Spark engine needs pyspark")
pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17")

from vigil.batch.snapshot import export_snapshot  # noqa: E402
from vigil.batch.spark_scan import SPARK_SIGNALS, run_spark_scan  # noqa: E402

Rows = dict[str, dict[int, tuple[float, dict[str, object]]]]


def _signals(db: Database) -> Rows:
    out: Rows = {name: {} for name in SPARK_SIGNALS}
    with db.session() as s:
        for row in s.scalars(sa.select(Signal).where(Signal.name.in_(SPARK_SIGNALS))):
            out[row.name][row.account_id] = (row.value, row.evidence)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_spark_matches_the_local_engine(
    db: Database, settings: Settings, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    world = generated_world(tmp_path_factory.getbasetemp())
    import_world(db, settings, world)
    with db.transaction() as s:
        import_list(s, world / "seeds.csv", source="prior-list")
    # A wider window and one shared item, so the small world has coordinated pairs.
    options = {"coordination_window_s": 3600, "coordination_min_items": 1}
    run_scan(db, settings, signals=list(SPARK_SIGNALS), options=options)
    local = _signals(db)
    snap = tmp_path / "snap"
    export_snapshot(db, snap)
    summary = run_spark_scan(db, settings, master="local[2]", snapshot=snap, options=options)
    spark = _signals(db)
    print(f"\nspark local[2] seconds: {summary.seconds}")
    assert summary.signals == {name: len(local[name]) for name in SPARK_SIGNALS}
    for name in SPARK_SIGNALS:
        assert set(spark[name]) == set(local[name]), name
        assert local[name], f"the world should give {name} rows"
    for acc, (value, ev) in local["text"].items():
        assert spark["text"][acc][0] == pytest.approx(value, abs=1e-9)
        assert spark["text"][acc][1]["posts"] == ev["posts"]
    for acc, (value, ev) in local["behaviour"].items():
        assert spark["behaviour"][acc][0] == pytest.approx(value, abs=1e-6)
        assert spark["behaviour"][acc][1]["post_count"] == ev["post_count"]
    for acc, (value, ev) in local["coordination"].items():
        assert spark["coordination"][acc][0] == pytest.approx(value, abs=1e-9)
        got = spark["coordination"][acc][1]
        assert got["partner_count"] == ev["partner_count"]
        assert got["confirmed_partners"] == ev["confirmed_partners"]
    diffs = []
    for acc, (value, ev) in local["network"].items():
        got_value, got = spark["network"][acc]
        assert got["pagerank"] == pytest.approx(ev["pagerank"], rel=1e-5, abs=1e-8)
        assert got["ingroup_ratio"] == ev["ingroup_ratio"]
        assert got["confirmed_neighbours"] == ev["confirmed_neighbours"]
        diffs.append(abs(got_value - value))
    # Percentiles rank accounts whose PageRank differ by float noise only: allow a few
    # places of rank, never more.
    assert max(diffs) < 0.01, sorted(diffs)[-5:]
    with db.session() as s:
        actions = s.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "scan.run"))
        assert len(list(actions)) == 2


def test_partitioned_pagerank_matches_igraph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the broadcast size the edges are hash-partitioned and cached instead (the
    equivalence test above covers the broadcast path): igraph's personalised PageRank,
    dangling nodes included."""
    import igraph  # type: ignore[import-untyped]
    import numpy as np

    from vigil.batch import spark_network
    from vigil.batch.spark_session import spark_session

    monkeypatch.setattr(spark_network, "BROADCAST_EDGES", 0)
    rng = np.random.default_rng(3)
    n = 60
    # Node 5 gets no out-edges: its mass must return to the seeds.
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, size=(240, 2)) if a not in (b, 5)}
    edges = sorted((a, b, float(rng.integers(1, 4))) for a, b in pairs)
    seeds = [2, 17, 41]
    spark = spark_session("local[2]")
    nodes = spark.createDataFrame([(i,) for i in range(n)], "id long")
    frame = spark.createDataFrame(edges, "src long, dst long, w double")
    ranks = spark_network.pagerank(spark, nodes, frame, seeds).collect()
    got = {int(r.id): float(r.pr) for r in ranks}
    g = igraph.Graph(n=n, edges=[(a, b) for a, b, _ in edges], directed=True)
    want = g.personalized_pagerank(
        reset_vertices=seeds, weights=[w for _, _, w in edges], damping=spark_network.DAMPING
    )
    assert not g.neighbors(5, mode="out")
    assert got[5] > 0
    for i in range(n):
        assert got.get(i, 0.0) == pytest.approx(want[i], abs=1e-9), i
