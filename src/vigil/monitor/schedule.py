"""The check schedule: which accounts are watched, and when each is next due.

New entries are checked often (platforms act fastest in the first days), old ones less; an
account seen removed is still looked at now and then, since platforms reinstate accounts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.model import Account, ListEntry, ListKind, ListStatus
from vigil.model.monitor import ControlMember, MonitorTarget

__all__ = [
    "DEFAULT_POLICY",
    "REMOVED",
    "SchedulePolicy",
    "due_targets",
    "note_check",
    "sync_targets",
]

log = logging.getLogger(__name__)

LISTED = "listed"
CONTROL = "control"
RETRACTED = "retracted"
# Statuses after which there is little left to see; checked at the slowest interval.
REMOVED = frozenset({"suspended", "taken_down", "not_found", "deleted", "deactivated"})


def _tiers() -> list[tuple[timedelta, timedelta]]:
    return [
        (timedelta(days=1), timedelta(hours=1)),
        (timedelta(days=7), timedelta(hours=6)),
        (timedelta(days=30), timedelta(days=1)),
        (timedelta(days=180), timedelta(days=3)),
    ]


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    """Interval by age: the first tier whose age bound exceeds the account's age applies."""

    tiers: list[tuple[timedelta, timedelta]] = field(default_factory=_tiers)
    oldest: timedelta = timedelta(days=7)
    removed: timedelta = timedelta(days=7)

    @classmethod
    def fixed(cls, interval: timedelta) -> SchedulePolicy:
        """Every account at the same interval, removed ones too (for studies and tests)."""
        return cls(tiers=[], oldest=interval, removed=interval)

    def interval(self, age: timedelta, status: str | None) -> timedelta:
        if status in REMOVED:
            return self.removed
        for bound, every in self.tiers:
            if age < bound:
                return every
        return self.oldest


DEFAULT_POLICY = SchedulePolicy()


def sync_targets(session: Session, now: datetime) -> tuple[int, int]:
    """Watch every actively listed account and every control member; returns (added, moved).

    A control member that was listed since becomes a listed target (and leaves the control
    group at its listing time); a retracted entry is no longer checked.
    """
    listed: dict[int, datetime] = {}
    retracted: set[int] = set()
    rows = session.execute(
        select(ListEntry.account_id, ListEntry.status, ListEntry.added_at).where(
            ListEntry.kind == ListKind.BLACK.value
        )
    )
    for account_id, status, added_at in rows:
        if status == ListStatus.ACTIVE.value:
            first = listed.get(account_id)
            listed[account_id] = added_at if first is None or added_at < first else first
        else:
            retracted.add(account_id)
    retracted -= set(listed)
    targets = {t.account_id: t for t in session.execute(select(MonitorTarget)).scalars()}
    controls = {c.account_id: c for c in session.execute(select(ControlMember)).scalars()}
    added = moved = 0
    for account_id, since in listed.items():
        target = targets.get(account_id)
        if target is None:
            session.add(_target(account_id, LISTED, since, now))
            added += 1
        elif target.cohort != LISTED:
            target.cohort, target.since, target.next_due_at = LISTED, since, now
            moved += 1
        member = controls.get(account_id)
        if member is not None and member.left_at is None:
            member.left_at = since
    for account_id, member in controls.items():
        if account_id in listed or member.left_at is not None:
            continue
        if account_id not in targets:
            session.add(_target(account_id, CONTROL, member.index_at, now))
            added += 1
    for account_id in retracted:
        target = targets.get(account_id)
        if target is not None and target.cohort != RETRACTED:
            target.cohort = RETRACTED
            moved += 1
    session.flush()
    if added or moved:
        log.info("monitor targets: %s added, %s changed", added, moved)
    return added, moved


def _target(account_id: int, cohort: str, since: datetime, now: datetime) -> MonitorTarget:
    return MonitorTarget(
        account_id=account_id, cohort=cohort, since=since, next_due_at=now, checks=0
    )


def due_targets(
    session: Session, platform_ids: Sequence[int], now: datetime
) -> list[tuple[int, str]]:
    """(account row id, platform account id) of targets due at `now`, most overdue first."""
    rows = session.execute(
        select(MonitorTarget.account_id, Account.platform_account_id)
        .join(Account, Account.id == MonitorTarget.account_id)
        .where(
            MonitorTarget.next_due_at <= now,
            MonitorTarget.cohort != RETRACTED,
            Account.platform_id.in_(list(platform_ids)),
        )
        .order_by(MonitorTarget.next_due_at, MonitorTarget.account_id)
    )
    return [(int(a), str(p)) for a, p in rows]


def note_check(
    target: MonitorTarget, status: str, observed_at: datetime, policy: SchedulePolicy
) -> None:
    """Record a check on the target and set its next due time."""
    age = max(timedelta(0), observed_at - target.since)
    target.last_checked_at = observed_at
    target.last_status = status
    target.checks = (target.checks or 0) + 1
    target.next_due_at = observed_at + policy.interval(age, status)
