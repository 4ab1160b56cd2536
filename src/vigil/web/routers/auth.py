"""Login, logout and the reviewer's own settings (media reveal preference, API token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from vigil.review.users import authenticate, create_api_token
from vigil.web.deps import (
    SESSION_COOKIE,
    CurrentUser,
    Db,
    MaybeUser,
    Settings,
    client_address,
    verify_csrf,
)
from vigil.web.sessions import end_session, set_reveal_media, start_session
from vigil.web.templating import render
from vigil.web.throttle import check_login, note_login

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host` or a full URL (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


@router.get("/")
def home(user: MaybeUser) -> Response:
    return RedirectResponse("/queue" if user else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request, user: MaybeUser, next: str = "/queue") -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    db: Db,
    settings: Settings,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/queue",
) -> Response:
    address = client_address(request)
    with db.transaction() as session:
        check_login(settings, session, username, address)
    view = authenticate(db, username, password)
    with db.transaction() as session:
        note_login(settings, session, username, address, success=view is not None)
        if view is None:
            token = None
        else:
            token = start_session(
                session,
                view.id,
                hours=settings.session_hours,
                previous=request.cookies.get(SESSION_COOKIE),
            )
    if token is None:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "Wrong username or password."},
            status=401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies or request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, db: Db) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db.transaction() as session:
            end_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/settings")
def settings_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "settings.html", {})


@router.post("/settings")
def save_settings(
    request: Request,
    db: Db,
    user: CurrentUser,
    reveal_media: Annotated[str | None, Form()] = None,
) -> Response:
    with db.transaction() as session:
        set_reveal_media(session, user.id, reveal_media == "on")
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/token")
def new_token(request: Request, db: Db, user: CurrentUser) -> Response:
    """A new API token, shown once; only its hash is kept (the old one stops working)."""
    token = create_api_token(db, user.username)
    return render(request, "settings.html", {"new_token": token})
