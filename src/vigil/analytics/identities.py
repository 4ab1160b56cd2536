"""Counting people, not accounts: removals by identity, and who came back how fast.

An identity is removed when every account of it seen so far was acted on; it came back
when one of its accounts was created after another of its accounts was acted on. The
return delay runs from that action to the new account's creation.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from vigil.analytics.dataset import LINKED, LISTED, AccountRow
from vigil.analytics.events import Course

__all__ = ["identity_summary"]

_DAY = 86400.0


def identity_summary(
    accounts: Sequence[AccountRow], course: Mapping[str, Course]
) -> dict[str, Any]:
    members: dict[str, list[AccountRow]] = defaultdict(list)
    for a in accounts:
        if a.cohort in (LISTED, LINKED):
            members[a.identity].append(a)
    listed_identities = {a.identity for a in accounts if a.cohort == LISTED}
    accounts_removed = sum(
        1 for a in accounts if a.cohort == LISTED and _acted(course, a.key) is not None
    )
    removed = 0
    returned_after: list[float] = []
    for identity in listed_identities:
        group = members[identity]
        actions = [t for a in group if (t := _acted(course, a.key)) is not None]
        if group and all(_acted(course, a.key) is not None for a in group):
            removed += 1
        if not actions:
            continue
        first_action = min(actions)
        later = [
            a.created_at for a in group if a.created_at is not None and a.created_at > first_action
        ]
        if later:
            returned_after.append((min(later) - first_action).total_seconds() / _DAY)
    return {
        "accounts_listed": sum(1 for a in accounts if a.cohort == LISTED),
        "accounts_removed": accounts_removed,
        "identities_listed": len(listed_identities),
        "identities_removed": removed,
        "identities_returned": len(returned_after),
        "median_days_to_return": round(statistics.median(returned_after), 4)
        if returned_after
        else None,
    }


def _acted(course: Mapping[str, Course], key: str) -> datetime | None:
    c = course.get(key)
    return c.action_at if c is not None else None
