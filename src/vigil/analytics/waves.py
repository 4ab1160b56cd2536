"""Suspension waves: listed accounts the platform acted on, per UTC day, and the bursts.

A burst is a day far above the recent baseline: at least `min_count` actions and more than
the median of the previous `window` days plus `k` Poisson standard deviations of it (with
at least `min_history` days of history: the first days have no baseline to be far above).
Consecutive burst days make one wave ("2,000 gone, then two weeks of nothing, then 10,000").
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

__all__ = ["BurstRule", "daily_counts", "detect_waves"]


@dataclass(frozen=True, slots=True)
class BurstRule:
    window: int = 14
    k: float = 3.0
    min_count: int = 3
    min_history: int = 7


def daily_counts(
    events: Iterable[datetime], first: date | None = None, last: date | None = None
) -> list[tuple[date, int]]:
    """Actions per UTC day from `first` to `last` (default: the events' span), zeros kept."""
    counts = Counter(e.date() for e in events)
    if not counts and (first is None or last is None):
        return []
    lo = first or min(counts)
    hi = last or max(counts)
    days = (hi - lo).days
    return [
        (lo + timedelta(days=i), counts.get(lo + timedelta(days=i), 0)) for i in range(days + 1)
    ]


def detect_waves(
    series: list[tuple[date, int]], rule: BurstRule | None = None
) -> list[dict[str, Any]]:
    """Waves of burst days, each with its first and last day, length, total and baseline."""
    r = rule or BurstRule()
    bursts: list[tuple[date, int, float]] = []
    for i, (day, count) in enumerate(series):
        history = [c for _, c in series[max(0, i - r.window) : i]]
        if len(history) < r.min_history:
            continue
        baseline = statistics.median(history)
        threshold = baseline + r.k * math.sqrt(max(baseline, 1.0))
        if count >= r.min_count and count > threshold:
            bursts.append((day, count, float(baseline)))
    waves: list[dict[str, Any]] = []
    for day, count, baseline in bursts:
        if waves and (day - date.fromisoformat(waves[-1]["last_day"])).days == 1:
            w = waves[-1]
            w["last_day"] = day.isoformat()
            w["days"] += 1
            w["actions"] += count
            continue
        waves.append(
            {
                "first_day": day.isoformat(),
                "last_day": day.isoformat(),
                "days": 1,
                "actions": count,
                "baseline": round(baseline, 4),
            }
        )
    return waves
