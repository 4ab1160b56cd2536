"""The ``/_sim/*`` control routes (no auth: a loopback tool): clock, reports, accounts, reset,
and the platform's configuration (whether it responds to reports)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vigil.sim.server.context import SimContext
from vigil.sim.server.index import epoch

__all__ = ["control_routes"]


def _clock_body(ctx: SimContext) -> dict[str, Any]:
    now = ctx.clock.now()
    return {"now": now.isoformat(), "epoch": now.timestamp(), "speed": ctx.clock.speed}


def control_routes(ctx: SimContext) -> list[BaseRoute]:
    async def get_clock(request: Request) -> Response:
        return JSONResponse(_clock_body(ctx))

    async def set_clock(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        try:
            if "now" in body:
                when = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
                ctx.clock.set(when if when.tzinfo else when.replace(tzinfo=UTC))
            elif "advance_seconds" in body:
                ctx.clock.advance(float(body["advance_seconds"]))
            else:
                return JSONResponse({"error": "give advance_seconds or now"}, status_code=400)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(_clock_body(ctx))

    async def reports(request: Request) -> Response:
        return JSONResponse({"reports": [r.to_json() for r in ctx.state.reports]})

    async def account(request: Request) -> Response:
        acc = ctx.index.accounts.get(request.path_params["id"])
        if acc is None:
            return JSONResponse({"error": "unknown account"}, status_code=404)
        now = ctx.now()
        when = ctx.state.suspended_at(acc)
        return JSONResponse(
            {
                "id": acc.id,
                "handle": acc.handle,
                "exists": ctx.index.exists(acc, now),
                "suspended": ctx.state.is_suspended(acc, now),
                "suspended_at": when.isoformat() if when else None,
                "world_suspended_at": acc.suspended_at.isoformat() if acc.suspended_at else None,
                "report_brought_forward": when is not None
                and (acc.suspended_at is None or epoch(when) < epoch(acc.suspended_at)),
            }
        )

    async def reset(request: Request) -> Response:
        """Forget reports, report-driven suspensions and rate-limit windows; clock to world end."""
        ctx.state.reset()
        ctx.limiter.reset()
        ctx.clock.set(ctx.index.world.end)
        return JSONResponse(_clock_body(ctx))

    def _config_body() -> dict[str, Any]:
        h = ctx.state.hazard
        return {
            "respond_to_reports": h.respond_to_reports,
            "report_multiplier": h.report_multiplier,
            "daily_hazard": h.daily_hazard,
        }

    async def get_config(request: Request) -> Response:
        return JSONResponse(_config_body())

    async def set_config(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("respond_to_reports"), bool):
            return JSONResponse(
                {"error": 'expected {"respond_to_reports": true|false}'}, status_code=400
            )
        ctx.state.respond(body["respond_to_reports"])
        return JSONResponse(_config_body())

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "accounts": len(ctx.index.accounts)})

    return [
        Route("/_sim/clock", get_clock, methods=["GET"]),
        Route("/_sim/clock", set_clock, methods=["POST"]),
        Route("/_sim/reports", reports, methods=["GET"]),
        Route("/_sim/accounts/{id}", account, methods=["GET"]),
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/config", get_config, methods=["GET"]),
        Route("/_sim/config", set_config, methods=["POST"]),
        Route("/_sim/health", health, methods=["GET"]),
    ]
