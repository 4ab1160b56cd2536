"""World generation: `generate_to_dir` for 100,000 accounts (goal: under 60 s on 2 cores).

Baseline: `json.dumps` and writing one tweet-shaped dict per post of the same world, the
least any writer of that many records costs; `ratio_to_baseline` says how many baselines
the whole generate-and-write costs.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from vigil.sim.generate import WorldParams
from vigil.sim.output import generate_to_dir

ACCOUNTS = 100_000


def _baseline(n: int, out: Path) -> float:
    started = time.perf_counter()
    with (out / "baseline.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(n):
            tweet = {
                "id": str(2_000_000_000_000_000_000 + i),
                "text": f"Routine note {i} about the weather #topic{i % 7}",
                "author_id": str(1_000_000 + i % ACCOUNTS),
                "created_at": "2026-09-01T00:00:00.000Z",
                "lang": "en",
                "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0},
            }
            fh.write(json.dumps(tweet, ensure_ascii=False) + "\n")
    return time.perf_counter() - started


def _cpu() -> float:
    """CPU seconds of this process and its finished workers (user and system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run() -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="vigil-bench-gen-"))
    try:
        out = tmp / "world"
        cpu0 = _cpu()
        started = time.perf_counter()
        world = generate_to_dir(out, WorldParams(accounts=ACCOUNTS))
        seconds = time.perf_counter() - started
        cpu = _cpu() - cpu0
        posts = len(world.posts)
        base = _baseline(posts, tmp)
        return {
            "accounts": len(world.accounts),
            "posts": posts,
            "follows": len(world.follows),
            "media": len(world.media),
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 1),
            "output_mib": round(_du(out) / 2**20),
            "baseline_seconds": round(base, 2),
            "ratio_to_baseline": round(seconds / base, 1) if base else None,
            "goal_seconds": 60,
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
