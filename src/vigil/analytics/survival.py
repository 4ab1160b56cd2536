"""Time to action: Kaplan-Meier curves from listing (or from report) to the platform's action.

Accounts still up are censored at their last check, and so are accounts that left another
way (deleted, deactivated, not found) at that exit. Figures are the ones Conway et al.
(2017) published for Twitter: the median, and the share gone by 2, 5 and 90 days.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from lifelines import KaplanMeierFitter  # type: ignore[import-untyped, unused-ignore]

from vigil.analytics.dataset import AccountRow
from vigil.analytics.events import Course

__all__ = ["HORIZONS", "Duration", "durations", "km_summary"]

HORIZONS = (2, 5, 90)
_DAY = 86400.0
_MIN_N = 1


@dataclass(frozen=True, slots=True)
class Duration:
    key: str
    days: float
    event: bool


def durations(
    accounts: Iterable[AccountRow],
    course: Mapping[str, Course],
    origin: Callable[[AccountRow], datetime | None],
    end: Callable[[AccountRow], datetime | None] = lambda a: None,
) -> list[Duration]:
    """Follow-up of each account from its origin: to the action, or censored.

    Accounts never checked after their origin, or gone before it, are left out.
    """
    out: list[Duration] = []
    for a in accounts:
        start = origin(a)
        c = course.get(a.key)
        if start is None or c is None or c.last_seen < start:
            continue
        stop = end(a)
        if c.action_at is not None and (stop is None or c.action_at <= stop):
            if c.action_at <= start:
                continue  # already gone at the origin: not a response to anything
            out.append(Duration(a.key, (c.action_at - start).total_seconds() / _DAY, True))
            continue
        if c.exit_at is not None and c.exit_at < start:
            continue
        last = c.exit_at or c.last_seen
        if stop is not None and stop < last:
            last = stop
        out.append(Duration(a.key, max(0.0, (last - start).total_seconds() / _DAY), False))
    return out


def _r(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def km_summary(rows: list[Duration], *, curve: bool = True) -> dict[str, Any]:
    """n, events, median days (None if not reached), share gone by each horizon, the curve."""
    n = len(rows)
    events = sum(1 for r in rows if r.event)
    summary: dict[str, Any] = {"n": n, "events": events, "median_days": None}
    summary.update({f"gone_by_{h}d": None for h in HORIZONS})
    if n < _MIN_N:
        if curve:
            summary["curve"] = []
        return summary
    kmf = KaplanMeierFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kmf.fit(
            np.array([r.days for r in rows], dtype=float),
            event_observed=np.array([r.event for r in rows], dtype=bool),
        )
    summary["median_days"] = _r(float(kmf.median_survival_time_))
    follow = max(r.days for r in rows)
    for h in HORIZONS:
        # Beyond the longest follow-up the curve says nothing: no figure rather than a guess.
        if h <= follow:
            s = float(kmf.survival_function_at_times([float(h)]).iloc[0])
            summary[f"gone_by_{h}d"] = _r(1.0 - s)
    if curve:
        sf = kmf.survival_function_
        summary["curve"] = [
            [_r(float(t)), _r(float(v))] for t, v in zip(sf.index, sf.iloc[:, 0], strict=True)
        ]
    return summary
