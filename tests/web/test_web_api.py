"""The JSON API: Bearer tokens (stored hashed), roles, the public endpoints, OpenAPI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.world import World
from vigil.review.tips import solve_pow
from vigil.review.users import create_api_token


def _token(client: TestClient, username: str) -> dict[str, str]:
    token = create_api_token(client.app.state.db, username)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def test_api_needs_a_token(client: TestClient, world: World) -> None:
    assert client.get("/api/queue").status_code == 401
    bad = client.get("/api/queue", headers={"Authorization": "Bearer vgl_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    # A session cookie is not an API credential (no CSRF on the API, so no cookies either).
    assert client.get("/api/me").status_code == 401


def test_api_token_is_stored_hashed(client: TestClient, world: World) -> None:
    headers = _token(client, "ann")
    token = headers["Authorization"].split()[1]
    from vigil.model import User

    with client.app.state.db.session() as s:  # type: ignore[attr-defined]
        stored = [u.api_token_hash for u in s.query(User).all() if u.api_token_hash]
    assert stored
    assert token not in stored
    me = client.get("/api/me", headers=headers).json()
    assert me == {"username": "ann", "display_name": None, "role": "analyst"}


def test_api_queue_and_account(client: TestClient, world: World) -> None:
    headers = _token(client, "vic")
    queue = client.get("/api/queue", headers=headers).json()
    assert [q["id"] for q in queue][:2] == [world.target, world.second]
    assert queue[0]["display_name"] == "<script>alert(1)</script>\u202egnp.exe"  # JSON is data
    account = client.get(f"/api/accounts/{world.target}", headers=headers).json()
    assert account["media"] == [f"/media/{world.media_sha}"]
    assert any(c["counter"] for c in account["contributions"])
    band = client.get("/api/queue?band=medium", headers=headers).json()
    assert [q["id"] for q in band] == [world.second]


def test_api_roles(client: TestClient, world: World) -> None:
    body = {"action": "confirm", "criterion": "official_media", "note": "n"}
    url = f"/api/accounts/{world.target}/decisions"
    assert client.post(url, json=body, headers=_token(client, "vic")).status_code == 403
    over = body | {"override": True}
    assert client.post(url, json=over, headers=_token(client, "ann")).status_code == 403
    first = client.post(url, json=body, headers=_token(client, "ann")).json()
    assert first["needs_second"]
    assert not first["listed"]
    second = client.post(url, json=body, headers=_token(client, "bob")).json()
    assert second["listed"]
    listed = client.get("/api/lists/blacklist", headers=_token(client, "vic")).json()
    assert world.target in [e["account_id"] for e in listed]
    assert client.get("/api/appeals", headers=_token(client, "ann")).status_code == 403


def test_api_public_appeal(client: TestClient, world: World) -> None:
    lead = _token(client, "lea")
    body = {"action": "confirm", "criterion": "official_media", "note": "n", "override": True}
    client.post(f"/api/accounts/{world.target}/decisions", json=body, headers=lead)
    challenge = client.get("/api/pow").json()
    appeal = {
        "platform": "x",
        "account": "@evil_one",
        "text": "mistaken",
        "pow_challenge": challenge["challenge"],
        "pow_nonce": solve_pow(challenge["challenge"], challenge["difficulty"]),
    }
    created = client.post("/api/appeals", json=appeal)
    assert created.status_code == 201
    reference = created.json()["reference"]
    assert client.get(f"/api/appeals/{reference}").json()["status"] == "open"
    decided = client.post(
        f"/api/appeals/{reference}/decision", json={"uphold": True, "note": "news"}, headers=lead
    )
    assert decided.json()["status"] == "upheld"
    assert client.post("/api/appeals", json=appeal).status_code == 422  # challenge spent


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/queue", "/api/accounts/{account_id}", "/api/appeals", "/api/tips"} <= paths
    assert not [p for p in paths if p.startswith(("/queue", "/login", "/accounts"))]
