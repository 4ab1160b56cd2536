"""Network proximity on Spark: personalised PageRank as iterated DataFrame joins, and the
census's in-group ratio, matching `vigil.signals.network` (igraph's prpack) on one machine.

Only nodes holding rank mass are rows, so unreachable accounts cost nothing per iteration;
mass at accounts without out-edges returns to the confirmed seeds, as in igraph.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from vigil.batch.spark_session import SnapshotFrames, shuffle_partitions
from vigil.errors import ConfigError
from vigil.signals.base import SignalResult
from vigil.signals.graph_load import EDGE_KINDS
from vigil.signals.network import (
    DAMPING,
    DEFAULT_WEIGHTS,
    INGROUP_WEIGHT,
    MAX_NEIGHBOURS,
    NetworkScores,
    _explain,
)

__all__ = ["network_results", "pagerank"]

log = logging.getLogger(__name__)

TOLERANCE = 1e-9  # L1 change of the rank vector at which iteration stops
MAX_ITERATIONS = 240  # a multiple of CHECK_EVERY
CHECK_EVERY = 30  # iterations per Spark job (job overhead dominates small ones)
BROADCAST_EDGES = 2_000_000  # an edge list this small is shipped whole to every executor
VIRTUAL = -1  # the node that holds dangling mass for one iteration


def _edges(frames: SnapshotFrames, weights: Mapping[str, float]) -> Any:
    """(src, dst, kind, w) for every follow, retweet, quote and mention between accounts."""
    from pyspark.sql import functions as F  # type: ignore[import-not-found, unused-ignore]

    post = frames.table("post").select(F.col("id").alias("pid"), F.col("account_id").alias("src"))
    follows = frames.table("follow").select(
        F.col("source_id").alias("src"),
        F.col("target_id").alias("dst"),
        F.lit("follow").alias("kind"),
    )
    refs = frames.table("post_reference").where(F.col("target_account_id").isNotNull())
    quoted = refs.join(post, refs.post_id == post.pid).select(
        "src",
        F.col("target_account_id").alias("dst"),
        F.when(F.col("kind") == "retweeted", "retweet")
        .when(F.col("kind") == "quoted", "quote")
        .alias("kind"),
    )
    mentions = frames.table("mention").where(F.col("account_id").isNotNull())
    mentioned = mentions.join(post, mentions.post_id == post.pid).select(
        "src", F.col("account_id").alias("dst"), F.lit("mention").alias("kind")
    )
    ids = frames.table("account").select(F.col("id"))
    edges = follows.unionByName(quoted.where(F.col("kind").isNotNull())).unionByName(mentioned)
    w = F.create_map(*[x for k in EDGE_KINDS for x in (F.lit(k), F.lit(float(weights[k])))])
    # build_graph drops self-loops and edges to accounts outside the account table.
    return (
        edges.where(F.col("src") != F.col("dst"))
        .join(ids.withColumnRenamed("id", "src"), "src", "left_semi")
        .join(ids.withColumnRenamed("id", "dst"), "dst", "left_semi")
        .withColumn("w", w[F.col("kind")])
    )


def pagerank(
    spark: Any, nodes: Any, edges: Any, seeds: list[int], *, damping: float = DAMPING
) -> Any:
    """(id, pr) for every node in `nodes` (an ``id`` frame) with mass; restarts at `seeds`.

    Mass at accounts without out-edges goes to a virtual node (id -1) and from there back
    to the seeds one iteration later: the fixed point is igraph's, and each iteration is
    one join and one aggregation, with no action until the convergence check.
    """
    from pyspark.sql import functions as F  # type: ignore[import-not-found, unused-ignore]

    live = edges.where(F.col("w") > 0)
    out_w = live.groupBy("src").agg(F.sum("w").alias("out"))
    share = 1.0 / len(seeds)
    reset = spark.createDataFrame([(int(s), share) for s in seeds], "id long, r double")
    # Parallel edges (a follow and a retweet) add up, as igraph's multigraph does.
    real = (
        live.join(out_w, "src")
        .groupBy("src", "dst")
        .agg((damping * F.sum(F.col("w") / F.col("out"))).alias("m"))
    )
    to_virtual = nodes.join(out_w.select(F.col("src").alias("id")), "id", "left_anti").select(
        F.col("id").alias("src"), F.lit(VIRTUAL).alias("dst"), F.lit(1.0).alias("m")
    )
    from_virtual = reset.select(
        F.lit(VIRTUAL).alias("src"), F.col("id").alias("dst"), (damping * F.col("r")).alias("m")
    )
    # On a loop of many small stages, re-planning after every shuffle and compiling each
    # stage to Java cost more than they save (code generation alone doubles the time).
    loop_conf = {"spark.sql.adaptive.enabled": "false", "spark.sql.codegen.wholeStage": "false"}
    saved = {key: spark.conf.get(key) for key in loop_conf}
    for key, value in loop_conf.items():
        spark.conf.set(key, value)
    step = real.unionByName(to_virtual).unionByName(from_virtual)
    cached = None
    try:
        step = step.localCheckpoint(eager=True)
        if step.count() <= BROADCAST_EDGES:
            step = F.broadcast(step)  # each iteration is then one shuffle, not three
        else:
            # Hash-partitioned like the ranks (by node, into the shuffle partitions) and
            # cached, which keeps that partitioning: each iteration then shuffles only its
            # output, never the edges again.
            step = cached = step.repartition(shuffle_partitions(spark), "src").cache()
            step.count()
        restart = reset.select("id", ((1 - damping) * F.col("r")).alias("t")).localCheckpoint(
            eager=True
        )
        ranks = reset.select("id", F.col("r").alias("pr")).localCheckpoint(eager=True)
        return _iterate(ranks, step, restart, ranks).where(F.col("id") != VIRTUAL)
    finally:
        if cached is not None:
            cached.unpersist()
        for key, value in saved.items():
            spark.conf.set(key, value)


def _iterate(ranks: Any, step: Any, restart: Any, checked: Any) -> Any:
    from pyspark.sql import functions as F  # type: ignore[import-not-found, unused-ignore]

    for it in range(1, MAX_ITERATIONS + 1):
        # A hash table of the ranks per partition, the edges streamed past it: no sort.
        ranks = (
            ranks.hint("shuffle_hash")
            .join(step, ranks.id == step.src)
            .select(F.col("dst").alias("id"), (F.col("pr") * F.col("m")).alias("t"))
            .unionByName(restart)
            .groupBy("id")
            .agg(F.sum("t").alias("pr"))
        )
        if it % CHECK_EVERY:
            continue
        ranks = ranks.localCheckpoint(eager=True)
        # Change over the last CHECK_EVERY iterations.
        delta = (
            ranks.join(checked.withColumnRenamed("pr", "old"), "id", "full_outer")
            .agg(F.sum(F.abs(F.coalesce("pr", F.lit(0.0)) - F.coalesce("old", F.lit(0.0)))))
            .first()[0]
        )
        checked = ranks
        log.debug(
            "pagerank: iteration %s, L1 change over the last %s: %.3g", it, CHECK_EVERY, delta
        )
        # The change per iteration shrinks by the damping factor, so the last one was
        # about (1 - damping) of the change over the whole stretch.
        if delta * (1 - DAMPING) < TOLERANCE:
            log.info("pagerank converged after %s iterations (L1 change %.2g)", it, delta)
            return ranks
    log.warning("pagerank: no convergence in %s iterations", MAX_ITERATIONS)
    return ranks


def network_results(
    frames: SnapshotFrames,
    confirmed: frozenset[int],
    *,
    options: Mapping[str, Any] | None = None,
) -> Iterator[SignalResult]:
    """The network signal for every account, from a snapshot and the confirmed accounts."""
    from pyspark.sql import Window  # type: ignore[import-not-found, unused-ignore]
    from pyspark.sql import functions as F  # type: ignore[import-not-found, unused-ignore]

    opts = dict(options or {})
    unknown = set(opts.get("network_weights") or {}) - set(EDGE_KINDS)
    if unknown:
        raise ConfigError(f"network weights for unknown edge kinds: {', '.join(sorted(unknown))}")
    weights = {**DEFAULT_WEIGHTS, **(opts.get("network_weights") or {})}
    ingroup_weight = float(opts.get("network_ingroup_weight", INGROUP_WEIGHT))
    spark = frames.spark
    accounts = frames.table("account").select("id")
    seeds = (
        sorted(int(r.id) for r in accounts.where(F.col("id").isin(sorted(confirmed))).collect())
        if confirmed
        else []
    )
    if not seeds:
        return
    suspected = {int(i) for i in opts.get("network_suspected", ())}
    members = spark.createDataFrame([(i,) for i in sorted(set(seeds) | suspected)], "id long")
    edges = _edges(frames, weights).cache()
    ranks = pagerank(
        spark, accounts, edges, seeds, damping=float(opts.get("network_damping", DAMPING))
    )
    follows = edges.where(F.col("kind") == "follow")
    followees = follows.groupBy(F.col("src").alias("id")).agg(F.count(F.lit(1)).alias("followees"))
    inside = (
        follows.join(members.withColumnRenamed("id", "dst"), "dst", "left_semi")
        .groupBy(F.col("src").alias("id"))
        .agg(F.count(F.lit(1)).alias("inside"))
    )
    seed_df = spark.createDataFrame([(i,) for i in seeds], "id long")
    near = (
        edges.join(seed_df.withColumnRenamed("id", "dst"), "dst", "left_semi")
        .select(F.col("src").alias("id"), F.col("dst").alias("other"))
        .unionByName(
            edges.join(seed_df.withColumnRenamed("id", "src"), "src", "left_semi").select(
                F.col("dst").alias("id"), F.col("src").alias("other")
            )
        )
        .groupBy("id")
        .agg(F.slice(F.array_sort(F.collect_set("other")), 1, MAX_NEIGHBOURS).alias("near"))
    )
    # Percentile = share of accounts with strictly less mass: rank() - 1 over all accounts.
    table = (
        accounts.join(ranks, "id", "left")
        .withColumn("pr", F.coalesce("pr", F.lit(0.0)))
        .withColumn("below", F.rank().over(Window.orderBy("pr")) - 1)
        .join(followees, "id", "left")
        .join(inside, "id", "left")
        .join(near, "id", "left")
        .orderBy("id")
    )
    # Through Arrow: a million Row objects cost more than the joins.
    pdf = table.select("id", "pr", "below", "followees", "inside", "near").toPandas()
    edges.unpersist()
    n = len(pdf)
    ids = pdf["id"].to_numpy(dtype=np.int64)
    near = pdf["near"].tolist()
    f = pdf["followees"].fillna(0).to_numpy(dtype=np.int64)
    ins = pdf["inside"].fillna(0).to_numpy(dtype=np.int64)
    ratio = ins / np.maximum(f, 1)
    percentile = pdf["below"].to_numpy(dtype=np.float64) / max(n, 1)
    scores = NetworkScores(
        pagerank=pdf["pr"].to_numpy(dtype=np.float64),
        percentile=percentile,
        followees=f,
        ingroup_followees=ins,
        ingroup_ratio=ratio,
        value=(1.0 - ingroup_weight) * percentile + ingroup_weight * ratio,
    )
    seed_set = set(seeds)
    for i in range(n):
        account = int(ids[i])
        is_confirmed = account in seed_set
        neighbours = near[i]
        yield SignalResult(
            account,
            round(float(scores.value[i]), 6),
            _explain(scores, i, is_confirmed),
            {
                "confirmed": is_confirmed,
                "confirmed_neighbours": [] if neighbours is None else [int(x) for x in neighbours],
                "followees": int(f[i]),
                "ingroup_followees": int(ins[i]),
                "ingroup_ratio": round(float(ratio[i]), 4),
                "pagerank": float(scores.pagerank[i]),
                "percentile": round(float(percentile[i]), 6),
            },
        )
