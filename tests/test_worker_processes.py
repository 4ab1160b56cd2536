"""Real `vigil worker` processes on one database: disjoint claims, and a SIGKILLed worker's job
completes on another once its lease expires."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from vigil.config import Settings
from vigil.model.jobs import Job
from vigil.store import Database
from vigil.worker import enqueue

_MAIN = "import sys; from vigil.cli import main; main(sys.argv[1:])"


@contextmanager
def _workers(settings: Settings, *args: str, n: int = 1) -> Iterator[list[subprocess.Popen[str]]]:
    env = dict(
        os.environ,
        VIGIL_HOME=str(settings.home),
        VIGIL_DATABASE_URL=settings.effective_database_url,
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _MAIN, "worker", "--format", "json", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    try:
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait(10)


def _wait(cond: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _jobs(db: Database) -> list[Job]:
    with db.session() as s:
        return list(s.scalars(sa.select(Job).order_by(Job.id)))


def test_two_workers_claim_disjoint_jobs(db: Database, settings: Settings) -> None:
    with db.transaction() as s:
        ids = [enqueue(s, "noop", {"seconds": 0.25})[0].id for _ in range(40)]
    with _workers(settings, "--poll", "0.05", "--kinds", "noop", n=2) as procs:
        _wait(lambda: all(j.status == "done" for j in _jobs(db)))
        for p in procs:
            p.send_signal(signal.SIGTERM)
        outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    done = [set(json.loads(out)["jobs"]) for out, _err in outs]
    assert done[0].isdisjoint(done[1])
    assert done[0] | done[1] == set(ids)
    assert all(done), "each worker should have taken some jobs"
    jobs = _jobs(db)
    assert {j.attempts for j in jobs} == {1}
    assert len({j.locked_by for j in jobs}) == 2
    assert all(j.result and j.result["worker"] == j.locked_by for j in jobs)


def test_killed_worker_loses_nothing(db: Database, settings: Settings) -> None:
    with db.transaction() as s:
        first, _ = enqueue(s, "noop", {"seconds": 1.5}, priority=1)
        second, _ = enqueue(s, "noop", {"seconds": 0})
    lease = ("--lease", "1", "--poll", "0.05", "--kinds", "noop")
    with _workers(settings, *lease) as (doomed,):
        _wait(lambda: _jobs(db)[0].status == "running")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
    held = _jobs(db)[0]
    assert held.status == "running"
    assert (held.locked_by or "").endswith(f":{doomed.pid}")
    started = time.monotonic()
    with _workers(settings, *lease) as (rescuer,):
        _wait(lambda: all(j.status == "done" for j in _jobs(db)))
        rescuer.send_signal(signal.SIGTERM)
        out, err = rescuer.communicate(timeout=60)
    assert rescuer.returncode == 0, err
    assert sorted(json.loads(out)["jobs"]) == [first.id, second.id]
    assert time.monotonic() - started < 60  # one lease (1 s) plus start-up, not forever
    jobs = {j.id: j for j in _jobs(db)}
    assert jobs[first.id].status == jobs[second.id].status == "done", err
    assert jobs[first.id].attempts == 2
    assert jobs[first.id].result
    assert jobs[first.id].result["slept"] == 1.5
    assert str(doomed.pid) not in (jobs[first.id].locked_by or "")
