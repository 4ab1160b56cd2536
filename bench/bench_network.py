"""Network signal at scale: personalised PageRank and in-group ratio on 1M accounts / 20M
edges from a synthetic generator, against `np.bincount` degrees over the same edges; and
`load_graph` from SQLite and PostgreSQL stores of 50k accounts / 1M edges.
"""

from __future__ import annotations

import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from vigil.config import Settings
from vigil.model import Account, Follow, Mention, Platform, Post, PostReference
from vigil.signals.graph_load import EDGE_KINDS, Graph, load_graph
from vigil.signals.network import network_results, network_scores
from vigil.store import append, open_database, upgrade

N_NODES = 1_000_000
N_EDGES = 20_000_000
N_CONFIRMED = 2_000
STORE_ACCOUNTS = 50_000
STORE_EDGES = 1_000_000
KIND_SHARES = (0.7, 0.15, 0.05, 0.1)  # follow, retweet, quote, mention
T0 = datetime(2026, 9, 1, tzinfo=UTC)
_ACCOUNT_COLUMNS = [
    "id",
    "platform_id",
    "platform_account_id",
    "handle",
    "verified",
    "protected",
    "first_seen",
    "last_seen",
]
_POST_COLUMNS = [
    "id",
    "platform_id",
    "platform_post_id",
    "account_id",
    "created_at",
    "kind",
    "version_count",
    "first_seen",
    "last_seen",
]


def _peak_gib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def synthetic(n: int, m: int, seed: int = 1) -> Graph:
    """Sources uniform, targets skewed towards low indexes (hubs), kinds by `KIND_SHARES`."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m, dtype=np.int32)
    dst = (n * rng.random(m) ** 3).astype(np.int32)
    kind = rng.choice(len(EDGE_KINDS), m, p=KIND_SHARES).astype(np.int8)
    keep = src != dst
    return Graph(np.arange(n, dtype=np.int64), src[keep], dst[keep], kind[keep])


def _scale() -> dict[str, Any]:
    t = time.perf_counter()
    graph = synthetic(N_NODES, N_EDGES)
    out: dict[str, Any] = {"nodes": graph.n, "edges": len(graph.src)}
    out["generate_s"] = round(time.perf_counter() - t, 2)
    rng = np.random.default_rng(2)
    seeds = np.sort(rng.choice(graph.n, N_CONFIRMED, replace=False)).astype(np.int32)
    t = time.perf_counter()
    degree_out = np.bincount(graph.src, minlength=graph.n)
    degree_in = np.bincount(graph.dst, minlength=graph.n)
    out["baseline_bincount_degrees_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    scores = network_scores(graph, seeds)
    out["pagerank_and_ingroup_s"] = round(time.perf_counter() - t, 2)
    out["ratio_to_baseline"] = round(
        out["pagerank_and_ingroup_s"] / max(out["baseline_bincount_degrees_s"], 1e-3)
    )
    t = time.perf_counter()
    results = 0
    for _ in network_results(graph, scores, seeds, np.arange(graph.n)):
        results += 1
    out["results_with_explanations_s"] = round(time.perf_counter() - t, 2)
    out["results"] = results
    out["seconds_total_signal"] = round(
        out["pagerank_and_ingroup_s"] + out["results_with_explanations_s"], 2
    )
    out["goal_s"] = 120
    out["mean_ingroup_ratio"] = round(float(scores.ingroup_ratio.mean()), 5)
    out["max_degree"] = int((degree_in + degree_out).max())
    out["peak_rss_gib"] = _peak_gib()
    return out


def _fill_store(db_home: Path, url: str | None) -> tuple[Any, int]:
    db = open_database(Settings(home=db_home, database_url=url))
    upgrade(db)
    rng = np.random.default_rng(3)
    n_follow = int(STORE_EDGES * 0.7)
    n_rt, n_mention = int(STORE_EDGES * 0.2), int(STORE_EDGES * 0.1)
    with db.transaction() as s:
        platform = Platform(name="x", kind="x")
        s.add(platform)
        s.flush()
        pid = platform.id
        append(
            s,
            Account,
            _ACCOUNT_COLUMNS,
            ((i, pid, str(i), f"h{i}", False, False, T0, T0) for i in range(1, STORE_ACCOUNTS + 1)),
        )
        pairs = np.unique(rng.integers(1, STORE_ACCOUNTS + 1, (n_follow, 2)), axis=0)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        append(
            s,
            Follow,
            ["source_id", "target_id", "first_seen", "last_seen"],
            ((a, b, T0, T0) for a, b in pairs.tolist()),
        )
        authors = rng.integers(1, STORE_ACCOUNTS + 1, n_rt + n_mention).tolist()
        targets = rng.integers(1, STORE_ACCOUNTS + 1, n_rt + n_mention).tolist()
        append(
            s,
            Post,
            _POST_COLUMNS,
            (
                (k + 1, pid, str(k), a, T0, "retweet" if k < n_rt else "original", 1, T0, T0)
                for k, a in enumerate(authors)
            ),
        )
        append(
            s,
            PostReference,
            ["post_id", "kind", "target_platform_post_id", "target_account_id"],
            ((k + 1, "retweeted", f"t{k}", targets[k]) for k in range(n_rt)),
        )
        append(
            s,
            Mention,
            ["post_id", "handle", "account_id"],
            ((k + 1, f"h{targets[k]}", targets[k]) for k in range(n_rt, n_rt + n_mention)),
        )
    return db, len(pairs) + n_rt + n_mention


def _store(url: str | None, prefix: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        db, edges = _fill_store(Path(tmp), url)
        out: dict[str, Any] = {f"{prefix}_fill_s": round(time.perf_counter() - t, 2)}
        try:
            t = time.perf_counter()
            with db.session() as s:
                graph = load_graph(s)
            out[f"{prefix}_load_graph_s"] = round(time.perf_counter() - t, 2)
            out[f"{prefix}_accounts"] = graph.n
            out[f"{prefix}_edges_loaded"] = len(graph.src)
            out[f"{prefix}_edges_written"] = edges
        finally:
            db.dispose()
    return out


def _stores() -> dict[str, Any]:
    out = _store(None, "sqlite")
    from tests.support.postgres import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.start()
    try:
        out.update(_store(server.url("postgres"), "postgresql"))
    finally:
        server.stop()
    return out


def run() -> dict[str, object]:
    figures: dict[str, object] = {}
    figures.update(_stores())
    figures.update(_scale())
    return figures
