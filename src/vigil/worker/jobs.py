"""The job queue in the store: enqueue with dedup keys, claim, lease, heartbeat, finish, retry.

PostgreSQL claims with ``SELECT ... FOR UPDATE SKIP LOCKED`` inside one ``UPDATE ...
RETURNING``, so concurrent workers never take the same row; SQLite has a single writer, and
the same atomic ``UPDATE ... WHERE status = 'queued' RETURNING`` is its equivalent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from vigil.errors import InputError, NotFoundError
from vigil.model import utcnow
from vigil.model.jobs import ACTIVE_STATUSES, Job, JobStatus
from vigil.store import Database, record

__all__ = [
    "Claimed",
    "claim",
    "complete",
    "enqueue",
    "fail",
    "get_job",
    "heartbeat",
    "job_dict",
    "list_jobs",
    "reap_expired",
]

log = logging.getLogger(__name__)

# Backoff before retry n (1-based): 10 s, 40 s, 90 s ... capped at an hour.
_BACKOFF_BASE_S = 10
_BACKOFF_CAP_S = 3600


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job this worker holds until `lease_expires_at` (extended by heartbeats)."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    lease_expires_at: datetime


def job_dict(job: Job) -> dict[str, Any]:
    """A job as plain data for `--format json` and the web API."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "priority": job.priority,
        "dedup_key": job.dedup_key,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "run_after": job.run_after,
        "locked_by": job.locked_by,
        "lease_expires_at": job.lease_expires_at,
        "created_at": job.created_at,
        "created_by": job.created_by,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "payload": job.payload,
        "result": job.result,
        "error": job.error,
    }


def _active_with_key(session: Session, key: str) -> Job | None:
    stmt = sa.select(Job).where(Job.dedup_key == key, Job.status.in_(ACTIVE_STATUSES))
    return session.scalars(stmt).first()


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    dedup_key: str | None = None,
    priority: int = 0,
    max_attempts: int = 3,
    run_after: datetime | None = None,
    actor: str = "cli",
) -> tuple[Job, bool]:
    """Queue a job in the caller's transaction; returns (job, created).

    With `dedup_key`, a queued or running job with the same key is returned instead of a
    second one (a unique partial index settles races between two enqueuers).
    """
    if max_attempts < 1:
        raise InputError("must be at least 1", field="max_attempts")
    if dedup_key is not None:
        existing = _active_with_key(session, dedup_key)
        if existing is not None:
            return existing, False
    job = Job(
        kind=kind,
        payload=dict(payload or {}),
        status=JobStatus.QUEUED,
        priority=priority,
        dedup_key=dedup_key,
        attempts=0,
        max_attempts=max_attempts,
        run_after=run_after or utcnow(),
        created_at=utcnow(),
        created_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        if dedup_key is None:
            raise
        existing = _active_with_key(session, dedup_key)
        if existing is None:
            raise
        return existing, False
    # Kind and key only: payloads may name accounts, and the audit log never holds content.
    record(
        session,
        actor=actor,
        action="job.enqueue",
        subject=f"job:{job.id}",
        payload={"kind": kind, "dedup_key": dedup_key},
    )
    return job, True


def reap_expired(session: Session, *, now: datetime | None = None) -> int:
    """Requeue running jobs whose lease ran out (their worker died); fail those out of tries."""
    now = now or utcnow()
    expired = sa.and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now)
    failed = session.execute(
        sa.update(Job)
        .where(expired, Job.attempts >= Job.max_attempts)
        .values(
            status=JobStatus.FAILED,
            finished_at=now,
            error="lease expired on the last attempt (worker lost)",
            locked_by=None,
        )
    )
    requeued = session.execute(
        sa.update(Job)
        .where(expired, Job.attempts < Job.max_attempts)
        .values(status=JobStatus.QUEUED, locked_by=None, lease_expires_at=None, run_after=now)
    )
    n = int(getattr(requeued, "rowcount", 0) or 0) + int(getattr(failed, "rowcount", 0) or 0)
    if n:
        log.info("requeued or failed %s job(s) with an expired lease", n)
    return n


def claim(
    db: Database,
    worker: str,
    kinds: Sequence[str],
    *,
    lease_seconds: float,
) -> Claimed | None:
    """Take the next due job of one of `kinds` for `worker`, or None when there is none."""
    if not kinds:
        return None
    now = utcnow()
    expires = now + timedelta(seconds=lease_seconds)
    with db.transaction() as session:
        reap_expired(session, now=now)
    with db.transaction() as session:
        # An alias, so the subquery is not correlated with the UPDATE's own table.
        candidate = aliased(Job)
        pick = (
            sa.select(candidate.id)
            .where(
                candidate.status == JobStatus.QUEUED,
                candidate.run_after <= now,
                candidate.kind.in_(kinds),
            )
            .order_by(candidate.priority.desc(), candidate.id)
            .limit(1)
        )
        if db.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            sa.update(Job)
            .where(Job.id == pick.scalar_subquery(), Job.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING,
                locked_by=worker,
                attempts=Job.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                lease_expires_at=expires,
                error=None,
            )
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
        )
        row = session.execute(stmt).first()
    if row is None:
        return None
    return Claimed(
        id=int(row[0]),
        kind=str(row[1]),
        payload=dict(row[2] or {}),
        attempts=int(row[3]),
        max_attempts=int(row[4]),
        lease_expires_at=expires,
    )


def _held(job_id: int, worker: str) -> sa.ColumnElement[bool]:
    return sa.and_(Job.id == job_id, Job.locked_by == worker, Job.status == JobStatus.RUNNING)


def heartbeat(db: Database, job_id: int, worker: str, *, lease_seconds: float) -> bool:
    """Extend the lease; False when the job is no longer this worker's (lease lost)."""
    now = utcnow()
    with db.transaction() as session:
        result = session.execute(
            sa.update(Job)
            .where(_held(job_id, worker))
            .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_seconds))
        )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def complete(db: Database, job_id: int, worker: str, result: Mapping[str, Any]) -> bool:
    """Mark done with its result; False (and nothing written) if the lease was lost."""
    with db.transaction() as session:
        done = session.execute(
            sa.update(Job)
            .where(_held(job_id, worker))
            .values(
                status=JobStatus.DONE,
                result=dict(result),
                finished_at=utcnow(),
                lease_expires_at=None,
            )
        )
    return int(getattr(done, "rowcount", 0) or 0) == 1


def fail(db: Database, job_id: int, worker: str, error: str, *, retry: bool = True) -> str | None:
    """Record a failed attempt: queued again after a backoff while tries remain, else failed.

    Returns the new status, or None if the lease was lost meanwhile.
    """
    now = utcnow()
    with db.transaction() as session:
        job = session.scalars(sa.select(Job).where(_held(job_id, worker))).first()
        if job is None:
            return None
        job.error = error[:2000]
        job.lease_expires_at = None
        if retry and job.attempts < job.max_attempts:
            wait = min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * job.attempts**2)
            job.status = JobStatus.QUEUED
            job.locked_by = None
            job.run_after = now + timedelta(seconds=wait)
        else:
            job.status = JobStatus.FAILED
            job.finished_at = now
        return job.status


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id}")
    return job


def list_jobs(
    session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """Newest first."""
    stmt = sa.select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Job.status == status)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return list(session.scalars(stmt))
