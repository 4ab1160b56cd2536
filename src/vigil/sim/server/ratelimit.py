"""Per-token, per-endpoint rate limits in fixed windows on the sim clock, as X counts them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_WINDOW_SECONDS", "DEFAULT_X_LIMITS", "RateLimiter", "RateStatus"]

DEFAULT_WINDOW_SECONDS = 15 * 60
# X's app-auth limits per 15 minutes for the endpoints the sim serves.
DEFAULT_X_LIMITS: Mapping[str, int] = {
    "users_lookup": 300,
    "user_tweets": 900,
    "followers": 15,
    "following": 15,
}


@dataclass(frozen=True, slots=True)
class RateStatus:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds on the sim clock

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset),
        }


class RateLimiter:
    """A window opens at a family's first request and closes ``window`` sim seconds later."""

    def __init__(
        self, limits: Mapping[str, int], window_seconds: int = DEFAULT_WINDOW_SECONDS
    ) -> None:
        self._limits = dict(limits)
        self._window = window_seconds
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # -> (reset, used)

    def limit_for(self, family: str) -> int:
        return self._limits[family]

    def hit(self, token: str, family: str, now: float) -> RateStatus:
        """Count one request at sim epoch ``now``; refused requests do not count."""
        limit = self._limits[family]
        key = (token, family)
        reset, used = self._windows.get(key, (0, 0))
        if now >= reset:
            reset, used = int(now) + self._window, 0
        if used >= limit:
            self._windows[key] = (reset, used)
            return RateStatus(False, limit, 0, reset)
        used += 1
        self._windows[key] = (reset, used)
        return RateStatus(True, limit, limit - used, reset)

    def reset(self) -> None:
        self._windows.clear()
