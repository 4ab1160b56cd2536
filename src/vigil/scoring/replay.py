"""Time to the queue: the scan replayed over the world's time, in steps, for `vigil eval`.

At each step t (the world's start + k * step, up to its end) the signals that read posts
(text, behaviour, media, coordination) are recomputed from the posts created up to t; the
others (network over the undated follow graph, and any other plugin) keep their stored,
end-of-world values. An account enters the queue at the first step where it has posted and
its score reaches the threshold; its delay is that time minus its first post's time. Nothing
is written: every step runs in a session that is rolled back.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from vigil.config import Settings
from vigil.model import ListEntry, ListKind, ListStatus, Post, Signal
from vigil.scoring.score import Weights, features_of
from vigil.signals import ScanContext, names, plugin
from vigil.store import Database

__all__ = ["REPLAYED", "QueueTimes", "queue_times"]

log = logging.getLogger(__name__)

# Signals computed from posts, which honour the "as_of" option; the rest keep stored values.
REPLAYED = ("text", "behaviour", "media", "coordination")


@dataclass(slots=True)
class QueueTimes:
    """Per account that entered the queue: hours from its first post; and who never did."""

    step_hours: float
    steps: int
    hours: dict[int, float] = field(default_factory=dict)
    never: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        values = list(self.hours.values())
        return {
            "method": "scan replayed in steps over the world's time (see vigil.scoring.replay)",
            "step_hours": self.step_hours,
            "steps": self.steps,
            "accounts": len(values),
            "never_queued": len(self.never),
            "median_hours": round(statistics.median(values), 2) if values else None,
            "p90_hours": round(statistics.quantiles(values, n=10)[-1], 2)
            if len(values) >= 2
            else None,
        }


def _steps(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    t = start + step
    while t < end:
        yield t
        t += step
    yield end


def _first_posts(db: Database, ids: Sequence[int]) -> dict[int, datetime]:
    with db.session() as s:
        stmt = (
            sa.select(Post.account_id, sa.func.min(Post.created_at))
            .where(Post.account_id.in_(list(ids)), Post.created_at.is_not(None))
            .group_by(Post.account_id)
        )
        return {int(a): t for a, t in s.execute(stmt) if t is not None}


def _stored(s: sa.orm.Session, ids: Sequence[int], skip: Sequence[str]) -> list[Any]:
    stmt = (
        sa.select(Signal.account_id, Signal.name, Signal.value, Signal.explanation, Signal.evidence)
        .where(Signal.account_id.in_(list(ids)), Signal.name.not_in(list(skip)))
        .order_by(Signal.account_id, Signal.computed_at, Signal.id)
    )
    return list(s.execute(stmt))


def queue_times(
    db: Database,
    settings: Settings,
    accounts: Sequence[int],
    *,
    start: datetime,
    end: datetime,
    weights: Weights,
    threshold: float,
    step: timedelta = timedelta(hours=24),
) -> QueueTimes:
    """When each of `accounts` (store ids) would first have entered the queue."""
    first = _first_posts(db, accounts)
    ids = sorted(first)
    replayed = [n for n in REPLAYED if n in names()]
    out = QueueTimes(step_hours=step.total_seconds() / 3600, steps=0)
    if not ids:
        return out
    with db.session() as s:
        stored = _stored(s, ids, replayed)
        confirmed = frozenset(
            int(i)
            for i in s.scalars(
                sa.select(ListEntry.account_id).where(
                    ListEntry.kind == ListKind.BLACK, ListEntry.status == ListStatus.ACTIVE
                )
            )
        )
    entered: dict[int, datetime] = {}
    for t in _steps(start, end, step):
        out.steps += 1
        waiting = [a for a in ids if a not in entered and first[a] <= t]
        if not waiting:
            continue
        rows: list[Any] = [r for r in stored if r[0] in set(waiting)]
        with db.session() as s:
            ctx = ScanContext(
                session=s,
                settings=settings,
                now=t,
                accounts=waiting,
                confirmed=confirmed,
                options={"as_of": t},
            )
            for name in replayed:
                rows.extend(
                    (r.account_id, name, r.value, r.explanation, r.evidence)
                    for r in plugin(name)().compute(ctx)
                )
            s.rollback()  # media matching writes; a replay leaves the store as it was
        features = features_of(rows)
        for a in waiting:
            ev = features.get(a)
            if ev is not None and weights.probability(ev.features) >= threshold:
                entered[a] = t
    for a in ids:
        if a in entered:
            out.hours[a] = max(0.0, (entered[a] - first[a]).total_seconds() / 3600)
        else:
            out.never.append(a)
    log.info("replayed %s steps for %s accounts", out.steps, len(ids))
    return out
