"""Dependencies every router shares, as `Annotated` aliases: the store, the settings, the
signed-in reviewer (by session cookie or API token), role checks and CSRF verification."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vigil.model import UserRole
from vigil.store import Database
from vigil.web.sessions import WebUser, load_session, web_user
from vigil.web.settings import WebSettings

__all__ = [
    "ANON_COOKIE",
    "SESSION_COOKIE",
    "Analyst",
    "ApiUser",
    "CsrfRejected",
    "CurrentUser",
    "Db",
    "DbSession",
    "Lead",
    "LoginRequired",
    "MaybeUser",
    "Settings",
    "client_address",
    "csrf_token_for",
    "require",
    "verify_csrf",
]

SESSION_COOKIE = "vigil_session"
ANON_COOKIE = "vigil_anon"


class LoginRequired(Exception):
    """No valid session (HTML: redirect to /login) or token (API: 401)."""


class RoleRequired(Exception):
    """Signed in, but the role does not allow this route (403)."""

    def __init__(self, role: UserRole) -> None:
        super().__init__(f"this needs the {role.value} role or higher")


class CsrfRejected(Exception):
    """A state-changing request without the right CSRF token (403)."""


def get_db(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


def get_settings(request: Request) -> WebSettings:
    settings = request.app.state.settings
    assert isinstance(settings, WebSettings)
    return settings


Db = Annotated[Database, Depends(get_db)]
Settings = Annotated[WebSettings, Depends(get_settings)]


def get_session(db: Db) -> Iterator[Session]:
    with db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def optional_user(request: Request, db: Db) -> WebUser | None:
    """The session's reviewer, looked up once per request."""
    if hasattr(request.state, "user"):
        cached: WebUser | None = request.state.user
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    user = None
    if token:
        with db.session() as session:
            user = load_session(session, token)
    request.state.user = user
    return user


MaybeUser = Annotated[WebUser | None, Depends(optional_user)]


def current_user(user: MaybeUser) -> WebUser:
    if user is None:
        raise LoginRequired
    return user


CurrentUser = Annotated[WebUser, Depends(current_user)]


def require(role: UserRole) -> Callable[[WebUser], WebUser]:
    def check(user: CurrentUser) -> WebUser:
        if not user.at_least(role):
            raise RoleRequired(role)
        return user

    return check


Analyst = Annotated[WebUser, Depends(require(UserRole.ANALYST))]
Lead = Annotated[WebUser, Depends(require(UserRole.LEAD))]


def api_user(request: Request, db: Db) -> WebUser:
    """The reviewer behind `Authorization: Bearer <token>` (tokens are stored hashed)."""
    from vigil.review.users import user_for_token

    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise LoginRequired
    view = user_for_token(db, token.strip())
    if view is None or not view.active:
        raise LoginRequired
    from vigil.model import User

    with db.session() as session:
        user = session.get(User, view.id)
        if user is None:
            raise LoginRequired
        return web_user(session, user)


ApiUser = Annotated[WebUser, Depends(api_user)]


def csrf_token_for(request: Request) -> str:
    """The token forms must echo: the session's own, else one bound to the anonymous cookie."""
    user: WebUser | None = getattr(request.state, "user", None)
    if user is not None and user.csrf_token:
        return user.csrf_token
    anon = request.cookies.get(ANON_COOKIE) or getattr(request.state, "anon", "")
    if not anon:
        return ""
    settings = request.app.state.settings
    mac = hmac.new(settings.secret, f"csrf:{anon}".encode(), hashlib.sha256)
    return mac.hexdigest()


async def verify_csrf(request: Request, user: MaybeUser) -> None:
    """Unsafe methods need the token in the `X-CSRF-Token` header or a `csrf_token` field."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else ""
    expected = csrf_token_for(request) if request.cookies.get(ANON_COOKIE) or user else ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected
