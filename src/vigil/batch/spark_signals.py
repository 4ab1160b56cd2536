"""The text, behaviour and coordination signals as Spark jobs over a snapshot.

Each gives the same `SignalResult`s as its local plugin: the per-post text work runs the
plugin's own Python code on executors, a partition of account-sorted posts at a time;
behaviour is DataFrame aggregation over a window; coordination is a time-bucketed
self-join on shared items.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vigil.batch.spark_session import SnapshotFrames, shuffle_partitions
from vigil.signals import behaviour as local_behaviour
from vigil.signals.base import SignalResult
from vigil.signals.coordination import MIN_ITEMS, WINDOW_S, CoordinationSignal

__all__ = ["behaviour_results", "coordination_results", "text_results"]

_TEXT_SCHEMA = "account_id long, value double, explanation string, evidence string"
_OUT_ROWS = 4_096  # result rows per Arrow batch sent back from a Python worker
POSTS_PER_PARTITION = 500_000  # so a sort partition fits the executor's memory


def _text_partition(home: str | None) -> Any:
    """The function each Python worker runs over one partition of posts, sorted by account.

    One call per partition, not per account: grouping by account in Spark and handing each
    group to pandas costs more than the lexicon itself on small accounts.
    """

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

        from vigil.config import Settings
        from vigil.signals.classifier import latest_model
        from vigil.signals.lexicon import default_lexicon
        from vigil.signals.text import _scan_post, _Tally, account_result

        lex = default_lexicon()  # cached per Python worker
        model = latest_model(Settings(home=Path(home))) if home else None
        schema = pa.schema(
            [
                ("account_id", pa.int64()),
                ("value", pa.float64()),
                ("explanation", pa.string()),
                ("evidence", pa.string()),
            ]
        )
        out: dict[str, list[Any]] = {
            k: [] for k in ("account_id", "value", "explanation", "evidence")
        }

        def emit(account: int, tally: _Tally) -> None:
            r = account_result(account, tally, model)
            out["account_id"].append(r.account_id)
            out["value"].append(float(r.value))
            out["explanation"].append(r.explanation)
            out["evidence"].append(json.dumps(r.evidence, ensure_ascii=False))

        def flush() -> Any:
            batch = pa.RecordBatch.from_pydict(out, schema=schema)
            for values in out.values():
                values.clear()
            return batch

        current: int | None = None
        tally = _Tally()
        for batch in batches:
            cols = batch.to_pydict()
            for account, post_id, text in zip(
                cols["account_id"], cols["id"], cols["text"], strict=True
            ):
                if account != current:
                    if current is not None:
                        emit(current, tally)
                    current, tally = account, _Tally()
                _scan_post(lex, tally, post_id, text or "")
                if model is not None:
                    tally.texts.append(text or "")
            if len(out["account_id"]) >= _OUT_ROWS:
                yield flush()
        if current is not None:
            emit(current, tally)
        yield flush()

    return run


def _partitions(frames: SnapshotFrames) -> int:
    """Partitions for work (and results) that grow with the posts: at least the session's."""
    return max(shuffle_partitions(frames.spark), -(-frames.rows("post") // POSTS_PER_PARTITION))


def text_results(frames: SnapshotFrames, *, home: Path | None) -> Iterator[SignalResult]:
    """Lexicon (and classifier) text signal: posts partitioned and sorted by account, each
    partition scanned in one Python worker with the local plugin's own code."""
    from pyspark.sql import functions as F  # type: ignore[import-not-found, unused-ignore]

    parts = _partitions(frames)
    posts = (
        frames.table("post")
        .where(F.col("text").isNotNull())
        .select("account_id", "id", "text")
        .repartition(parts, "account_id")
        .sortWithinPartitions("account_id", "id")
    )
    out = posts.mapInArrow(_text_partition(str(home) if home else None), schema=_TEXT_SCHEMA)
    for row in out.toLocalIterator():
        yield SignalResult(
            int(row.account_id), float(row.value), row.explanation, json.loads(row.evidence)
        )


def behaviour_results(
    frames: SnapshotFrames, *, weights: Mapping[str, float] | None = None
) -> Iterator[SignalResult]:
    """Rate, burstiness, age at first post and retweet share, aggregated per account."""
    from pyspark.sql import Window  # type: ignore[import-not-found, unused-ignore]
    from pyspark.sql import functions as F  # type: ignore[import-not-found, unused-ignore]

    day = local_behaviour.DAY_S
    posts = (
        frames.table("post")
        .where(F.col("created_at").isNotNull())
        .select(
            "account_id",
            (F.unix_micros("created_at") / 1e6).alias("t"),
            (F.col("kind") == "retweet").cast("double").alias("rt"),
        )
    )
    w = Window.partitionBy("account_id").orderBy("t")
    gaps = posts.withColumn("gap", F.col("t") - F.lag("t").over(w))
    per = gaps.groupBy("account_id").agg(
        F.count(F.lit(1)).alias("posts"),
        F.min("t").alias("first"),
        F.max("t").alias("last"),
        F.sum("rt").alias("rts"),
        F.count("gap").alias("n_gaps"),
        F.avg("gap").alias("mu"),
        F.avg(F.col("gap") * F.col("gap")).alias("m2"),
    )
    created = (
        frames.table("account")
        .where(F.col("created_at").isNotNull())
        .select(F.col("id").alias("account_id"), (F.unix_micros("created_at") / 1e6).alias("made"))
    )
    sigma = F.sqrt(F.greatest(F.col("m2") - F.col("mu") * F.col("mu"), F.lit(0.0)))
    b = F.when(F.col("n_gaps") < 2, F.lit(None)).otherwise(
        F.when(sigma + F.col("mu") > 0, (sigma - F.col("mu")) / (sigma + F.col("mu"))).otherwise(
            0.0
        )
    )
    df = (
        per.join(created, "account_id", "left")
        .withColumn(
            "rate", F.col("posts") / F.greatest((F.col("last") - F.col("first")) / day, F.lit(1.0))
        )
        .withColumn("b", b)
        .withColumn("age", F.greatest(F.col("first") - F.col("made"), F.lit(0.0)) / day)
        .withColumn("rt_share", F.col("rts") / F.col("posts"))
    )
    wt = {**local_behaviour.DEFAULT_WEIGHTS, **(weights or {})}
    parts = {
        "rate": F.least(F.log1p("rate") / math.log1p(local_behaviour.RATE_HIGH), F.lit(1.0)),
        "burstiness": F.coalesce(F.greatest(F.col("b"), F.lit(0.0)), F.lit(0.0)),
        "age": F.coalesce(F.exp(-F.col("age") / local_behaviour.AGE_SCALE_DAYS), F.lit(0.0)),
        "retweets": F.col("rt_share"),
    }
    total = sum(wt.values()) or 1.0
    value = sum((F.lit(wt[k]) * part for k, part in parts.items()), F.lit(0.0)) / total
    df = df.withColumn("value", F.least(F.greatest(value, F.lit(0.0)), F.lit(1.0)))
    cols = ["account_id", "posts", "rate", "b", "age", "rt_share", "value"]
    # Through Arrow: a million Row objects cost more than the aggregation.
    pdf = df.select(*cols).orderBy("account_id").toPandas()
    if pdf.empty:
        return
    a = local_behaviour.Activity(
        ids=pdf["account_id"].to_numpy(dtype=np.int64),
        posts=pdf["posts"].to_numpy(dtype=np.int64),
        rate=pdf["rate"].to_numpy(dtype=np.float64),
        burstiness=pdf["b"].to_numpy(dtype=np.float64, na_value=np.nan),
        age_days=pdf["age"].to_numpy(dtype=np.float64, na_value=np.nan),
        retweet_share=pdf["rt_share"].to_numpy(dtype=np.float64),
        value=pdf["value"].to_numpy(dtype=np.float64),
    )
    for i in range(len(a.ids)):
        yield SignalResult(
            int(a.ids[i]),
            round(float(a.value[i]), 6),
            local_behaviour._explain(a, i),
            {
                "post_count": int(a.posts[i]),
                "posts_per_day": round(float(a.rate[i]), 4),
                "burstiness": local_behaviour._num(a.burstiness[i]),
                "age_days_at_first_post": local_behaviour._num(a.age_days[i]),
                "retweet_share": round(float(a.retweet_share[i]), 4),
            },
        )


def _urls(text: str | None) -> list[str]:
    from vigil.signals.coordination import _URL, normalise_url

    return sorted({normalise_url(u) for u in _URL.findall(text or "")})


def coordination_results(
    frames: SnapshotFrames,
    confirmed: frozenset[int],
    *,
    window: float = WINDOW_S,
    min_items: int = MIN_ITEMS,
) -> Iterator[SignalResult]:
    """Co-retweet and co-link pairs by a self-join on (item, time bucket of `window`)."""
    from pyspark.sql import functions as F  # type: ignore[import-not-found, unused-ignore]
    from pyspark.sql.types import ArrayType, StringType  # type: ignore[import-not-found, unused-ignore]

    post = frames.table("post").where(F.col("created_at").isNotNull())
    t = (F.unix_micros("created_at") / 1e6).alias("t")
    refs = frames.table("post_reference").where(F.col("kind") == "retweeted")
    rts = refs.join(post, post.id == refs.post_id).select(
        F.concat_ws(
            "\x1f", F.lit("rt"), post.platform_id.cast("string"), refs.target_platform_post_id
        ).alias("item"),
        t,
        post.account_id.alias("account"),
    )
    # A lambda: type hints would make PySpark try to read it as a pandas UDF.
    urls = F.udf(lambda text: _urls(text), ArrayType(StringType()))
    links = (
        post.where((F.col("kind") != "retweet") & F.col("text").like("%http%"))
        .select(F.explode(urls("text")).alias("url"), t, F.col("account_id").alias("account"))
        .select(F.concat(F.lit("url\x1f"), F.col("url")).alias("item"), "t", "account")
    )
    acts = rts.unionByName(links).withColumn("bucket", F.floor(F.col("t") / window))
    left = acts.select("item", F.col("t").alias("t1"), F.col("account").alias("a1"), "bucket")
    # Each right row also offers itself to the previous bucket: every pair within the
    # window meets at least once, whichever of the two came first.
    right = acts.select(
        "item",
        F.col("t").alias("t2"),
        F.col("account").alias("a2"),
        F.explode(F.array(F.col("bucket"), F.col("bucket") - 1)).alias("bucket"),
    )
    rows = (
        left.join(right, ["item", "bucket"])
        .where((F.col("a1") != F.col("a2")) & (F.abs(F.col("t1") - F.col("t2")) <= window))
        .select(F.least("a1", "a2").alias("a"), F.greatest("a1", "a2").alias("b"), "item")
        .distinct()
        .cache()
    )
    strong = rows.groupBy("a", "b").agg(F.count(F.lit(1)).alias("n")).where(F.col("n") >= min_items)
    partners: dict[int, dict[int, int]] = {}
    for r in strong.collect():
        partners.setdefault(int(r.a), {})[int(r.b)] = int(r.n)
        partners.setdefault(int(r.b), {})[int(r.a)] = int(r.n)
    shared: dict[int, set[str]] = {}
    # The driver takes one partition at a time: with the session's few shuffle partitions
    # one held over 1 GiB of pairs at a million accounts (spark.driver.maxResultSize).
    pairs = rows.join(strong.select("a", "b"), ["a", "b"]).repartition(_partitions(frames))
    for r in pairs.toLocalIterator():
        shared.setdefault(int(r.a), set()).add(r.item)
        shared.setdefault(int(r.b), set()).add(r.item)
    rows.unpersist()
    items = set().union(*shared.values()) if shared else set()
    labels = sorted(i for i in items if i.startswith("rt\x1f"))
    n_rt = len(labels)
    labels += sorted(i for i in items if not i.startswith("rt\x1f"))
    code = {label: k for k, label in enumerate(labels)}
    rule = (window, min_items)
    for acc, mine in sorted(partners.items()):
        mine_items = sorted(code[i] for i in shared.get(acc, ()))
        yield CoordinationSignal._result(acc, mine, mine_items, labels, n_rt, confirmed, rule)
