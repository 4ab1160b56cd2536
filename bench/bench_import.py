"""`vigil import x` on a large generated twarc2 file, beside a plain `json.loads` loop over it.

The file holds search pages of 100 tweets with their authors and mentioned users in
`includes`, as twarc2 writes them. Each import runs in a fresh process so its peak memory
is its own: a quarter of the file and the whole file should peak alike (memory stays flat),
in the importing process and in the process that parses for it, when one does.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

N_TWEETS = 200_000
N_USERS = 30_000
PER_PAGE = 100
T0 = datetime(2021, 4, 8, tzinfo=UTC)
_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "for",
    "on",
    "that",
    "by",
    "this",
    "with",
    "from",
    "at",
    "as",
    "are",
    "was",
    "news",
    "media",
    "report",
]


def _user(uid: int) -> dict[str, Any]:
    return {
        "id": str(10_000_000 + uid),
        "username": f"user_{uid}",
        "name": f"User {uid}",
        "description": "researcher notes on outlets and hashtags " * 2,
        "location": "somewhere",
        "url": "",
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{uid}/a_normal.jpg",
        "verified": False,
        "protected": False,
        "created_at": "2015-05-18T13:02:24.000Z",
        "public_metrics": {
            "followers_count": uid % 5000,
            "following_count": uid % 700,
            "tweet_count": uid % 90_000,
            "listed_count": 3,
        },
    }


def _tweet(tid: int, rng: random.Random, when: datetime) -> tuple[dict[str, Any], list[int]]:
    author = rng.randrange(N_USERS)
    mentioned = [rng.randrange(N_USERS) for _ in range(rng.choice((0, 0, 1, 2)))]
    text = " ".join(rng.choice(_WORDS) for _ in range(18))
    tweet: dict[str, Any] = {
        "id": str(1_380_000_000_000_000_000 + tid),
        "author_id": str(10_000_000 + author),
        "text": " ".join(f"@user_{m}" for m in mentioned) + " " + text,
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lang": "en",
        "conversation_id": str(1_380_000_000_000_000_000 + tid),
        "edit_history_tweet_ids": [str(1_380_000_000_000_000_000 + tid)],
        "possibly_sensitive": False,
        "reply_settings": "everyone",
        "source": "Twitter for Android",
        "public_metrics": {"retweet_count": 3, "reply_count": 0, "like_count": 7, "quote_count": 0},
        "entities": {
            "mentions": [
                {"start": 0, "end": 10, "username": f"user_{m}", "id": str(10_000_000 + m)}
                for m in mentioned
            ],
            "hashtags": [{"start": 20, "end": 30, "tag": "news"}],
        },
    }
    if tid > 10 and rng.random() < 0.3:
        kind = rng.choice(("retweeted", "replied_to", "quoted"))
        target = rng.randrange(tid)
        tweet["referenced_tweets"] = [{"type": kind, "id": str(1_380_000_000_000_000_000 + target)}]
        if kind == "replied_to":
            tweet["in_reply_to_user_id"] = str(10_000_000 + rng.randrange(N_USERS))
    return tweet, [author, *mentioned]


def generate(path: Path, n_tweets: int, seed: int = 7) -> int:
    """Write `n_tweets` tweets as twarc2 search pages; returns the file size."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, n_tweets, PER_PAGE):
            when = T0 + timedelta(seconds=start)
            tweets, users = [], set()
            for tid in range(start, min(start + PER_PAGE, n_tweets)):
                tweet, named = _tweet(tid, rng, when)
                tweets.append(tweet)
                users.update(named)
            page = {
                "data": tweets,
                "includes": {"users": [_user(u) for u in sorted(users)]},
                "meta": {"result_count": len(tweets), "newest_id": tweets[0]["id"]},
                "__twarc": {
                    "url": "https://api.twitter.com/2/tweets/search/all?query=news",
                    "version": "2.14.0",
                    "retrieved_at": when.isoformat(),
                },
            }
            out.write(json.dumps(page) + "\n")
    return path.stat().st_size


_CHILD = """
import os, resource, sys, time, json
from pathlib import Path
from vigil.config import Settings
from vigil.store import open_database, upgrade
from vigil.platforms.file_imports import import_x_files
from vigil.platforms.parse_worker import ParseProcess
home, data, apart = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
handed = []  # whether the parse process was given the file (by default: cores to spare)
start = ParseProcess.start
ParseProcess.start = lambda self, after=None: (handed.append(1), start(self, after))[1]
settings = Settings(home=home)
db = open_database(settings)
upgrade(db)
base = resource.getrusage(resource.RUSAGE_SELF)
started = time.perf_counter()
summary = import_x_files(db, settings, [data], parse_apart=apart)
seconds = time.perf_counter() - started
end = resource.getrusage(resource.RUSAGE_SELF)
worker = resource.getrusage(resource.RUSAGE_CHILDREN)  # the parse process, once ended
cpu = (end.ru_utime + end.ru_stime) - (base.ru_utime + base.ru_stime)
print(json.dumps({"seconds": seconds, "posts": summary.files[0].posts, "apart": bool(handed),
                  "cpu_seconds": cpu + worker.ru_utime + worker.ru_stime,
                  "worker_cpu_seconds": worker.ru_utime + worker.ru_stime,
                  "peak_rss_kib": end.ru_maxrss, "rss_growth_kib": end.ru_maxrss - base.ru_maxrss,
                  "worker_peak_rss_kib": worker.ru_maxrss,
                  "load_average": os.getloadavg()[0]}))
"""


def _import_in_child(data: Path, home: Path, apart: bool | None = None) -> dict[str, Any]:
    """One import in a fresh process; `apart` as `import_x_files` takes it (None: its choice)."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(home), str(data), json.dumps(apart)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _figures(name: str, run: dict[str, Any], baseline: float) -> dict[str, object]:
    return {
        f"{name}_tweets_per_s": round(run["posts"] / run["seconds"]),
        f"{name}_seconds": round(run["seconds"], 2),
        f"{name}_cpu_seconds_all_threads": round(run["cpu_seconds"], 2),
        f"{name}_tweets_per_cpu_s": round(run["posts"] / run["cpu_seconds"]),
        f"{name}_vs_json_loads_time": round(run["seconds"] / baseline, 2),
        f"{name}_load_average": round(run["load_average"], 2),
    }


def _memory(name: str, quarter: dict[str, Any], full: dict[str, Any]) -> dict[str, object]:
    """Peak memory of a quarter of the file and of all of it: alike if memory stays flat."""
    out: dict[str, object] = {}
    for size, run in (("quarter_file", quarter), ("full_file", full)):
        out[f"{name}_peak_rss_mib_{size}"] = round(run["peak_rss_kib"] / 1024, 1)
        out[f"{name}_rss_growth_mib_{size}"] = round(run["rss_growth_kib"] / 1024, 1)
        if run["apart"]:
            out[f"{name}_parse_process_peak_rss_mib_{size}"] = round(
                run["worker_peak_rss_kib"] / 1024, 1
            )
    return out


def run() -> dict[str, object]:
    """Wall-clock rates depend on what else the cores run: the load average and the CPU
    seconds (all processes and threads) are reported beside them. The file is imported the
    way `vigil import x` chooses on this machine (parsed by a child process if other programs
    leave the cores), then the other way, in the same conditions."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        full, quarter = root / "full.jsonl", root / "quarter.jsonl"
        size = generate(full, N_TWEETS)
        generate(quarter, N_TWEETS // 4)
        started, cpu_started = time.perf_counter(), time.process_time()
        loaded = 0
        with full.open("rb") as stream:
            for line in stream:
                loaded += len(json.loads(line)["data"])
        baseline = time.perf_counter() - started
        baseline_cpu = time.process_time() - cpu_started
        chosen = _import_in_child(full, root / "home-chosen")
        other = _import_in_child(full, root / "home-other", not chosen["apart"])
        apart, alone = (chosen, other) if chosen["apart"] else (other, chosen)
        apart_quarter = _import_in_child(quarter, root / "home-apart-quarter", True)
        alone_quarter = _import_in_child(quarter, root / "home-alone-quarter", False)
        rss_now = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "file_mb": round(size / 1e6, 1),
        "tweets": loaded,
        "json_loads_tweets_per_s": round(loaded / baseline),
        "json_loads_tweets_per_cpu_s": round(loaded / baseline_cpu),
        "import_parsed_by": "a parse process" if chosen["apart"] else "the importing process",
        **_figures("import_sqlite", chosen, baseline),
        **_figures("parse_process_import", apart, baseline),
        "parse_process_import_cpu_seconds_of_parse_process": round(apart["worker_cpu_seconds"], 2),
        **_figures("one_process_import", alone, baseline),
        **_memory("parse_process_import", apart_quarter, apart),
        **_memory("one_process_import", alone_quarter, alone),
        "bench_process_peak_mib": round(rss_now / 1024, 1),
    }
