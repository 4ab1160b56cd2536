"""Decisions through the workbench: two-person rule, roles, override, second reviewer's view."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.world import World, form_token, login


def _decide(client: TestClient, account: int, **fields: str) -> object:
    data = {
        "action": "confirm",
        "criterion": "official_media",
        "note": "release shared",
        "csrf_token": form_token(client, f"/accounts/{account}"),
    }
    data.update(fields)
    return client.post(f"/accounts/{account}/decide", data=data, follow_redirects=False)


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_analysts_list_an_account(
    new_client: Callable[[], TestClient], world: World, dialect: str
) -> None:
    ann, bob = new_client(), new_client()
    login(ann, "ann")
    login(bob, "bob")
    first = _decide(ann, world.target)
    assert first.status_code == 303, first.text
    assert first.headers["location"].endswith("outcome=pending")
    # The same analyst cannot give the second confirmation.
    again = _decide(ann, world.target)
    assert again.status_code in {303, 409, 422}
    assert "blacklisted" not in ann.get(f"/accounts/{world.target}").text.split("<h1>")[1][:400]
    # Bob finds it among those awaiting a second reviewer and sees Ann's decision.
    queue = bob.get("/queue").text
    assert 'id="awaiting"' in queue
    assert f"/accounts/{world.target}" in queue
    page = bob.get(f"/accounts/{world.target}").text
    assert "Awaiting a second reviewer:" in page
    assert "ann" in page
    second = _decide(bob, world.target)
    assert second.headers["location"].endswith("outcome=listed")
    lists = bob.get("/lists?view=blacklist").text
    assert "evil_one" in lists
    audit = bob.get("/audit").text
    assert "decision" in audit


def test_viewer_cannot_decide(client: TestClient, world: World) -> None:
    login(client, "vic")
    page = client.get(f"/accounts/{world.target}").text
    assert 'id="decision-form"' not in page
    response = _decide(client, world.target)
    assert response.status_code == 403
    assert "evil_one" not in client.get("/lists").text


def test_analyst_cannot_override(client: TestClient, world: World) -> None:
    login(client, "ann")
    assert 'name="override"' not in client.get(f"/accounts/{world.target}").text
    response = _decide(client, world.target, override="on")
    assert response.status_code == 403
    assert "evil_one" not in client.get("/lists").text


def test_lead_overrides_with_a_reason(client: TestClient, world: World) -> None:
    login(client, "lea")
    assert 'name="override"' in client.get(f"/accounts/{world.target}").text
    response = _decide(client, world.target, override="on", note="official release, urgent")
    assert response.headers["location"].endswith("outcome=listed")


def test_bad_decision_is_a_client_error(client: TestClient, world: World) -> None:
    login(client, "ann")
    response = _decide(client, world.target, criterion="no_such_criterion")
    assert response.status_code == 422
    assert "criterion" in response.text
    assert _decide(client, 999_999).status_code == 404


def test_roles_on_every_page(new_client: Callable[[], TestClient], world: World) -> None:
    anonymous = new_client()
    for path in (
        "/queue",
        f"/accounts/{world.target}",
        "/lists",
        "/appeals",
        "/audit",
        "/dashboard",
        "/settings",
        f"/media/{world.media_sha}",
    ):
        assert anonymous.get(path, follow_redirects=False).status_code == 303, path
    viewer = new_client()
    login(viewer, "vic")
    assert viewer.get("/appeals").status_code == 403
    assert viewer.get("/audit").status_code == 403
    assert viewer.get("/dashboard").status_code == 200
    analyst = new_client()
    login(analyst, "ann")
    assert analyst.get("/appeals").status_code == 403
    assert analyst.get("/audit").status_code == 200
    lead = new_client()
    login(lead, "lea")
    assert lead.get("/appeals").status_code == 200


def test_every_route_is_guarded() -> None:
    """Each workbench route asks for a user, a role or is one of the named public ones."""
    from fastapi.routing import APIRoute

    from vigil.web.routers import (
        accounts,
        api,
        appeals,
        audit,
        auth,
        dashboard,
        lists,
        media,
        queue,
        tips,
    )

    public = {
        "/",
        "/login",
        "/logout",
        "/appeal",
        "/appeal/status",
        "/tip",
        "/api/policy",
        "/api/pow",
        "/api/appeals",
        "/api/appeals/{reference}",
        "/api/tips",
    }
    guarded = {"current_user", "check", "api_user"}
    checked = 0
    for module in (accounts, api, appeals, audit, auth, dashboard, lists, media, queue, tips):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            if route.path in public and not (
                route.path == "/api/appeals" and "GET" in route.methods
            ):
                continue
            names = set()
            stack = list(route.dependant.dependencies)
            while stack:
                dep = stack.pop()
                names.add(getattr(dep.call, "__name__", ""))
                stack.extend(dep.dependencies)
            uses_api_role = module is api and "api_user" in names
            assert names & guarded or uses_api_role, f"{route.path} has no user or role check"
            checked += 1
    assert checked >= 15


def test_dashboard_draws_decisions(client: TestClient, world: World) -> None:
    login(client, "lea")
    _decide(client, world.target, override="on", note="urgent")
    html = client.get("/dashboard").text
    assert "<svg" in html
    assert 'class="confirm"' in html
    assert "blacklisted" in html


def test_threat_to_life_is_marked_by_an_analyst(
    new_client: Callable[[], TestClient], world: World
) -> None:
    from vigil.model import Case

    viewer = new_client()
    login(viewer, "vic")
    token = form_token(viewer, "/settings")
    refused = viewer.post(
        f"/accounts/{world.target}/threat", data={"note": "x", "csrf_token": token}
    )
    assert refused.status_code == 403
    ann = new_client()
    login(ann, "ann")
    token = form_token(ann, f"/accounts/{world.target}")
    marked = ann.post(
        f"/accounts/{world.target}/threat",
        data={"note": "names a place and a date", "csrf_token": token},
        follow_redirects=False,
    )
    assert marked.headers["location"].endswith("outcome=threat")
    with ann.app.state.db.session() as s:  # type: ignore[attr-defined]
        assert s.query(Case).filter_by(account_id=world.target, threat_to_life=True).count() == 1


def test_media_reveal_preference(client: TestClient, world: World) -> None:
    login(client, "ann")
    assert 'class="reveal-default"' not in client.get(f"/accounts/{world.target}").text
    client.post(
        "/settings", data={"reveal_media": "on", "csrf_token": form_token(client, "/settings")}
    )
    page = client.get(f"/accounts/{world.target}").text
    assert '<body class="reveal-default"' in page
    assert "autoplay" not in page
