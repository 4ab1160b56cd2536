"""IDOR across roles: a viewer, analyst, lead and admin against every decide, override,
whitelist, threat, appeal-decide and audit route, in the pages and in the API; a refused
request changes nothing. Every protected route must be classified here, so a new one (a
user-admin page, say) fails this file until its role is stated."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.security.conftest import PUBLIC, counts, routes
from tests.web.world import World, form_token
from vigil.model.review import Appeal
from vigil.review.appeals import file_appeal
from vigil.review.users import create_api_token
from vigil.store import Database

RANK = {"vic": 0, "ann": 1, "lea": 2, "ada": 3}  # viewer, analyst, lead, admin
VIEWER, ANALYST, LEAD = 0, 1, 2
# The least role each protected route needs (the account and media pages are for any reviewer).
MIN_ROLE = {
    ("GET", "/dashboard"): VIEWER,
    ("GET", "/queue"): VIEWER,
    ("GET", "/accounts/{account_id}"): VIEWER,
    ("GET", "/lists"): VIEWER,
    ("GET", "/settings"): VIEWER,
    ("POST", "/settings"): VIEWER,
    ("POST", "/settings/token"): VIEWER,
    ("GET", "/media/{sha256}"): VIEWER,
    ("GET", "/audit"): ANALYST,
    ("POST", "/accounts/{account_id}/decide"): ANALYST,
    ("POST", "/accounts/{account_id}/threat"): ANALYST,
    ("GET", "/appeals"): LEAD,
    ("POST", "/appeals/{reference}/decide"): LEAD,
    ("GET", "/api/me"): VIEWER,
    ("GET", "/api/queue"): VIEWER,
    ("GET", "/api/accounts/{account_id}"): VIEWER,
    ("GET", "/api/lists/{view}"): VIEWER,
    ("POST", "/api/accounts/{account_id}/decisions"): ANALYST,
    ("GET", "/api/appeals"): LEAD,
    ("POST", "/api/appeals/{reference}/decision"): LEAD,
}


def test_every_protected_route_has_a_stated_role(app: FastAPI) -> None:
    protected = {r for r in routes(app) if r not in PUBLIC and r[0] in {"GET", "POST"}}
    assert protected == set(MIN_ROLE)
    assert not [p for _, p in protected if "/users" in p or "/admin" in p]


@pytest.fixture
def appeal(db: Database) -> str:
    return file_appeal(db, "x:@listed_one", text="I am not what you say", contact="a@b.example")


def _appeal_status(db: Database, reference: str) -> str:
    with db.session() as s:
        return str(s.scalar(sa.select(Appeal.status).where(Appeal.reference == reference)))


@pytest.mark.parametrize("user", list(RANK))
def test_pages_refuse_a_role_below_the_route(
    user: str, signed_in: Callable[[str], TestClient], db: Database, world: World, appeal: str
) -> None:
    c = signed_in(user)
    token = form_token(c, "/settings")
    rank = RANK[user]
    before = counts(db)
    attempts = [
        ("/accounts/{}/decide", {"action": "confirm", "criterion": "official_media"}, ANALYST),
        ("/accounts/{}/decide", {"action": "whitelist", "whitelist_type": "journalist"}, ANALYST),
        ("/accounts/{}/decide", {"action": "confirm", "override": "on", "note": "n"}, LEAD),
        ("/accounts/{}/threat", {"note": "credible threat"}, ANALYST),
    ]
    for path, data, need in attempts:
        before = counts(db)
        r = c.post(
            path.format(world.target), data={**data, "csrf_token": token}, follow_redirects=False
        )
        assert (r.status_code == 403) == (rank < need), (user, path, data, r.status_code)
        if rank < need:
            assert counts(db)[0] == before[0]
    r = c.post(
        f"/appeals/{appeal}/decide",
        data={"decision": "uphold", "note": "n", "csrf_token": token},
        follow_redirects=False,
    )
    assert (r.status_code == 403) == (rank < LEAD), (user, r.status_code)
    assert (_appeal_status(db, appeal) == "open") == (rank < LEAD)
    assert (c.get("/appeals").status_code == 403) == (rank < LEAD)
    assert (c.get("/audit").status_code == 403) == (rank < ANALYST)
    assert c.get(f"/accounts/{world.target}").status_code == 200


@pytest.mark.parametrize("user", list(RANK))
def test_api_refuses_a_role_below_the_route(
    user: str, client: TestClient, db: Database, world: World, appeal: str
) -> None:
    headers = {"Authorization": f"Bearer {create_api_token(db, user)}"}
    rank = RANK[user]
    before = counts(db)
    url = f"/api/accounts/{world.second}/decisions"
    r = client.post(url, json={"action": "escalate", "note": "n"}, headers=headers)
    assert (r.status_code == 403) == (rank < ANALYST), (user, r.status_code, r.text)
    r = client.post(url, json={"action": "confirm", "override": True, "note": "n"}, headers=headers)
    assert (r.status_code == 403) == (rank < LEAD), (user, r.status_code, r.text)
    if rank < ANALYST:
        assert counts(db)[0] == before[0]
    assert (client.get("/api/appeals", headers=headers).status_code == 403) == (rank < LEAD)
    r = client.post(
        f"/api/appeals/{appeal}/decision", json={"uphold": False, "note": "n"}, headers=headers
    )
    assert (r.status_code == 403) == (rank < LEAD), (user, r.status_code)
    assert (_appeal_status(db, appeal) == "open") == (rank < LEAD)


def test_the_public_appeal_lookup_shows_no_reviewer_data(
    client: TestClient, appeal: str, signed_in: Callable[[str], TestClient]
) -> None:
    lea = signed_in("lea")
    lea.post(
        f"/appeals/{appeal}/decide",
        data={
            "decision": "reject",
            "note": "reviewer-only note",
            "csrf_token": form_token(lea, "/appeals"),
        },
    )
    body = client.get(f"/api/appeals/{appeal}").text
    assert "reviewer-only note" not in body
    assert "a@b.example" not in body
    assert "lea" not in body
    assert client.get(f"/appeal/status?reference={appeal}").status_code == 200
