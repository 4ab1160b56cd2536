"""How many supporter accounts exist: Chapman's capture-recapture across discovery routes.

Each confirmed (listed) account is "caught" by the routes that found it: hash matches,
network expansion, lexicon, imported lists. Assumptions, stated in the report: a closed
population, routes that catch independently, equal catchability within a route, and only
true supporters as catches (only listed accounts count). Positively dependent routes (an
account loud in one is loud in all) bias the estimate low.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from vigil.analytics.dataset import LISTED, AccountRow

__all__ = ["ASSUMPTIONS", "chapman", "population_estimate"]

Z95 = 1.959964
ASSUMPTIONS = (
    "closed population over the study period",
    "discovery routes catch accounts independently of each other",
    "every account equally catchable by a given route",
    "only confirmed (listed) accounts count as catches",
)


def chapman(n1: int, n2: int, m: int) -> dict[str, Any]:
    """Chapman's estimate, its variance and a 95% interval for one pair of captures.

    N = (n1+1)(n2+1)/(m+1) - 1, var = (n1+1)(n2+1)(n1-m)(n2-m) / ((m+1)^2 (m+2)), and a
    normal interval floored at the accounts actually seen (n1 + n2 - m).
    """
    if m > min(n1, n2) or min(n1, n2, m) < 0:
        raise ValueError("recaptures cannot exceed either capture")
    n = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    seen = n1 + n2 - m
    half = Z95 * math.sqrt(var)
    return {
        "n1": n1,
        "n2": n2,
        "m": m,
        "estimate": round(n, 2),
        "variance": round(var, 2),
        "ci95": [round(max(float(seen), n - half), 2), round(n + half, 2)],
    }


def population_estimate(accounts: Sequence[AccountRow], unit: str = "accounts") -> dict[str, Any]:
    """Every pair of routes, and the headline: the pair with the most recaptures.

    `unit` is "accounts", or "identities" (a person behind several accounts counts once).
    """
    caught: dict[str, set[str]] = {}
    for a in accounts:
        if a.cohort != LISTED:
            continue
        for route in a.routes:
            caught.setdefault(route, set()).add(a.identity if unit == "identities" else a.key)
    pairs = []
    for r1, r2 in itertools.combinations(sorted(caught), 2):
        first, second = caught[r1], caught[r2]
        est = chapman(len(first), len(second), len(first & second))
        pairs.append({"routes": [r1, r2], **est})
    usable = [p for p in pairs if p["m"] > 0]
    headline = max(usable, key=lambda p: (p["m"], p["routes"]), default=None)
    return {
        "unit": unit,
        "routes": {r: len(ids) for r, ids in sorted(caught.items())},
        "pairs": pairs,
        "headline": headline,
        "assumptions": list(ASSUMPTIONS),
    }
