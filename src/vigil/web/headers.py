"""Security headers on every response (a strict CSP: scripts and styles only from Vigil
itself, no inline code, images and media only from Vigil's own store) and the anonymous
cookie that binds public forms' CSRF tokens."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

from vigil.web.deps import ANON_COOKIE

__all__ = ["CSP", "security_headers"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    new_anon = ""
    if not request.cookies.get(ANON_COOKIE):
        new_anon = secrets.token_urlsafe(24)
        request.state.anon = new_anon
    response = await call_next(request)
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith("/static/"):
        # Review pages show evidence: never keep them in shared or disk caches.
        response.headers.setdefault("Cache-Control", "no-store")
    if new_anon:
        settings = request.app.state.settings
        response.set_cookie(
            ANON_COOKIE,
            new_anon,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies or request.url.scheme == "https",
            path="/",
        )
    return response
