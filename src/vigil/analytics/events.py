"""From status observations to each account's course: when the platform acted, if it did.

The platform acted between the last check that found the account up and the first that
found it suspended (taken down on Bluesky); the midpoint of that interval is the event's
estimate, so with daily checks it falls on the right day. Other exits (not found, deleted,
deactivated) may be the owner's doing: they end follow-up without counting as an action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from vigil.analytics.dataset import ObservationRow

__all__ = ["ACTION", "OTHER_EXIT", "Course", "courses"]

ACTION = frozenset({"suspended", "taken_down"})
OTHER_EXIT = frozenset({"not_found", "deleted", "deactivated"})


@dataclass(frozen=True, slots=True)
class Course:
    """What the checks of one account show."""

    first_seen: datetime
    last_seen: datetime
    action_at: datetime | None  # estimated time of the platform's action
    exit_at: datetime | None  # estimated time of another exit, before any action
    reinstated: bool  # seen up again after the action


def _midpoint(low: datetime | None, high: datetime) -> datetime:
    return high if low is None or low > high else low + (high - low) / 2


def courses(
    observations: Iterable[ObservationRow], origins: Mapping[str, datetime | None]
) -> dict[str, Course]:
    """Each observed account's course; `origins` bound the interval of a first check that
    already finds the account gone (the account was up when listed)."""
    by_key: dict[str, list[ObservationRow]] = defaultdict(list)
    for o in observations:
        by_key[o.key].append(o)
    result: dict[str, Course] = {}
    for key, rows in by_key.items():
        rows.sort(key=lambda o: (o.observed_at, o.status))
        last_up: datetime | None = origins.get(key)
        action_at = exit_at = None
        reinstated = False
        for o in rows:
            if o.status in ACTION:
                if action_at is None and exit_at is None:
                    action_at = _midpoint(last_up, o.observed_at)
            elif o.status in OTHER_EXIT:
                if action_at is None and exit_at is None:
                    exit_at = _midpoint(last_up, o.observed_at)
            else:
                if action_at is not None:
                    reinstated = True
                if action_at is None and exit_at is None:
                    last_up = o.observed_at if last_up is None else max(last_up, o.observed_at)
        result[key] = Course(
            rows[0].observed_at, rows[-1].observed_at, action_at, exit_at, reinstated
        )
    return result
