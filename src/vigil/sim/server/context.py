"""What every router shares: the world's indexes, the state, the clock, limits and credentials."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from vigil.sim.server.clock import SimClock
from vigil.sim.server.index import WorldIndex
from vigil.sim.server.ratelimit import RateLimiter
from vigil.sim.server.state import SimState
from vigil.sim.world import SimAccount

__all__ = ["SimContext", "base_url", "bearer"]


@dataclass(slots=True)
class SimContext:
    index: WorldIndex
    state: SimState
    clock: SimClock
    limiter: RateLimiter
    token: str
    media_dir: Path | None = None

    def now(self) -> float:
        return self.clock.now().timestamp()

    def live(self, acc: SimAccount | None, now: float) -> bool:
        """Exists at ``now`` and is not suspended."""
        return (
            acc is not None
            and self.index.exists(acc, now)
            and not self.state.is_suspended(acc, now)
        )


def base_url(request: Request) -> str:
    """The server's own origin as the client reached it (for media and profile links)."""
    return str(request.base_url).rstrip("/")


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
