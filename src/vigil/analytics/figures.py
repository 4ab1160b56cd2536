"""Every figure of the transparency report, computed from the dataset alone.

`compute_figures` is what `vigil report` publishes and what `vigil report verify` runs again
on the exported dataset; the two results must be equal, number for number. `inputs` are the
few counts the export cannot hold (candidates scored, accounts reviewed): stated, and signed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from vigil.analytics.attribution import hazard_ratio
from vigil.analytics.census import census
from vigil.analytics.dataset import CONTROL, LISTED, AccountRow, Dataset
from vigil.analytics.events import Course, courses
from vigil.analytics.identities import identity_summary
from vigil.analytics.population import population_estimate
from vigil.analytics.survival import durations, km_summary
from vigil.analytics.waves import daily_counts, detect_waves

__all__ = ["compute_figures"]


def _origins(accounts: Sequence[AccountRow]) -> dict[str, datetime | None]:
    return {a.key: a.listed_at if a.cohort == LISTED else a.index_at for a in accounts}


def _by(
    rows: Sequence[AccountRow],
    course: Mapping[str, Course],
    origin: Callable[[AccountRow], datetime | None],
    group: Callable[[AccountRow], str],
) -> dict[str, Any]:
    groups: dict[str, list[AccountRow]] = defaultdict(list)
    for a in rows:
        groups[group(a) or "unknown"].append(a)
    return {
        name: km_summary(durations(members, course, origin), curve=False)
        for name, members in sorted(groups.items())
    }


def _time_to_action(
    listed: Sequence[AccountRow],
    course: Mapping[str, Course],
    origin: Callable[[AccountRow], datetime | None],
) -> dict[str, Any]:
    return {
        "all": km_summary(durations(listed, course, origin)),
        "by_platform": _by(listed, course, origin, lambda a: a.platform),
        "by_criterion": _by(listed, course, origin, lambda a: a.criterion),
    }


def compute_figures(ds: Dataset, inputs: Mapping[str, Any]) -> dict[str, Any]:
    accounts = ds.accounts
    course = courses(ds.observations, _origins(accounts))
    listed = [a for a in accounts if a.cohort == LISTED]
    reported = [a for a in listed if a.reported_at is not None]
    acted = [
        c.action_at
        for a in listed
        if (c := course.get(a.key)) is not None
        and c.action_at is not None
        and a.listed_at is not None
        and c.action_at > a.listed_at
    ]
    first = min((a.listed_at for a in listed if a.listed_at), default=None)
    last = max((o.observed_at for o in ds.observations), default=None)
    series = daily_counts(
        acted, first.date() if first else None, last.date() if last and first else None
    )
    statuses = Counter(o.status for o in ds.observations)
    return {
        "funnel": {
            "candidates": int(inputs.get("candidates", 0)),
            "reviewed": int(inputs.get("reviewed", 0)),
            "listed": len(listed),
            "reported": len(reported),
            "removed": len(acted),
        },
        "observations": {
            "checks": len(ds.observations),
            "accounts": len({o.key for o in ds.observations}),
            "by_status": dict(sorted(statuses.items())),
            "first": min(o.observed_at for o in ds.observations).isoformat()
            if ds.observations
            else None,
            "last": last.isoformat() if last else None,
            "reinstated": sum(1 for c in course.values() if c.reinstated),
        },
        "waves": {
            "daily": [[d.isoformat(), n] for d, n in series],
            "waves": detect_waves(series),
        },
        "time_to_action": {
            "from_listing": _time_to_action(listed, course, lambda a: a.listed_at),
            "from_report": _time_to_action(reported, course, lambda a: a.reported_at),
        },
        "attribution": hazard_ratio([a for a in accounts if a.cohort in (LISTED, CONTROL)], course),
        "identities": identity_summary(accounts, course),
        "population": {
            "accounts": population_estimate(accounts, "accounts"),
            "identities": population_estimate(accounts, "identities"),
        },
        "census": census(accounts),
    }
