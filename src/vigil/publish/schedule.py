"""When the next installment may go out: a minimum interval and UTC quiet hours.

Retractions ignore both: a correction should never wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from vigil.config import PublishSettings

__all__ = ["in_quiet_hours", "next_installment_at"]


def in_quiet_hours(now: datetime, quiet: tuple[int, int] | None) -> bool:
    """Whether `now` (UTC hour) falls in [start, end), which may wrap midnight."""
    if quiet is None:
        return False
    start, end = quiet
    hour = now.hour
    if start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def _quiet_end(now: datetime, quiet: tuple[int, int]) -> datetime:
    end = now.replace(hour=quiet[1], minute=0, second=0, microsecond=0)
    return end if end > now else end + timedelta(days=1)


def next_installment_at(
    now: datetime, last: datetime | None, settings: PublishSettings
) -> datetime:
    """The earliest time a listing installment may be published (<= now means due)."""
    due = now if last is None else max(now, last + timedelta(seconds=settings.min_interval))
    if settings.quiet_hours is not None and in_quiet_hours(due, settings.quiet_hours):
        due = _quiet_end(due, settings.quiet_hours)
    return due
