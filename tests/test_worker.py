"""Jobs and workers in-process: dedup keys, claim order, retries, leases, handlers, the CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from vigil.config import Settings
from vigil.errors import ConfigError
from vigil.model import AuditEvent, utcnow
from vigil.model.jobs import Job
from vigil.store import Database
from vigil.worker import (
    HandlerJob,
    JobContext,
    JobKind,
    WorkerOptions,
    claim,
    complete,
    enqueue,
    heartbeat,
    ready_names,
    register,
    register_handler,
    run_worker,
)
from vigil.worker import kinds as worker_kinds

CALLS: list[int] = []


class FlakyJob(JobKind):
    """Fails its first attempt, then succeeds: exercises retries."""

    name = "test-flaky"
    description = "fails once, then succeeds (tests only)"

    def run(self, ctx: JobContext) -> Mapping[str, Any]:
        CALLS.append(ctx.job.id)
        if ctx.job.attempts == 1:
            raise RuntimeError("transient")
        return {"ok": True}


class StubJob(HandlerJob):
    name = "test-stub"
    description = "a handler kind like monitor or publish (tests only)"


register("test-flaky", FlakyJob)
register("test-stub", StubJob)


def _job(db: Database, job_id: int) -> Job:
    with db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _expire(db: Database) -> None:
    """The holder stopped heartbeating a while ago (as if killed)."""
    with db.transaction() as s:
        s.execute(sa.update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))


def test_dedup_key_returns_the_active_job(db: Database) -> None:
    with db.transaction() as s:
        first, created = enqueue(s, "noop", {"seconds": 0}, dedup_key="daily")
        again, created_again = enqueue(s, "noop", {}, dedup_key="daily")
        other, _ = enqueue(s, "noop", {}, dedup_key="weekly")
    assert created
    assert not created_again
    assert again.id == first.id != other.id
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Job)) == 2
        actions = s.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("job.enqueue") == 2
    # Once finished, the same key may be queued again (tomorrow's daily scan).
    done = run_worker(db, Settings(), WorkerOptions(kinds=["noop"], once=True))
    assert done.done == 2
    with db.transaction() as s:
        _, created_later = enqueue(s, "noop", {}, dedup_key="daily")
    assert created_later


def test_the_unique_index_settles_a_race(db: Database) -> None:
    with db.transaction() as s:
        enqueue(s, "noop", {}, dedup_key="k")
    with db.transaction() as s, pytest.raises(sa.exc.IntegrityError):
        s.add(Job(kind="noop", payload={}, dedup_key="k", created_by="t"))
        s.flush()


def test_claim_takes_priority_then_age_and_only_due_jobs(db: Database) -> None:
    with db.transaction() as s:
        low, _ = enqueue(s, "noop")
        high, _ = enqueue(s, "noop", priority=5)
        later, _ = enqueue(s, "noop", priority=9, run_after=utcnow() + timedelta(hours=1))
        enqueue(s, "scan")
    order = [claim(db, "w", ["noop"], lease_seconds=60) for _ in range(3)]
    assert [c.id if c else None for c in order] == [high.id, low.id, None]
    assert later.id not in [c.id for c in order if c]


def test_expired_lease_is_requeued_and_the_old_holder_cannot_finish(db: Database) -> None:
    with db.transaction() as s:
        job, _ = enqueue(s, "noop", max_attempts=2)
    first = claim(db, "dead", ["noop"], lease_seconds=60)
    assert first is not None
    assert first.attempts == 1
    assert claim(db, "other", ["noop"], lease_seconds=60) is None  # still leased
    _expire(db)
    second = claim(db, "alive", ["noop"], lease_seconds=60)
    assert second is not None
    assert second.id == job.id
    assert second.attempts == 2
    assert not heartbeat(db, job.id, "dead", lease_seconds=60)
    assert not complete(db, job.id, "dead", {"stale": True})
    assert complete(db, job.id, "alive", {"ok": 1})
    final = _job(db, job.id)
    assert (final.status, final.result, final.locked_by) == ("done", {"ok": 1}, "alive")


def test_last_attempt_lost_fails_the_job(db: Database) -> None:
    with db.transaction() as s:
        job, _ = enqueue(s, "noop", max_attempts=1)
    assert claim(db, "dead", ["noop"], lease_seconds=60) is not None
    _expire(db)
    assert claim(db, "next", ["noop"], lease_seconds=60) is None
    assert _job(db, job.id).status == "failed"


def test_failed_attempt_is_retried_after_backoff(db: Database) -> None:
    CALLS.clear()
    with db.transaction() as s:
        job, _ = enqueue(s, "test-flaky")
    stats = run_worker(db, Settings(), WorkerOptions(kinds=["test-flaky"], once=True))
    assert (stats.retried, stats.done) == (1, 0)
    row = _job(db, job.id)
    assert row.status == "queued"
    assert row.error == "RuntimeError: transient"
    assert row.run_after > utcnow()
    with db.transaction() as s:  # skip the backoff
        s.execute(sa.update(Job).values(run_after=utcnow()))
    stats = run_worker(db, Settings(), WorkerOptions(kinds=["test-flaky"], once=True))
    assert stats.done == 1
    assert _job(db, job.id).status == "done"
    assert CALLS.count(job.id) == 2


def test_bad_payload_fails_at_once(db: Database) -> None:
    with db.transaction() as s:
        job, _ = enqueue(s, "noop", {"seconds": "soon"})
    stats = run_worker(db, Settings(), WorkerOptions(kinds=["noop"], once=True))
    row = _job(db, job.id)
    assert stats.failed == 1
    assert row.status == "failed"
    assert row.attempts == 1
    assert "seconds" in (row.error or "")


def test_handler_kinds_run_what_was_registered(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_kinds, "_HANDLERS", dict(worker_kinds._HANDLERS))
    monkeypatch.delitem(worker_kinds._HANDLERS, "test-stub", raising=False)
    assert "test-stub" not in ready_names()  # a handler kind without its handler
    assert "scan" in ready_names()
    seen: list[dict[str, Any]] = []

    def batch(ctx: JobContext) -> dict[str, Any]:
        seen.append(ctx.payload)
        return {"checked": len(ctx.payload["accounts"])}

    register_handler("test-stub", batch)
    register_handler("test-export", "json:dumps")  # a new kind, from a module:function path
    assert {"test-stub", "test-export"} <= set(ready_names())
    with db.transaction() as s:
        job, _ = enqueue(s, "test-stub", {"accounts": [1, 2, 3]})
    stats = run_worker(db, Settings(), WorkerOptions(kinds=["test-stub"], once=True))
    assert stats.done == 1
    assert _job(db, job.id).result == {"checked": 3}
    with pytest.raises(ValueError, match="module:function"):
        register_handler("bad", "no-colon")


def test_unknown_kind_is_refused_before_claiming(db: Database) -> None:
    with pytest.raises(ConfigError, match="nope"):
        run_worker(db, Settings(), WorkerOptions(kinds=["nope"], once=True))


def test_concurrent_threads_take_each_job_once(db: Database) -> None:
    with db.transaction() as s:
        for _ in range(12):
            enqueue(s, "noop", {"seconds": 0.02})
    stats = run_worker(db, Settings(), WorkerOptions(kinds=["noop"], concurrency=3, once=True))
    assert stats.done == 12
    assert len(set(stats.jobs)) == 12
    with db.session() as s:
        attempts = s.scalars(sa.select(Job.attempts)).all()
        holders = set(s.scalars(sa.select(Job.locked_by)).all())
    assert set(attempts) == {1}
    assert len(holders) >= 2


def test_scan_job_runs_the_scan(db: Database, settings: Settings) -> None:
    with db.transaction() as s:
        job, _ = enqueue(s, "scan", {"signals": ["behaviour"]})
    stats = run_worker(db, settings, WorkerOptions(kinds=["scan"], once=True))
    assert stats.done == 1
    result = _job(db, job.id).result or {}
    assert "behaviour" in result["signals"]
    with db.session() as s:
        actors = s.scalars(sa.select(AuditEvent.actor).where(AuditEvent.action == "scan.run"))
        assert [a.startswith("worker:") for a in actors] == [True]


def test_cli_enqueue_list_and_worker(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    r = run_cli(capsys, "jobs", "enqueue", "noop", "--key", "k1", "--format", "json")
    assert r.code == 0
    assert json.loads(r.out)["created"] is True
    r = run_cli(capsys, "jobs", "enqueue", "noop", "--key", "k1")
    assert r.code == 0
    assert "already queued" in r.out
    assert run_cli(capsys, "jobs", "enqueue", "nope").code == 78
    assert run_cli(capsys, "jobs", "enqueue", "noop", "--payload", "[1]").code == 65
    r = run_cli(capsys, "worker", "--once", "--kinds", "noop,scan", "--format", "json")
    assert r.code == 0
    assert json.loads(r.out)["done"] == 1
    r = run_cli(capsys, "jobs", "list", "--format", "json")
    assert [j["status"] for j in json.loads(r.out)] == ["done"]
    r = run_cli(capsys, "jobs", "list", "--status", "queued")
    assert r.code == 0
    assert "jobs (0)" in r.out
