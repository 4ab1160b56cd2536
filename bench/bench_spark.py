"""Local engine against Spark local mode on the same snapshot of a simulated world, and what
a cluster would need for the firehose (about 6,000 posts a second) from per-core rates.

Sized to finish in minutes on a laptop (VIGIL_BENCH_SPARK_ACCOUNTS, default 10,000).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from vigil.batch.snapshot import export_snapshot
from vigil.batch.spark_scan import SPARK_SIGNALS, spark_results
from vigil.batch.spark_session import SnapshotFrames, spark_session
from vigil.config import Settings
from vigil.model import Follow, Post
from vigil.platforms.file_imports import import_x_files
from vigil.review.seeds import import_list
from vigil.scoring.scan import confirmed_accounts, run_scan
from vigil.sim.generate import WorldParams
from vigil.sim.output import generate_to_dir
from vigil.store import open_database, upgrade

ACCOUNTS = int(os.environ.get("VIGIL_BENCH_SPARK_ACCOUNTS", "10000"))
CORES = 2  # local[2], and the local engine's one core is counted as one
FIREHOSE_POSTS_PER_S = 6_000
CENSUS_POSTS = 20_000_000


def _world(root: Path) -> tuple[Settings, Path, dict[str, int]]:
    world = root / "world"
    generate_to_dir(world, WorldParams(accounts=ACCOUNTS, seed=11))
    settings = Settings(home=root / "home")
    db = open_database(settings)
    upgrade(db)
    import_x_files(db, settings, sorted((world / "x").glob("*.jsonl")))
    with db.transaction() as s:
        import_list(s, world / "seeds.csv", source="prior-list")
    with db.session() as s:
        size = {
            "posts": int(s.scalar(sa.select(sa.func.count()).select_from(Post)) or 0),
            "follows": int(s.scalar(sa.select(sa.func.count()).select_from(Follow)) or 0),
        }
    snap = root / "snapshot"
    export_snapshot(db, snap)
    db.dispose()
    return settings, snap, size


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vigil-bench-spark-") as tmp:
        settings, snap, size = _world(Path(tmp))
        db = open_database(settings)
        local = run_scan(db, settings, signals=list(SPARK_SIGNALS), full=True)
        with db.session() as s:
            confirmed = confirmed_accounts(s)
        db.dispose()
        started = time.perf_counter()
        spark = spark_session("local[2]")
        startup = time.perf_counter() - started
        frames = SnapshotFrames(spark, snap)
        spark_s: dict[str, float] = {}
        rows: dict[str, int] = {}
        for name in SPARK_SIGNALS:
            started = time.perf_counter()
            rows[name] = sum(
                1 for _ in spark_results(name, frames, confirmed, settings=settings, options={})
            )
            spark_s[name] = round(time.perf_counter() - started, 2)
        spark.stop()
    local_s = {name: local.seconds[name] for name in SPARK_SIGNALS}
    posts = size["posts"]
    # Posts per second per core for the post-bound signals, over both engines.
    post_bound = ("text", "behaviour", "coordination")
    local_rate = posts / max(sum(local_s[n] for n in post_bound), 1e-9)
    spark_rate = posts / max(sum(spark_s[n] for n in post_bound), 1e-9) / CORES
    return {
        "accounts": ACCOUNTS,
        "posts": posts,
        "follows": size["follows"],
        "local_seconds": local_s,
        "spark_local2_seconds": spark_s,
        "spark_startup_seconds": round(startup, 2),
        "rows_match": {n: rows[n] == local.signals[n] for n in SPARK_SIGNALS},
        "local_posts_per_core_s": round(local_rate),
        "spark_posts_per_core_s": round(spark_rate),
        # Cores for text + behaviour + coordination to keep up with the firehose, at each
        # engine's measured rate (Spark's is dominated by fixed per-job costs at this size).
        "firehose_cores_at_local_rate": round(FIREHOSE_POSTS_PER_S / max(local_rate, 1e-9), 1),
        "firehose_cores_at_spark_rate": round(FIREHOSE_POSTS_PER_S / max(spark_rate, 1e-9), 1),
        "census_20m_posts_hours_on_64_cores": round(
            CENSUS_POSTS / max(spark_rate, 1e-9) / 64 / 3600, 2
        ),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
