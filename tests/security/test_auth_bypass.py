"""Authentication bypass: every route outside the public set refuses a request without a valid
session (pages: redirect to /login) or bearer token (API: 401), forged, expired and ended
sessions and disabled users included; a session id planted before login is not kept."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.security.conftest import PUBLIC, counts, fill, routes
from tests.web.world import World, form_token, login
from vigil.model import User, utcnow
from vigil.model.web import WebSession
from vigil.review.users import create_api_token
from vigil.store import Database


def _protected(app: FastAPI) -> list[tuple[str, str]]:
    found = [r for r in routes(app) if r not in PUBLIC and r[0] in {"GET", "POST"}]
    assert len(found) >= 15, found  # the enumeration itself must see the app
    return found


def _refused(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, follow_redirects=False)
    if path.startswith("/api/"):
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers.get("www-authenticate") == "Bearer"
    elif method == "GET":
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/login?next=")
    else:  # an unsafe method is stopped by CSRF before the login check, or redirected
        assert response.status_code in {303, 403}, (method, path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")


def test_every_non_public_route_needs_a_login(
    app: FastAPI, client: TestClient, world: World, db: Database
) -> None:
    before = counts(db)
    for method, path in _protected(app):
        app.state.public_limiter.reset()  # the anonymous rate limit would answer 429 first
        _refused(client, method, fill(path, world))
    assert counts(db) == before


@pytest.mark.parametrize(
    "cookie",
    [
        "forged",
        secrets.token_urlsafe(32),
        "' OR '1'='1",
        "x" * 5000,
    ],
)
def test_forged_session_cookies_are_refused(
    app: FastAPI, client: TestClient, world: World, cookie: str
) -> None:
    client.cookies.set("vigil_session", cookie, domain="testserver.local")
    for method, path in _protected(app):
        if method == "GET":
            _refused(client, method, fill(path, world))


def _session_rows(db: Database) -> list[WebSession]:
    with db.session() as s:
        return list(s.scalars(sa.select(WebSession)))


def test_expired_ended_and_disabled_sessions_are_refused(
    signed_in: Callable[[str], TestClient], db: Database, world: World
) -> None:
    ann = signed_in("ann")
    assert ann.get("/queue").status_code == 200
    with db.transaction() as s:
        s.execute(sa.update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    _refused(ann, "GET", "/queue")
    _refused(ann, "GET", f"/accounts/{world.target}")
    bob = signed_in("bob")
    assert bob.get("/queue").status_code == 200
    with db.transaction() as s:
        s.execute(sa.update(User).where(User.username == "bob").values(active=False))
    _refused(bob, "GET", "/queue")
    lea = signed_in("lea")
    stolen = lea.cookies.get("vigil_session")
    lea.post("/logout", data={"csrf_token": form_token(lea, "/settings")})
    lea.cookies.set("vigil_session", stolen or "", domain="testserver.local")
    _refused(lea, "GET", "/queue")


def test_api_needs_a_valid_bearer_token(
    app: FastAPI, signed_in: Callable[[str], TestClient], db: Database, world: World
) -> None:
    # A signed-in browser's cookie never authenticates the API (no CSRF through the API).
    browser = signed_in("ada")
    api = [(m, p) for m, p in _protected(app) if p.startswith("/api/")]
    assert len(api) >= 6
    for method, path in api:
        _refused(browser, method, fill(path, world))
    good = create_api_token(db, "ann")
    for header in (
        "Bearer wrong-" + good,
        "Bearer ",
        "Bearer " + good[:-1],
        "Basic " + good,
        good,
        "Bearer " + good + "' OR '1'='1",
    ):
        r = browser.get("/api/me", headers={"Authorization": header})
        assert r.status_code == 401, header
    assert browser.get("/api/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    with db.transaction() as s:
        s.execute(sa.update(User).where(User.username == "ann").values(active=False))
    assert browser.get("/api/me", headers={"Authorization": f"Bearer {good}"}).status_code == 401


def test_session_fixation_a_planted_id_is_never_the_logged_in_one(
    new_client: Callable[[], TestClient], db: Database, world: World
) -> None:
    # The attacker signs in themselves and plants their own valid cookie in the victim's browser.
    attacker = new_client()
    login(attacker, "vic")
    planted = attacker.cookies.get("vigil_session")
    victim = new_client()
    victim.cookies.set("vigil_session", planted or "", domain="testserver.local")
    login(victim, "lea")
    after = victim.cookies.get("vigil_session")
    assert after not in {None, planted}
    assert victim.get("/appeals").status_code == 200  # the victim is herself, a lead
    # The planted session is ended: the attacker's cookie rides on nothing.
    _refused(attacker, "GET", "/queue")
    live = [r for r in _session_rows(db) if r.ended_at is None]
    assert len(live) == 1
