"""CSRF: every state-changing form route (enumerated from app.routes) refuses a missing, wrong,
foreign or query-string token, and changes nothing; the JSON API takes no cookies at all, and a
cross-site "simple" request (form or text/plain body) cannot reach it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.security.conftest import counts, fill, routes
from tests.web.world import World, form_token
from vigil.store import Database

FORM = {
    "username": "ada",
    "password": "correct horse battery staple",
    "action": "confirm",
    "criterion": "official_media",
    "note": "n",
    "decision": "uphold",
    "platform": "x",
    "account": "@evil_one",
    "text": "t",
    "reason": "r",
    "reveal_media": "on",
}


def _form_posts(app: FastAPI) -> list[str]:
    found = [p for m, p in routes(app) if m == "POST" and not p.startswith("/api/")]
    assert {"/login", "/accounts/{account_id}/decide", "/appeals/{reference}/decide"} <= set(found)
    return found


@pytest.mark.parametrize("variant", ["missing", "wrong", "foreign", "query", "empty"])
def test_every_form_post_needs_its_own_csrf_token(
    app: FastAPI,
    signed_in: Callable[[str], TestClient],
    db: Database,
    world: World,
    variant: str,
) -> None:
    ada = signed_in("ada")
    other = form_token(signed_in("bob"), "/settings")
    own = form_token(ada, "/settings")
    before = counts(db)
    for path in _form_posts(app):
        url = fill(path, world)
        data = dict(FORM)
        if variant == "wrong":
            data["csrf_token"] = own[:-2] + ("AA" if not own.endswith("AA") else "BB")
        elif variant == "foreign":
            data["csrf_token"] = other
        elif variant == "empty":
            data["csrf_token"] = ""
        elif variant == "query":
            url += f"?csrf_token={own}"
        r = ada.post(url, data=data, follow_redirects=False)
        assert r.status_code == 403, (variant, path, r.status_code)
    assert counts(db) == before
    assert ada.get("/queue").status_code == 200  # still signed in: logout was refused too


def test_the_right_token_is_what_lets_a_decision_through(
    signed_in: Callable[[str], TestClient], db: Database, world: World
) -> None:
    """The control: the same request with the page's own token changes state."""
    ann = signed_in("ann")
    before = counts(db)
    token = form_token(ann, f"/accounts/{world.target}")
    r = ann.post(
        f"/accounts/{world.target}/decide",
        data={**FORM, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert counts(db)[0] == before[0] + 1
    # The header form of the token works the same way (htmx sends it so).
    r = ann.post(
        f"/accounts/{world.second}/decide",
        data={"action": "reject", "note": "n"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_anonymous_public_forms_need_the_token_of_their_own_cookie(
    new_client: Callable[[], TestClient], db: Database
) -> None:
    first, second = new_client(), new_client()
    token = form_token(first, "/tip")
    form_token(second, "/tip")
    before = counts(db)
    for path in ("/tip", "/appeal", "/login"):
        assert first.post(path, data=FORM).status_code == 403
        # Another visitor's token is bound to another anonymous cookie.
        assert second.post(path, data={**FORM, "csrf_token": token}).status_code == 403
    assert counts(db) == before


def test_api_cannot_be_reached_cross_site(
    signed_in: Callable[[str], TestClient], db: Database, world: World
) -> None:
    browser = signed_in("ada")
    before = counts(db)
    body = {"action": "confirm", "criterion": "official_media"}
    url = f"/api/accounts/{world.target}/decisions"
    # A page elsewhere can make the browser send its cookie with a form or a text/plain body.
    assert browser.post(url, data=body).status_code == 401
    assert (
        browser.post(
            url, content=json.dumps(body), headers={"Content-Type": "text/plain"}
        ).status_code
        == 401
    )
    # The public API takes JSON only: a text/plain "simple request" is not parsed as a tip.
    r = browser.post(
        "/api/tips",
        content=json.dumps({"platform": "x", "account": "@a", "reason": "r"}),
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code in {415, 422}
    assert counts(db) == before
