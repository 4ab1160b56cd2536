"""The app factory: `create_app(settings)` builds the workbench, the public forms and the
JSON API on one store; every Vigil error becomes an HTTP status, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

import vigil
from vigil.config import Settings
from vigil.errors import VigilError
from vigil.store import Database, open_database
from vigil.web.deps import CsrfRejected, LoginRequired, RoleRequired
from vigil.web.headers import security_headers
from vigil.web.public import SpentChallenges
from vigil.web.ratelimit import AddressLimiter, PublicRateLimit
from vigil.web.settings import WebSettings
from vigil.web.templating import make_templates, render
from vigil.web.throttle import Throttled

__all__ = ["create_app"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "a valid API token is required"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(RoleRequired)
    async def role_required(request: Request, exc: RoleRequired) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return _error(
            request, 403, "the form's security token is missing or wrong: reload the page"
        )

    @app.exception_handler(Throttled)
    async def throttled(request: Request, exc: Throttled) -> Response:
        response = _error(request, 429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(VigilError)
    async def vigil_error(request: Request, exc: VigilError) -> Response:
        if exc.http_status >= 500:
            log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return _error(request, exc.http_status, str(exc))


def create_app(settings: Settings | WebSettings, *, db: Database | None = None) -> FastAPI:
    """The workbench app; pass `db` to share an open store (tests), else one is opened."""
    web = settings if isinstance(settings, WebSettings) else WebSettings.from_settings(settings)
    database = db if db is not None else open_database(web.core)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if db is None:
            database.dispose()

    app = FastAPI(
        title="Vigil",
        version=vigil.__version__,
        description="Review workbench API: the queue, accounts, decisions, lists, appeals, tips.",
        docs_url=None,  # Swagger UI needs inline scripts and a CDN; the CSP allows neither.
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = web
    app.state.db = database
    app.state.templates = make_templates()
    app.state.spent_challenges = SpentChallenges()
    app.middleware("http")(security_headers)
    app.state.public_limiter = AddressLimiter.from_env()
    app.add_middleware(PublicRateLimit, limiter=app.state.public_limiter)  # outermost
    _install_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    from vigil.web.routers import (
        accounts,
        api,
        appeals,
        audit,
        auth,
        dashboard,
        feeds,
        lists,
        media,
        queue,
        tips,
    )

    for module in (auth, dashboard, queue, accounts, lists, appeals, tips, audit, media):
        app.include_router(module.router, include_in_schema=False)
    app.include_router(api.router)
    app.include_router(feeds.router)
    return app
