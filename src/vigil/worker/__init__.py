"""Workers that share one database and claim jobs with row locks (scans, monitor, publish).

`register_handler` is how other stages plug their batch functions in as job kinds.
"""

from __future__ import annotations

from vigil.worker.jobs import claim, complete, enqueue, fail, heartbeat, list_jobs, reap_expired
from vigil.worker.kinds import (
    HandlerJob,
    JobContext,
    JobKind,
    kind,
    names,
    ready_names,
    register,
    register_handler,
)
from vigil.worker.runner import WorkerOptions, WorkerStats, run_worker, worker_name

__all__ = [
    "HandlerJob",
    "JobContext",
    "JobKind",
    "WorkerOptions",
    "WorkerStats",
    "claim",
    "complete",
    "enqueue",
    "fail",
    "heartbeat",
    "kind",
    "list_jobs",
    "names",
    "ready_names",
    "reap_expired",
    "register",
    "register_handler",
    "run_worker",
    "worker_name",
]
