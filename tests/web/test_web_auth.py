"""Login, sessions, CSRF and throttling of the workbench."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.world import PASSWORD, World, csrf_of, form_token, login


def test_pages_need_a_login(client: TestClient, world: World) -> None:
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fqueue")


def test_login_sets_a_strict_httponly_session_cookie(client: TestClient, world: World) -> None:
    token = form_token(client, "/login")
    response = client.post(
        "/login",
        data={"username": "ann", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "vigil_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert client.get("/queue").status_code == 200


def test_wrong_password_is_refused(client: TestClient, world: World) -> None:
    token = form_token(client, "/login")
    response = client.post(
        "/login", data={"username": "ann", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "vigil_session" not in client.cookies


def test_session_id_is_rotated_at_login(client: TestClient, world: World) -> None:
    """A cookie planted before login (session fixation) never becomes the logged-in one."""
    client.cookies.set("vigil_session", "planted-by-attacker", domain="testserver.local")
    login(client, "ann")
    assert client.cookies.get("vigil_session") not in {None, "planted-by-attacker"}
    first = client.cookies.get("vigil_session")
    login_again = client.get("/login", follow_redirects=False)
    assert login_again.status_code == 303  # already logged in
    client.post("/logout", data={"csrf_token": form_token(client, "/settings")})
    login(client, "ann")
    assert client.cookies.get("vigil_session") != first


def test_logout_ends_the_session_server_side(client: TestClient, world: World) -> None:
    login(client, "ann")
    stolen = client.cookies.get("vigil_session")
    client.post("/logout", data={"csrf_token": form_token(client, "/settings")})
    other = TestClient(client.app, base_url="http://testserver.local")
    other.cookies.set("vigil_session", stolen or "", domain="testserver.local")
    assert other.get("/queue", follow_redirects=False).status_code == 303


def test_post_without_csrf_token_is_rejected(client: TestClient, world: World) -> None:
    response = client.post("/login", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 403
    login(client, "ann")
    response = client.post("/settings", data={"reveal_media": "on"})
    assert response.status_code == 403
    response = client.post("/settings", data={"reveal_media": "on", "csrf_token": "forged"})
    assert response.status_code == 403


def test_csrf_token_of_another_session_is_rejected(
    new_client: Callable[[], TestClient], world: World
) -> None:
    ann, bob = new_client(), new_client()
    login(ann, "ann")
    login(bob, "bob")
    ann_token = form_token(ann, "/settings")
    assert bob.post("/settings", data={"csrf_token": ann_token}).status_code == 403
    assert ann.post("/settings", data={"csrf_token": ann_token}).status_code == 200


def test_htmx_requests_send_the_token_as_a_header(client: TestClient, world: World) -> None:
    login(client, "ann")
    token = form_token(client, "/settings")
    page = client.get("/settings").text
    assert f'"X-CSRF-Token": "{token}"' in page
    response = client.post(
        "/settings", data={"reveal_media": "on"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200


def test_login_is_throttled_per_username(
    new_client: Callable[[], TestClient], world: World
) -> None:
    for i in range(5):
        c = new_client()
        token = form_token(c, "/login")
        r = c.post("/login", data={"username": "ann", "password": f"bad{i}", "csrf_token": token})
        assert r.status_code == 401
    c = new_client()
    token = form_token(c, "/login")
    # Even the right password is refused while the username is locked.
    r = c.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    # Another user from the same address is not locked by ann's failures.
    login(new_client(), "bob")


def test_login_is_throttled_per_address(client: TestClient, world: World) -> None:
    token = form_token(client, "/login")
    codes = [
        client.post(
            "/login", data={"username": f"nobody{i}", "password": "x", "csrf_token": token}
        ).status_code
        for i in range(21)
    ]
    assert codes[:20] == [401] * 20
    assert codes[20] == 429


def test_open_redirect_after_login_is_refused(client: TestClient, world: World) -> None:
    page = client.get("/login?next=//evil.example/")
    token = csrf_of(page.text)
    r = client.post(
        "/login",
        data={
            "username": "ann",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/queue"


def test_expired_session_is_refused(client: TestClient, world: World) -> None:
    from datetime import timedelta

    from vigil.model import utcnow
    from vigil.model.web import WebSession

    login(client, "ann")
    with client.app.state.db.transaction() as s:  # type: ignore[attr-defined]
        for row in s.query(WebSession).all():
            row.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_disabled_user_loses_the_session(client: TestClient, world: World) -> None:
    from vigil.review.users import disable_user

    login(client, "bob")
    disable_user(client.app.state.db, "bob")  # type: ignore[attr-defined]
    assert client.get("/queue", follow_redirects=False).status_code == 303
