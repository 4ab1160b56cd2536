"""The control group: accounts scored but not listed, matched one to one to listed accounts.

Matching is on platform (exact), score, followers and account age at the listed account's
listing time, nearest first without replacement within a caliper. Membership is stored with
what it was matched on, and each member is monitored from its match's listing time.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.model import Account, ListEntry, ListKind, Score, StatusObservation
from vigil.model.monitor import ControlMember
from vigil.monitor.schedule import REMOVED

__all__ = ["MatchWeights", "match_controls"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MatchWeights:
    """Scale of each matched quantity: a difference of one scale unit costs 1."""

    score: float = 0.1
    log_followers: float = 0.5  # log10(followers + 1)
    log_age: float = 0.5  # log10(age in days + 1)
    caliper: float = 3.0  # no match farther than this


def _age(created: datetime | None, at: datetime) -> float | None:
    if created is None:
        return None
    return max(0.0, (at - created).total_seconds() / 86400)


def _features(score: float, followers: int | None, age: float | None) -> tuple[float, ...]:
    return (
        score,
        math.log10((followers or 0) + 1),
        math.log10((age if age is not None else 0.0) + 1),
    )


def match_controls(
    session: Session, *, weights: MatchWeights | None = None, now: datetime | None = None
) -> int:
    """Match every listed account that has no control yet; returns how many were added.

    Accounts already seen removed at the listing time cannot be controls: they were never
    at risk from that time on.
    """
    w = weights or MatchWeights()
    scale = np.array([w.score, w.log_followers, w.log_age])
    on_list = set(
        session.execute(
            select(ListEntry.account_id).where(
                ListEntry.kind.in_([ListKind.BLACK.value, ListKind.WHITE.value])
            )
        ).scalars()
    )
    members = list(session.execute(select(ControlMember)).scalars())
    used = {m.account_id for m in members}
    matched = {m.matched_account_id for m in members}
    listed = [
        row
        for row in session.execute(
            select(ListEntry.account_id, ListEntry.added_at, Account, Score.value)
            .join(Account, Account.id == ListEntry.account_id)
            .join(Score, Score.account_id == ListEntry.account_id)
            .where(ListEntry.kind == ListKind.BLACK.value, ListEntry.status == "active")
            .order_by(ListEntry.added_at, ListEntry.account_id)
        ).all()
        if row[0] not in matched
    ]
    if not listed:
        return 0
    removed = _removed_since(session)
    pool = [
        (acc, float(score))
        for acc, score in session.execute(
            select(Account, Score.value).join(Score, Score.account_id == Account.id)
        ).all()
        if acc.id not in on_list and acc.id not in used
    ]
    ids = np.array([a.id for a, _ in pool], dtype=np.int64)
    platform = np.array([a.platform_id for a, _ in pool], dtype=np.int64)
    score = np.array([s for _, s in pool], dtype=float)
    log_followers = np.log10(np.array([(a.followers_count or 0) for a, _ in pool], float) + 1)
    created = np.array([_epoch(a.created_at) for a, _ in pool], dtype=float)
    gone = np.array([removed.get(a.id, math.inf) for a, _ in pool], dtype=float)
    free = np.ones(len(pool), dtype=bool)
    added = 0
    for account_id, added_at, acc, listed_score in listed:
        at = added_at.timestamp()
        mine = np.array(
            _features(float(listed_score), acc.followers_count, _age(acc.created_at, added_at))
        )
        ok = free & (platform == acc.platform_id) & (gone > at)
        if not ok.any():
            continue
        age = np.where(np.isnan(created), 0.0, np.maximum(0.0, (at - created) / 86400))
        feats = np.stack([score, log_followers, np.log10(age + 1)], axis=1)
        dist = np.sqrt((((feats - mine) / scale) ** 2).sum(axis=1))
        dist[~ok] = np.inf
        i = int(np.argmin(dist))
        if dist[i] > w.caliper:
            continue
        free[i] = False
        control = pool[i][0]
        session.add(
            ControlMember(
                account_id=int(ids[i]),
                matched_account_id=account_id,
                platform_id=control.platform_id,
                index_at=added_at,
                score=float(score[i]),
                followers=control.followers_count,
                age_days=_age(control.created_at, added_at),
                distance=round(float(dist[i]), 6),
                **({"created_at": now} if now is not None else {}),
            )
        )
        added += 1
    session.flush()
    log.info("control group: %s new members", added)
    return added


def _epoch(when: datetime | None) -> float:
    return when.timestamp() if when is not None else math.nan


def _removed_since(session: Session) -> dict[int, float]:
    """When each account was first seen removed (epoch seconds)."""
    rows = session.execute(
        select(StatusObservation.account_id, func.min(StatusObservation.observed_at))
        .where(StatusObservation.status.in_(sorted(REMOVED)))
        .group_by(StatusObservation.account_id)
    ).all()
    return {int(a): t.timestamp() for a, t in rows}
