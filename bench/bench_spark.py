"""Local engine against Spark local mode on the same snapshot of a simulated world, and what
a cluster would need for the firehose (about 6,000 posts a second) from per-core rates.

Sized to finish in minutes on a laptop by default. The census-size run of issue 9 is
`VIGIL_BENCH_SPARK_ACCOUNTS=100000 VIGIL_BENCH_SPARK_POST_SCALE=5 VIGIL_BENCH_SPARK_TILES=10`:
a 100,000-account world posting five times the default rate, copied ten times into one
snapshot (bench/snapshot_tiles.py) of a million accounts and about 20 million posts, loaded
into a new SQLite store with `import_snapshot`. Give Spark memory with
VIGIL_SPARK_DRIVER_MEMORY=8g. VIGIL_BENCH_SPARK_DIR keeps the stores and snapshots there,
and a later run reuses them instead of generating again.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.snapshot_tiles import tile_seeds, tile_snapshot
from vigil.batch.snapshot import export_snapshot, import_snapshot
from vigil.batch.spark_scan import SPARK_SIGNALS, run_spark_scan
from vigil.batch.spark_session import spark_session
from vigil.config import Settings
from vigil.model import Account, Follow, Post
from vigil.platforms.file_imports import import_x_files
from vigil.review.seeds import import_list
from vigil.scoring.scan import run_scan
from vigil.sim.generate import WorldParams
from vigil.sim.output import generate_to_dir
from vigil.store import open_database, upgrade

ACCOUNTS = int(os.environ.get("VIGIL_BENCH_SPARK_ACCOUNTS", "10000"))
POST_SCALE = float(os.environ.get("VIGIL_BENCH_SPARK_POST_SCALE", "1"))
TILES = int(os.environ.get("VIGIL_BENCH_SPARK_TILES", "1"))
KEEP_DIR = os.environ.get("VIGIL_BENCH_SPARK_DIR")
CORES = 2  # local[2], and the local engine's one core is counted as one
FIREHOSE_POSTS_PER_S = 6_000
CENSUS_POSTS = 20_000_000


def _say(what: str) -> None:
    print(f"   .. {time.strftime('%H:%M:%S')} {what}", flush=True)


def _world(root: Path, phases: dict[str, float]) -> tuple[Settings, Path]:
    """The world's X files imported into a SQLite store with the seeds, and its snapshot;
    reused when `root` already holds a finished one."""
    settings = Settings(home=root / "home")
    snap = root / "snapshot"
    if (snap / "manifest.json").is_file():
        _say(f"reusing {root}")
        return settings, snap
    world = root / "world"
    params = WorldParams(accounts=ACCOUNTS, seed=11)
    if POST_SCALE != 1:
        params.posts_per_day = {k: v * POST_SCALE for k, v in params.posts_per_day.items()}
    started = time.perf_counter()
    _say("generating the world")
    shutil.rmtree(root / "home", ignore_errors=True)
    generate_to_dir(world, params)
    phases["generate"] = round(time.perf_counter() - started, 1)
    db = open_database(settings)
    upgrade(db)
    _say("importing")
    started = time.perf_counter()
    import_x_files(db, settings, sorted((world / "x").glob("*.jsonl")))
    with db.transaction() as s:
        import_list(s, world / "seeds.csv", source="prior-list")
    phases["import"] = round(time.perf_counter() - started, 1)
    _say("snapshot")
    started = time.perf_counter()
    export_snapshot(db, snap)
    phases["snapshot_export"] = round(time.perf_counter() - started, 1)
    db.dispose()
    shutil.copy(world / "seeds.csv", root / "seeds.csv")
    shutil.rmtree(world)  # the store and the snapshot hold all the bench needs
    return settings, snap


def _tiled(root: Path, base: Path, phases: dict[str, float]) -> tuple[Settings, Path]:
    """TILES copies of the base snapshot as one snapshot, loaded into a new store."""
    settings = Settings(home=root / f"home-x{TILES}")
    snap = root / f"snapshot-x{TILES}"
    if (settings.home / "tiled").is_file():
        _say(f"reusing {snap}")
        return settings, snap
    shutil.rmtree(snap, ignore_errors=True)
    shutil.rmtree(settings.home, ignore_errors=True)
    _say(f"tiling {TILES} copies")
    started = time.perf_counter()
    tile_snapshot(base, snap, TILES)
    tile_seeds(root / "seeds.csv", root / f"seeds-x{TILES}.csv", TILES)
    phases["tile"] = round(time.perf_counter() - started, 1)
    _say("loading the tiled snapshot")
    started = time.perf_counter()
    db = open_database(settings)
    upgrade(db)
    import_snapshot(db, snap)
    with db.transaction() as s:
        import_list(s, root / f"seeds-x{TILES}.csv", source="prior-list")
    db.dispose()
    phases["snapshot_import"] = round(time.perf_counter() - started, 1)
    (settings.home / "tiled").write_text("done\n")
    return settings, snap


@contextmanager
def _root() -> Iterator[Path]:
    if KEEP_DIR:
        path = Path(KEEP_DIR)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="vigil-bench-spark-") as tmp:
        yield Path(tmp)


def _size(settings: Settings) -> dict[str, int]:
    db = open_database(settings)
    with db.session() as s:
        size = {
            "accounts": int(s.scalar(sa.select(sa.func.count()).select_from(Account)) or 0),
            "posts": int(s.scalar(sa.select(sa.func.count()).select_from(Post)) or 0),
            "follows": int(s.scalar(sa.select(sa.func.count()).select_from(Follow)) or 0),
        }
    db.dispose()
    return size


def run() -> dict[str, Any]:
    phases: dict[str, float] = {}
    with _root() as root:
        settings, snap = _world(root, phases)
        if TILES > 1:
            settings, snap = _tiled(root, snap, phases)
        size = _size(settings)
        _say(f"local engine on {size}")
        db = open_database(settings)
        local = run_scan(db, settings, signals=list(SPARK_SIGNALS), full=True)
        local_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        spark_session("local[2]")  # the scan below takes this session up
        startup = time.perf_counter() - started
        _say("spark scan")
        # Computed and written back as `vigil scan --engine spark` does, as the local
        # engine's were; the summary times each signal.
        spark = run_spark_scan(db, settings, master="local[2]", snapshot=snap)
        db.dispose()
    spark_s = {name: round(spark.seconds[name], 2) for name in SPARK_SIGNALS}
    local_s = {name: local.seconds[name] for name in SPARK_SIGNALS}
    posts, edges = size["posts"], size["follows"]
    # Posts per second per core for the post-bound signals, over both engines.
    post_bound = ("text", "behaviour", "coordination")
    local_rate = posts / max(sum(local_s[n] for n in post_bound), 1e-9)
    spark_rate = posts / max(sum(spark_s[n] for n in post_bound), 1e-9) / CORES
    return {
        **size,
        "post_scale": POST_SCALE,
        "tiles": TILES,
        "setup_seconds": phases,
        "local_seconds": local_s,
        "spark_local2_seconds": spark_s,
        "spark_startup_seconds": round(startup, 2),
        "spark_to_local_ratio": round(sum(spark_s.values()) / max(sum(local_s.values()), 1e-9), 2),
        "rows_match": {n: spark.signals[n] == local.signals[n] for n in SPARK_SIGNALS},
        "local_posts_per_core_s": round(local_rate),
        "spark_posts_per_core_s": round(spark_rate),
        "local_follows_per_core_s_network": round(edges / max(local_s["network"], 1e-9)),
        "spark_follows_per_core_s_network": round(edges / max(spark_s["network"], 1e-9) / CORES),
        # Cores for text + behaviour + coordination to keep up with the firehose, at each
        # engine's measured rate.
        "firehose_cores_at_local_rate": round(FIREHOSE_POSTS_PER_S / max(local_rate, 1e-9), 1),
        "firehose_cores_at_spark_rate": round(FIREHOSE_POSTS_PER_S / max(spark_rate, 1e-9), 1),
        "census_20m_posts_hours_on_64_cores": round(
            CENSUS_POSTS / max(spark_rate, 1e-9) / 64 / 3600, 2
        ),
        "bench_peak_rss_mib": round(local_rss),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
