"""`vigil import x` on a large generated twarc2 file, beside a plain `json.loads` loop over it.

The file holds search pages of 100 tweets with their authors and mentioned users in
`includes`, as twarc2 writes them. Each import runs in a fresh process so its peak memory
is its own: a quarter of the file and the whole file should peak alike (memory stays flat).
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
home, data = Path(sys.argv[1]), Path(sys.argv[2])
settings = Settings(home=home)
db = open_database(settings)
upgrade(db)
base = resource.getrusage(resource.RUSAGE_SELF)
started = time.perf_counter()
summary = import_x_files(db, settings, [data])
seconds = time.perf_counter() - started
end = resource.getrusage(resource.RUSAGE_SELF)
cpu = (end.ru_utime + end.ru_stime) - (base.ru_utime + base.ru_stime)
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "posts": summary.files[0].posts,
                  "peak_rss_kib": end.ru_maxrss, "rss_growth_kib": end.ru_maxrss - base.ru_maxrss,
                  "load_average": os.getloadavg()[0]}))
"""


def _import_in_child(data: Path, home: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(home), str(data)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, object]:
    """Wall-clock rates depend on what else the two cores run: the load average and the
    CPU seconds (all threads) are reported beside them."""
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
        small = _import_in_child(quarter, root / "home-quarter")
        big = _import_in_child(full, root / "home-full")
        rss_now = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "file_mb": round(size / 1e6, 1),
        "tweets": loaded,
        "json_loads_tweets_per_s": round(loaded / baseline),
        "json_loads_tweets_per_cpu_s": round(loaded / baseline_cpu),
        "import_sqlite_tweets_per_s": round(big["posts"] / big["seconds"]),
        "import_sqlite_seconds": round(big["seconds"], 2),
        "import_cpu_seconds_all_threads": round(big["cpu_seconds"], 2),
        "import_tweets_per_cpu_s": round(big["posts"] / big["cpu_seconds"]),
        "import_vs_json_loads_time": round(big["seconds"] / baseline, 2),
        "load_average_during_import": round(big["load_average"], 2),
        "peak_rss_mib_quarter_file": round(small["peak_rss_kib"] / 1024, 1),
        "peak_rss_mib_full_file": round(big["peak_rss_kib"] / 1024, 1),
        "rss_growth_mib_quarter_file": round(small["rss_growth_kib"] / 1024, 1),
        "rss_growth_mib_full_file": round(big["rss_growth_kib"] / 1024, 1),
        "bench_process_peak_mib": round(rss_now / 1024, 1),
    }
