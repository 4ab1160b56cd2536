"""The worker loop: claim a due job, run it under a heartbeat-extended lease, record the outcome.

A worker killed mid-job simply stops heartbeating; once its lease runs out any other worker
requeues and reruns the job, so nothing is lost (job kinds are idempotent by contract).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vigil.config import Settings
from vigil.errors import ConfigError, InputError, NotFoundError
from vigil.store import Database
from vigil.worker.jobs import Claimed, claim, complete, fail, heartbeat
from vigil.worker.kinds import JobContext, kind, ready_names

__all__ = ["WorkerOptions", "WorkerStats", "run_worker", "worker_name"]

log = logging.getLogger(__name__)

# Errors that another attempt cannot fix: bad payloads, missing handlers, unknown ids.
_PERMANENT = (InputError, ConfigError, NotFoundError)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    kinds: Sequence[str] | None = None  # None: every kind this process can run
    concurrency: int = 1
    lease_seconds: float = 300.0
    poll_seconds: float = 2.0
    once: bool = False  # drain what is due, then return instead of waiting for more


@dataclass(slots=True)
class WorkerStats:
    done: int = 0
    failed: int = 0
    retried: int = 0
    lost: int = 0
    jobs: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, outcome: str, job_id: int) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            self.jobs.append(job_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "failed": self.failed,
            "retried": self.retried,
            "lost": self.lost,
            "jobs": sorted(self.jobs),
        }


def worker_name() -> str:
    """Host and process id: what `jobs list` shows as the holder of a running job."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _heartbeats(db: Database, ctx: JobContext, lease: float, done: threading.Event) -> None:
    # Three beats per lease, so one slow database round trip does not lose the job.
    while not done.wait(lease / 3):
        try:
            held = heartbeat(db, ctx.job.id, ctx.worker, lease_seconds=lease)
        except Exception:  # a transient database error: keep trying until the lease ends
            log.warning("heartbeat for job %s failed", ctx.job.id, exc_info=True)
            continue
        if not held:
            log.warning("job %s: lease lost to another worker; abandoning it", ctx.job.id)
            ctx.stop.set()
            return


def run_one(
    db: Database, settings: Settings, job: Claimed, worker: str, lease: float, stats: WorkerStats
) -> None:
    """Run one claimed job and record done, retry or failure."""
    ctx = JobContext(db=db, settings=settings, job=job, worker=worker)
    finished = threading.Event()
    beat = threading.Thread(
        target=_heartbeats, args=(db, ctx, lease, finished), name=f"heartbeat-{job.id}", daemon=True
    )
    beat.start()
    log.info("job %s (%s) attempt %s started by %s", job.id, job.kind, job.attempts, worker)
    try:
        result = kind(job.kind)().run(ctx)
    except _PERMANENT as exc:
        finished.set()
        status = fail(db, job.id, worker, f"{type(exc).__name__}: {exc}", retry=False)
        stats.add("failed" if status else "lost", job.id)
        log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
        return
    except Exception as exc:
        finished.set()
        log.warning("job %s (%s) attempt %s raised", job.id, job.kind, job.attempts, exc_info=True)
        status = fail(db, job.id, worker, f"{type(exc).__name__}: {exc}")
        outcome = {"queued": "retried", "failed": "failed"}.get(status or "", "lost")
        stats.add(outcome, job.id)
        return
    finally:
        finished.set()
        beat.join()
    if ctx.stop.is_set() or not complete(db, job.id, worker, result):
        stats.add("lost", job.id)
        log.warning("job %s finished after its lease was lost; result discarded", job.id)
        return
    stats.add("done", job.id)
    log.info("job %s (%s) done", job.id, job.kind)


def _loop(
    db: Database,
    settings: Settings,
    kinds: Sequence[str],
    options: WorkerOptions,
    worker: str,
    stop: threading.Event,
    stats: WorkerStats,
) -> None:
    while not stop.is_set():
        job = claim(db, worker, kinds, lease_seconds=options.lease_seconds)
        if job is None:
            if options.once:
                return
            stop.wait(options.poll_seconds)
            continue
        run_one(db, settings, job, worker, options.lease_seconds, stats)


def run_worker(
    db: Database,
    settings: Settings,
    options: WorkerOptions,
    *,
    stop: threading.Event | None = None,
    name: str | None = None,
) -> WorkerStats:
    """Process jobs until `stop` is set (or, with `once`, until none is due)."""
    if options.concurrency < 1:
        raise InputError("must be at least 1", field="concurrency")
    if options.lease_seconds <= 0:
        raise InputError("must be positive", field="lease")
    kinds = list(options.kinds) if options.kinds else ready_names()
    for k in kinds:
        kind(k)  # unknown or broken kinds fail before any job is claimed
    stop = stop or threading.Event()
    base = name or worker_name()
    stats = WorkerStats()
    log.info("worker %s: kinds %s, %s thread(s)", base, ",".join(kinds), options.concurrency)
    if options.concurrency == 1:
        _loop(db, settings, kinds, options, base, stop, stats)
        return stats
    threads = [
        threading.Thread(
            target=_loop,
            args=(db, settings, kinds, options, f"{base}/{i}", stop, stats),
            name=f"worker-{i}",
        )
        for i in range(options.concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats
