"""The app factory, its settings, the queue filters and `vigil serve`."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.cli import run_cli
from tests.web.world import World, login
from vigil.config import Settings
from vigil.errors import ConfigError
from vigil.web.settings import WebSettings


def test_settings_from_the_environment(tmp_path: Path) -> None:
    core = Settings(home=tmp_path)
    web = WebSettings.from_settings(
        core, {"VIGIL_WEB_SESSION_HOURS": "2", "VIGIL_WEB_SECURE_COOKIES": "yes"}
    )
    assert web.session_hours == 2.0
    assert web.secure_cookies
    again = WebSettings.from_settings(core, {})
    assert again.secret == web.secret  # kept under VIGIL_HOME, so sessions survive a restart
    assert (tmp_path / "web-secret").stat().st_mode & 0o077 == 0
    with pytest.raises(ConfigError):
        WebSettings.from_settings(core, {"VIGIL_WEB_SECRET": "short"})
    with pytest.raises(ConfigError):
        WebSettings.from_settings(core, {"VIGIL_WEB_SESSION_HOURS": "-1"})


def test_feeds_router_is_included(client: TestClient) -> None:
    from fastapi.routing import APIRoute

    from vigil.web.routers import feeds

    for route in feeds.router.routes:
        if isinstance(route, APIRoute) and "GET" in route.methods and "{" not in route.path:
            assert client.get(route.path).status_code != 404, route.path


def test_queue_filters_and_sorting(client: TestClient, world: World) -> None:
    login(client, "ann")

    def rows(query: str) -> list[str]:
        html = client.get(f"/queue?{query}").text
        return [h for h in ("evil_one", "second") if f'>@<bdi dir="auto">{h}</bdi>' in html]

    assert rows("") == ["evil_one", "second"]
    assert rows("band=high") == ["evil_one"]
    assert rows("band=medium") == ["second"]
    assert rows("lang=fr") == ["second"]
    assert rows("platform=mastodon") == []
    assert rows("signal=media") == ["evil_one"]
    html = client.get("/queue?sort=score_asc").text
    assert html.index("second") < html.index("evil_one")


def test_htmx_filter_swaps_only_the_rows(client: TestClient, world: World) -> None:
    login(client, "ann")
    response = client.get(
        "/queue?band=medium", headers={"HX-Request": "true", "HX-Target": "queue-rows"}
    )
    assert response.text.lstrip().startswith('<div id="queue-rows">')
    assert "<html" not in response.text


def test_unknown_account_is_a_404_page(client: TestClient, world: World) -> None:
    login(client, "ann")
    response = client.get("/accounts/424242")
    assert response.status_code == 404
    assert "no account" in response.text


def test_serve_is_a_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(capsys, "serve", "--help")
    assert result.code == 0
    assert "--port" in result.out
    # It refuses a store `vigil init` has not made, before any server starts.
    refused = run_cli(capsys, "--home", str(tmp_path), "serve", "--port", "1")
    assert refused.code == 11
    assert "vigil init" in refused.err


def test_lists_and_audit_pages(client: TestClient, world: World) -> None:
    login(client, "lea")
    black = client.get("/lists?view=blacklist").text
    assert "listed_one" in black
    assert "prior-list" in black
    assert "listed_one" not in client.get("/lists?view=whitelist").text
    assert client.get("/lists?view=nonsense").status_code == 200  # falls back to the blacklist
    audit = client.get("/audit?action=user.").text
    assert audit.count('<bdi dir="auto">user.add</bdi>') == 5  # one per seeded reviewer
    assert "user.add" not in client.get("/audit?action=decision").text
    assert client.get("/audit?before=1").status_code == 200
