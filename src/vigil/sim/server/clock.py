"""The simulated clock: the server shows the world as of this instant, not as of wall time.

Tests move it explicitly; with ``speed > 0`` it also runs with wall time (speed × elapsed),
so a client that sleeps until a rate-limit reset eventually gets there.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

__all__ = ["SimClock"]


class SimClock:
    """Sim time = anchor + (wall seconds since anchoring) × speed; thread-safe."""

    def __init__(self, start: datetime, speed: float = 0.0) -> None:
        if speed < 0:
            raise ValueError("clock speed must be >= 0")
        self._lock = threading.Lock()
        self._speed = speed
        self._anchor = _utc(start)
        self._wall = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        if self._speed <= 0:
            return self._anchor
        elapsed = (time.monotonic() - self._wall) * self._speed
        return self._anchor + timedelta(seconds=elapsed)

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (backwards too: tests may replay an earlier state)."""
        with self._lock:
            self._anchor = _utc(when)
            self._wall = time.monotonic()
            return self._anchor

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._anchor = self._now_locked() + timedelta(seconds=seconds)
            self._wall = time.monotonic()
            return self._anchor


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
