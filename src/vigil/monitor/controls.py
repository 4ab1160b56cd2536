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
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.model import Account, ListEntry, ListKind, Score
from vigil.model.monitor import ControlMember

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
    """Match every listed account that has no control yet; returns how many were added."""
    w = weights or MatchWeights()
    scale = np.array([w.score, w.log_followers, w.log_age])
    on_list = {
        a
        for (a,) in session.execute(
            select(ListEntry.account_id).where(
                ListEntry.kind.in_([ListKind.BLACK.value, ListKind.WHITE.value])
            )
        )
    }
    members = list(session.execute(select(ControlMember)).scalars())
    used = {m.account_id for m in members}
    matched = {m.matched_account_id for m in members}
    listed = session.execute(
        select(ListEntry.account_id, ListEntry.added_at, Account, Score.value)
        .join(Account, Account.id == ListEntry.account_id)
        .join(Score, Score.account_id == ListEntry.account_id)
        .where(ListEntry.kind == ListKind.BLACK.value, ListEntry.status == "active")
        .order_by(ListEntry.added_at, ListEntry.account_id)
    ).all()
    pool = [
        (acc, float(score))
        for acc, score in session.execute(
            select(Account, Score.value).join(Score, Score.account_id == Account.id)
        ).all()
        if acc.id not in on_list and acc.id not in used
    ]
    added = 0
    taken: set[int] = set()
    for account_id, added_at, acc, score in listed:
        if account_id in matched:
            continue
        matched.add(account_id)
        mine = np.array(
            _features(float(score), acc.followers_count, _age(acc.created_at, added_at))
        )
        best: tuple[float, Account, float] | None = None
        candidates = [
            (c, s) for c, s in pool if c.platform_id == acc.platform_id and c.id not in taken
        ]
        if not candidates:
            continue
        feats = np.array(
            [_features(s, c.followers_count, _age(c.created_at, added_at)) for c, s in candidates]
        )
        dist = np.sqrt((((feats - mine) / scale) ** 2).sum(axis=1))
        i = int(np.argmin(dist))
        if dist[i] > w.caliper:
            continue
        best = (float(dist[i]), candidates[i][0], candidates[i][1])
        distance, control, control_score = best
        taken.add(control.id)
        session.add(
            ControlMember(
                account_id=control.id,
                matched_account_id=account_id,
                platform_id=control.platform_id,
                index_at=added_at,
                score=control_score,
                followers=control.followers_count,
                age_days=_age(control.created_at, added_at),
                distance=round(distance, 6),
                **({"created_at": now} if now is not None else {}),
            )
        )
        added += 1
    session.flush()
    log.info("control group: %s new members", added)
    return added
