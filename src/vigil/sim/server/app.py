"""The sim server application: one Starlette app with the X, Mastodon and Bluesky routers.

The server shows the world as of its simulated clock (default: the world's end). With
``clock_speed > 0`` the clock also runs at that multiple of wall time, so a client that
sleeps until ``x-rate-limit-reset`` (sim epoch seconds; ``x-sim-now`` gives the sim now)
makes progress without a test advancing ``/_sim/clock``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vigil.sim.server.bluesky_api import bluesky_routes
from vigil.sim.server.clock import SimClock
from vigil.sim.server.context import SimContext
from vigil.sim.server.control import control_routes
from vigil.sim.server.index import WorldIndex
from vigil.sim.server.mastodon_api import mastodon_routes
from vigil.sim.server.media import media_routes
from vigil.sim.server.ratelimit import DEFAULT_WINDOW_SECONDS, DEFAULT_X_LIMITS, RateLimiter
from vigil.sim.server.state import HazardParams, SimState
from vigil.sim.server.x_api import x_routes
from vigil.sim.world import World, load_world

__all__ = ["create_sim_app", "serve"]

log = logging.getLogger(__name__)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    path = request.url.path
    if path.startswith("/2/"):
        body: object = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}
    elif path.startswith("/xrpc/"):
        body = {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
    else:
        body = {"error": "Record not found" if status == 404 else "Method not allowed"}
    return JSONResponse(body, status_code=status)


def create_sim_app(
    world: World,
    *,
    token: str = "sim-token",  # noqa: S107 - a loopback test credential, not a secret
    clock_speed: float = 0.0,
    start: datetime | None = None,
    x_rate_limits: Mapping[str, int] | None = None,
    rate_window_seconds: int = DEFAULT_WINDOW_SECONDS,
    media_dir: Path | None = None,
) -> Starlette:
    """Index ``world`` once and build the app.

    ``token`` is the bearer token for X and Mastodon and the password for a Bluesky session.
    ``x_rate_limits`` overrides per-family limits (users_lookup, user_tweets, followers,
    following) per window. ``media_dir`` is the world directory holding the media files.
    """
    limits = dict(DEFAULT_X_LIMITS)
    limits.update(x_rate_limits or {})
    ctx = SimContext(
        index=WorldIndex(world),
        state=SimState(HazardParams.from_world_params(world.params)),
        clock=SimClock(start or world.end, clock_speed),
        limiter=RateLimiter(limits, rate_window_seconds),
        token=token,
        media_dir=media_dir,
    )
    routes = [
        *control_routes(ctx),
        *x_routes(ctx),
        *mastodon_routes(ctx),
        *bluesky_routes(ctx),
        *media_routes(ctx),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    app.state.sim = ctx
    return app


def serve(world_dir: Path, host: str = "127.0.0.1", port: int = 8787) -> None:
    """Load the canonical world under ``world_dir`` and serve it until interrupted."""
    import uvicorn

    world = load_world(world_dir)
    app = create_sim_app(world, media_dir=world_dir)
    log.info("serving %s on http://%s:%s", world_dir, host, port)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
