"""A monitoring run: check every due account of one platform, batch by batch.

Each batch is committed with its observations and the targets' next due times, so an
interrupted run resumes where it stopped when started again. Profiles seen on the way go
through the loader, which follows handle changes by the platform's stable id.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from vigil.model import Account, StatusObservation, utcnow
from vigil.model.monitor import MonitorTarget
from vigil.monitor.schedule import DEFAULT_POLICY, SchedulePolicy, due_targets, note_check
from vigil.monitor.schedule import sync_targets as _sync
from vigil.monitor.status import StatusCheck, check_batch, server_now
from vigil.platforms.base import Platform, UserLookup
from vigil.platforms.loader import Loader
from vigil.store import Database, append

__all__ = ["MonitorRun", "run_monitor"]

log = logging.getLogger(__name__)

SOURCE = "monitor"
_COLUMNS = ["account_id", "status", "observed_at", "source", "detail", "recorded_at"]

ProgressFn = Callable[[int, int], None]


@dataclass(slots=True)
class MonitorRun:
    """What one run did."""

    platform: str
    now: datetime
    due: int = 0
    checked: int = 0
    batches: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    handle_changes: int = 0
    api: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "now": self.now.isoformat(),
            "due": self.due,
            "checked": self.checked,
            "batches": self.batches,
            "statuses": dict(sorted(self.statuses.items())),
            "handle_changes": self.handle_changes,
            "complete": self.complete,
            "api": {k: round(v, 3) for k, v in self.api.items()},
            "seconds": round(self.seconds, 3),
        }


def run_monitor(
    db: Database,
    platform: Platform,
    *,
    now: datetime | None = None,
    policy: SchedulePolicy = DEFAULT_POLICY,
    max_batches: int | None = None,
    progress: ProgressFn | None = None,
) -> MonitorRun:
    """Check the accounts of `platform` due at `now` (default: the server's clock)."""
    if not isinstance(platform, UserLookup):
        raise TypeError(f"{platform.name} has no user lookup")
    started = time.perf_counter()
    when = now or server_now(platform)
    loader = Loader(db, platform.spec)
    with db.transaction() as session:
        _sync(session, when)
        due = due_targets(session, [loader.platform_id], when)
    run = MonitorRun(platform=platform.spec.name, now=when, due=len(due))
    size = max(1, platform.lookup_batch)
    for start in range(0, len(due), size):
        if max_batches is not None and run.batches >= max_batches:
            run.complete = False
            break
        chunk = due[start : start + size]
        checks, profiles = check_batch(platform, [pid for _, pid in chunk])
        _store(db, loader, chunk, checks, profiles, policy, run)
        run.batches += 1
        if progress is not None:
            progress(run.checked, run.due)
    run.api = platform.stats()
    run.seconds = time.perf_counter() - started
    log.info("monitor %s: %s of %s due accounts checked", run.platform, run.checked, run.due)
    return run


def _store(
    db: Database,
    loader: Loader,
    chunk: Sequence[tuple[int, str]],
    checks: Sequence[StatusCheck],
    profiles: Sequence[Any],
    policy: SchedulePolicy,
    run: MonitorRun,
) -> None:
    rows = {pid: row for row, pid in chunk}
    with db.session() as session:
        before = dict(
            session.execute(
                select(Account.id, Account.handle).where(Account.id.in_(list(rows.values())))
            ).all()
        )
    if profiles:
        loader.load(profiles)  # newer profiles: handle history kept by the stable id
    now = utcnow()
    values = []
    with db.transaction() as session:
        targets = {
            t.account_id: t
            for t in session.execute(
                select(MonitorTarget).where(MonitorTarget.account_id.in_(list(rows.values())))
            ).scalars()
        }
        for check in checks:
            account_id = rows[check.platform_account_id]
            detail = dict(check.detail)
            old = before.get(account_id)
            if check.handle and old and check.handle.lower() != str(old).lower():
                detail["previous_handle"] = old
                run.handle_changes += 1
            values.append((account_id, check.status.value, check.observed_at, SOURCE, detail, now))
            target = targets.get(account_id)
            if target is not None:
                note_check(target, check.status.value, check.observed_at, policy)
            run.statuses[check.status.value] += 1
            run.checked += 1
        append(session, StatusObservation, _COLUMNS, values)
