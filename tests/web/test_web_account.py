"""The account page: evidence, escaping of hostile text, media only from Vigil's store."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.world import REMOTE_URL, World, login


def test_account_page_shows_the_evidence(client: TestClient, world: World) -> None:
    login(client, "ann")
    page = client.get(f"/accounts/{world.target}")
    assert page.status_code == 200
    html = page.text
    assert "old_evil" in html  # handle history
    assert '<mark class="hit outlet"' in html
    assert ">Amaq</mark>" in html
    assert "counter-signal" in html  # text_counter is shown as counter-evidence
    assert "distance 7" in html
    assert "release-12" in html
    assert f"/media/{world.media_sha}" in html
    assert f"/media/{world.bank_sha}" in html
    assert "listed_one" in html  # the blacklisted neighbour it follows
    assert 'class="media"' in html
    assert "click to reveal" in html


def test_hostile_display_name_is_inert(client: TestClient, world: World) -> None:
    login(client, "ann")
    for path in ("/queue", f"/accounts/{world.target}"):
        html = client.get(path).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "\u202e" not in html  # the RTL override is shown as a code, never applied
        assert 'class="ctl"' in html
        assert "U+202E" in html
        assert "<bdi" in html
    account = client.get(f"/accounts/{world.target}").text
    assert "Look-alike characters" in account  # Cyrillic 'а' in the Latin bio


def test_no_platform_url_reaches_the_browser(client: TestClient, world: World) -> None:
    login(client, "ann")
    html = client.get(f"/accounts/{world.target}").text
    assert REMOTE_URL not in html
    assert "platform.example" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources)


def test_media_is_served_from_the_store_by_hash(client: TestClient, world: World) -> None:
    assert client.get(f"/media/{world.media_sha}", follow_redirects=False).status_code == 303
    login(client, "vic")  # even a viewer may see evidence
    response = client.get(f"/media/{world.media_sha}", follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "sandbox" in response.headers["content-security-policy"]
    assert client.get("/media/" + "0" * 64).status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get("/media/ABC").status_code in {404, 422}


def test_media_never_redirects_to_a_platform(client: TestClient, world: World) -> None:
    """A media row without a stored copy (only a platform URL) is a 404, never a redirect."""
    from vigil.model import Media

    db = client.app.state.db
    with db.transaction() as s:
        s.add(Media(kind="photo", url=REMOTE_URL, sha256="f" * 64))
    login(client, "ann")
    response = client.get("/media/" + "f" * 64, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_security_headers(client: TestClient, world: World) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "img-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # no inline script anywhere
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", response.text)
    assert " style=" not in response.text


def test_static_htmx_is_vendored(client: TestClient) -> None:
    response = client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert response.text.startswith("/*! htmx.org 2.")


def test_resurgence_links_are_shown(client: TestClient, world: World) -> None:
    from vigil.model import detection

    if getattr(detection, "AccountLink", None) is None:
        pytest.skip("the detection model has no resurgence links yet")
    login(client, "ann")
    page = client.get(f"/accounts/{world.target}").text
    links = page.split("<h2>Resurgence links</h2>", 1)[1].split("</ul>", 1)[0]
    assert "listed_one" in links
    assert "earlier account (profile)" in links
    assert "0.91" in links
    queue = client.get("/queue").text
    assert "may be <a" in queue
