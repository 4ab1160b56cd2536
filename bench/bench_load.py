"""Load test of `vigil serve` on loopback: 50 signed-in reviewers on the queue and account
pages of a 100,000-account store, then the same with a flood of anonymous requests (feeds,
tip and appeal forms, tip posts) from 4 other loopback addresses, plus one polite feed reader.

The server runs in its own process (one uvicorn worker); the load generator (asyncio + httpx)
in another. Reports p50/p95/p99 and errors per endpoint class, the flood's 429 share, and the
reviewers' p95 with and without the flood as a ratio. Loopback only; bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from vigil.config import Settings

REVIEWERS = 50
FLOODERS = 24  # concurrent anonymous connections, no think time
FLOOD_ADDRESSES = [f"127.0.0.{i}" for i in range(2, 6)]  # a few abusive hosts
POLITE_ADDRESS = "127.0.0.50"
ACCOUNTS = 100_000
PHASE_SECONDS = float(os.environ.get("VIGIL_BENCH_LOAD_SECONDS", "25"))
THINK = (3.0, 7.0)  # seconds a reviewer reads a page before the next (~10 requests/s in all)
WARMUP = 5.0  # seconds of each phase not counted (connections, caches)
FLOOD_PATHS = ["/feeds/blacklist.atom", "/tip", "/appeal", "/appeal/status?reference=APL-X"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(home: Path) -> dict[str, Any]:
    """The store (bench_web's loader at 100k accounts) and 50 live reviewer sessions."""
    import sqlalchemy as sa

    from bench import bench_web
    from vigil.model import Account, User
    from vigil.store import open_database
    from vigil.web.sessions import start_session

    bench_web.N_ACCOUNTS = ACCOUNTS
    settings = Settings(home=home)
    started = time.perf_counter()
    bench_web._load(settings)
    load_s = time.perf_counter() - started
    db = open_database(settings)
    with db.transaction() as s:
        user_id = s.scalar(sa.select(User.id).where(User.username == "ann"))
        assert user_id is not None
        # Sessions made as a login makes them (argon2 x 50 would only time the hasher).
        tokens = [start_session(s, user_id, hours=2) for _ in range(REVIEWERS)]
        ids = list(s.scalars(sa.select(Account.id).order_by(Account.id)))
    db.dispose()
    return {"tokens": tokens, "account_ids": ids, "load_s": round(load_s, 1)}


def _serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VIGIL_HOME": str(home), "VIGIL_WEB_SECRET": "b" * 32}
    env.pop("VIGIL_DATABASE_URL", None)
    vigil = Path(sys.executable).with_name("vigil")
    proc = subprocess.Popen(
        [str(vigil), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/policy", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"vigil serve did not come up: {proc.stderr.read() if proc.stderr else ''}")


# -- the load generator (run in a second process) ---------------------------------------------

Sample = tuple[str, float, int]  # endpoint class, milliseconds, status (0: transport error)
_counting_from = 0.0  # perf_counter() after the warm-up


async def _timed(
    client: httpx.AsyncClient, cls: str, method: str, url: str, out: list[Sample], **kw: Any
) -> None:
    started = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
        status = r.status_code
    except httpx.HTTPError:
        status = 0
    if started >= _counting_from:
        out.append((cls, (time.perf_counter() - started) * 1000, status))


async def _reviewer(
    base: str, token: str, ids: list[int], until: float, out: list[Sample], seed: int
) -> None:
    rng = random.Random(seed)
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, or a request sent as
    # the server closes one fails with nothing to do with the load.
    limits = httpx.Limits(keepalive_expiry=2.0)
    async with httpx.AsyncClient(
        base_url=base, cookies={"vigil_session": token}, timeout=30, limits=limits
    ) as c:
        await asyncio.sleep(rng.uniform(0, THINK[1]))
        while time.monotonic() < until:
            if rng.random() < 0.5:
                await _timed(c, "reviewer_queue", "GET", f"/queue?page={rng.randint(1, 5)}", out)
            else:
                await _timed(c, "reviewer_account", "GET", f"/accounts/{rng.choice(ids)}", out)
            await asyncio.sleep(rng.uniform(*THINK))


async def _flooder(base: str, address: str, until: float, out: list[Sample], seed: int) -> None:
    rng = random.Random(seed)
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=30) as c:
        while time.monotonic() < until:
            if rng.random() < 0.2:
                data = {"platform": "x", "account": "@a", "reason": "spam", "csrf_token": "x"}
                await _timed(c, "flood_tip_post", "POST", "/tip", out, data=data)
            else:
                await _timed(c, "flood_public_get", "GET", rng.choice(FLOOD_PATHS), out)


async def _polite(base: str, until: float, out: list[Sample]) -> None:
    """A feed reader on its own address, once every 2 s: must be served during the flood."""
    transport = httpx.AsyncHTTPTransport(local_address=POLITE_ADDRESS)
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=30) as c:
        while time.monotonic() < until:
            await _timed(c, "polite_feed_reader", "GET", "/feeds/blacklist.atom", out)
            await asyncio.sleep(2)


async def _drive(cfg: dict[str, Any]) -> list[Sample]:
    global _counting_from
    out: list[Sample] = []
    _counting_from = time.perf_counter() + WARMUP
    until = time.monotonic() + WARMUP + cfg["seconds"]
    base = cfg["base"]
    tasks = [
        _reviewer(base, token, cfg["account_ids"], until, out, i)
        for i, token in enumerate(cfg["tokens"])
    ]
    if cfg["flood"]:
        tasks += [
            _flooder(base, FLOOD_ADDRESSES[i % len(FLOOD_ADDRESSES)], until, out, 1000 + i)
            for i in range(FLOODERS)
        ]
        tasks.append(_polite(base, until, out))
    await asyncio.gather(*tasks)
    return out


def _summary(samples: list[Sample], seconds: float) -> dict[str, Any]:
    by: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by[s[0]].append(s)
    out: dict[str, Any] = {}
    for cls, rows in sorted(by.items()):
        ok = sorted(ms for _, ms, status in rows if 200 <= status < 400)
        statuses: dict[str, int] = defaultdict(int)
        for _, _, status in rows:
            statuses[str(status)] += 1

        def pct(p: float, values: list[float] = ok) -> float | None:
            return round(values[min(len(values) - 1, int(len(values) * p))], 1) if values else None

        out[cls] = {
            "requests": len(rows),
            "per_second": round(len(rows) / seconds, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "errors": sum(1 for _, _, st in rows if st == 0 or st >= 500),
            "shed_429": statuses.get("429", 0),
            "statuses": dict(statuses),
        }
    return out


def _run_driver(cfg: dict[str, Any]) -> dict[str, Any]:
    """Run the generator in a second process and read its samples back."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(cfg, fh)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_load", fh.name],
            capture_output=True,
            check=True,
            timeout=WARMUP + cfg["seconds"] + 120,
            cwd=Path(__file__).resolve().parents[1],
        )
    finally:
        os.unlink(fh.name)
    samples = [tuple(s) for s in json.loads(done.stdout)]
    return _summary(samples, cfg["seconds"])  # type: ignore[arg-type]


def _reviewer_p95(summary: dict[str, Any]) -> float:
    rows = [summary[c] for c in ("reviewer_queue", "reviewer_account") if c in summary]
    # The p95 of both classes together, weighted by count, from the two percentiles.
    return max(float(r["p95_ms"] or 0) for r in rows)


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="vigil-load-") as tmp:
        home = Path(tmp)
        prepared = _prepare(home)
        port = _free_port()
        server = _serve(home, port)
        try:
            cfg = {
                "base": f"http://127.0.0.1:{port}",
                "tokens": prepared["tokens"],
                "account_ids": random.Random(3).sample(prepared["account_ids"], 2000),
                "seconds": PHASE_SECONDS,
            }
            baseline = _run_driver({**cfg, "flood": False})
            flood = _run_driver({**cfg, "flood": True})
        finally:
            server.terminate()
            server.wait(timeout=30)
    without, with_flood = _reviewer_p95(baseline), _reviewer_p95(flood)
    flood_rows = [flood[c] for c in ("flood_public_get", "flood_tip_post") if c in flood]
    flood_total = sum(r["requests"] for r in flood_rows)
    shed = sum(r["shed_429"] for r in flood_rows)
    figures: dict[str, object] = {
        "accounts": ACCOUNTS,
        "load_s": prepared["load_s"],
        "reviewers": REVIEWERS,
        "flood_connections": FLOODERS,
        "flood_addresses": len(FLOOD_ADDRESSES),
        "phase_seconds": PHASE_SECONDS,
        "server_workers": 1,
        "baseline": baseline,
        "flood": flood,
        "reviewer_p95_ms_without_flood": without,
        "reviewer_p95_ms_with_flood": with_flood,
        "reviewer_p95_ratio": round(with_flood / without, 2) if without else None,
        "flood_requests": flood_total,
        "flood_shed_429_share": round(shed / flood_total, 3) if flood_total else None,
        "reviewer_errors": sum(
            flood[c]["errors"] + baseline[c]["errors"]
            for c in ("reviewer_queue", "reviewer_account")
            if c in flood and c in baseline
        ),
    }
    return figures


if __name__ == "__main__":
    config = json.loads(Path(sys.argv[1]).read_text())
    sys.stdout.write(json.dumps(asyncio.run(_drive(config))))
