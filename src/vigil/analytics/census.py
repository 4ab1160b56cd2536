"""Census statistics of listed accounts in the form the Brookings ISIS Twitter census used:
followers and activity distributions, languages, account creation dates."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from vigil.analytics.dataset import LISTED, AccountRow

__all__ = ["census"]

_BINS = (0, 10, 100, 1_000, 10_000, 100_000)
_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _distribution(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    arr = np.array(values, dtype=float)
    out: dict[str, Any] = {
        "n": len(values),
        "mean": round(float(arr.mean()), 4),
        **{f"p{int(q * 100)}": round(float(np.quantile(arr, q)), 4) for q in _QUANTILES},
    }
    bins: dict[str, int] = {}
    for lo, hi in zip(_BINS, (*_BINS[1:], None), strict=True):
        label = f"{lo}-{hi - 1}" if hi is not None else f"{lo}+"
        bins[label] = (
            int(((arr >= lo) & (arr < hi)).sum()) if hi is not None else int((arr >= lo).sum())
        )
    out["bins"] = bins
    return out


def census(accounts: Sequence[AccountRow]) -> dict[str, Any]:
    listed = [a for a in accounts if a.cohort == LISTED]
    followers = [float(a.followers) for a in listed if a.followers is not None]
    per_day: list[float] = []
    for a in listed:
        if a.posts is None or a.created_at is None or a.listed_at is None:
            continue
        age = max(1.0, (a.listed_at - a.created_at).total_seconds() / 86400)
        per_day.append(a.posts / age)
    languages = Counter(a.lang or "und" for a in listed)
    created = Counter(a.created_at.strftime("%Y-%m") for a in listed if a.created_at is not None)
    return {
        "accounts": len(listed),
        "followers": _distribution(followers),
        "posts_per_day": _distribution(per_day),
        "posts_per_day_median": round(statistics.median(per_day), 4) if per_day else None,
        "languages": dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        "created_by_month": dict(sorted(created.items())),
    }
