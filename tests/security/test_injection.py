"""SQL injection and XSS through every field an account controls (handle, display name, bio,
location, URLs, post text and links, media URLs) on the queue, account, lists, audit pages,
the JSON API and the feeds: payloads appear only escaped, U+202E is shown as a visible code,
and SQL in any filter, login or reference is data, never syntax."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import feedparser  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.world import World
from vigil.model import Account, ListEntry, Media, Platform, Post, PostMedia, Score
from vigil.review.users import create_api_token
from vigil.store import Database, record

SCRIPT = "<script>alert('xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE account; --"
RLO = "\u202e"
PAYLOAD = f"{SCRIPT}{IMG}{SQL}{RLO}evil"
JS_URL = "javascript:alert(document.domain)"
# What must never reach a page as markup.
RAW = ("<script>alert", "<img src=x", RLO, 'href="javascript:', 'src="javascript:')


@pytest.fixture
def hostile(db: Database, world: World) -> int:
    with db.transaction() as s:
        x = s.scalar(sa.select(Platform).where(Platform.name == "x"))
        assert x is not None
        account = Account(
            platform_id=x.id,
            platform_account_id="6666",
            handle=f"h{SCRIPT}{SQL}"[:200],
            display_name=PAYLOAD,
            bio=PAYLOAD,
            location=PAYLOAD,
            url=JS_URL,
            avatar_url=JS_URL,
            lang="ar",
        )
        s.add(account)
        s.flush()
        post = Post(
            platform_id=x.id,
            platform_post_id="p-hostile",
            account_id=account.id,
            created_at=datetime(2026, 11, 2, tzinfo=UTC),
            text=PAYLOAD + " https://t.example/x",
            url=JS_URL,
        )
        s.add(post)
        s.flush()
        media = Media(platform_id=x.id, media_key="m-hostile", kind="photo", url=JS_URL)
        s.add(media)
        s.flush()
        s.add(PostMedia(post_id=post.id, media_id=media.id))
        s.add(
            Score(
                account_id=account.id,
                value=0.999,
                model_version="t",
                contributions={
                    "signals": {
                        "text": {
                            "value": 0.9,
                            "weight": 6.0,
                            "contribution": 5.4,
                            "explanation": PAYLOAD,
                        }
                    },
                    "evidence": {"posts": [post.id]},
                },
            )
        )
        listed = Account(
            platform_id=x.id,
            platform_account_id="6667",
            handle=f"l{SCRIPT}{SQL}"[:200],
            display_name=PAYLOAD,
            bio=PAYLOAD,
            url=JS_URL,
        )
        s.add(listed)
        s.flush()
        s.add(
            ListEntry(
                account_id=listed.id,
                kind="black",
                status="active",
                criterion="official_media",
                reason=PAYLOAD,
                source="prior-list",
            )
        )
        record(s, actor=PAYLOAD, action="review.note", subject=PAYLOAD, payload={"note": PAYLOAD})
        return account.id


def _inert_html(body: str, where: str) -> None:
    for raw in RAW:
        assert raw not in body, f"{where}: {raw!r} reached the page unescaped"


PAGES = ["/queue", "/accounts/{id}", "/lists", "/audit", "/dashboard", "/queue?sort=handle"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_show_account_text_only_escaped(
    page: str, signed_in: Callable[[str], TestClient], hostile: int
) -> None:
    body = signed_in("ada").get(page.format(id=hostile)).text
    _inert_html(body, page)
    if page in {"/queue", "/accounts/{id}", "/audit"}:
        # The payload is there, escaped, and the override shown as a visible code.
        assert "&lt;script&gt;alert(" in body
        assert "U+202E" in body


def test_the_account_page_links_no_account_url(
    signed_in: Callable[[str], TestClient], hostile: int
) -> None:
    body = signed_in("ann").get(f"/accounts/{hostile}").text
    assert "javascript:" not in body.replace("javascript:alert(document.domain)</", "")
    assert "pbs.platform.example" not in body  # no remote fetch by the reviewer's browser


def test_api_returns_json_that_no_browser_renders(
    client: TestClient, db: Database, hostile: int
) -> None:
    headers = {"Authorization": f"Bearer {create_api_token(db, 'ann')}"}
    for url in (f"/api/accounts/{hostile}", "/api/queue", "/api/lists/blacklist"):
        r = client.get(url, headers=headers)
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("application/json")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert (
            "script-src" in r.headers["content-security-policy"]
            or "default-src" in (r.headers["content-security-policy"])
        )
        # JSON keeps the data as data; it is a string value, not markup.
        assert SCRIPT in json.dumps(r.json(), ensure_ascii=False), url


def test_feeds_escape_account_text(client: TestClient, hostile: int) -> None:
    """Feeds list published installments only (tests/test_feeds.py escapes their entries)."""
    atom = client.get("/feeds/blacklist.atom")
    assert atom.status_code == 200
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo, parsed.get("bozo_exception")  # well-formed with the payload inside
    assert "<script>" not in atom.text
    assert RLO not in atom.text
    feed = client.get("/feeds/blacklist.json")
    assert feed.headers["content-type"].startswith(("application/json", "application/feed+json"))


SQLI = [
    "' OR '1'='1",
    "1; DROP TABLE account; --",
    "x' UNION SELECT username, password_hash FROM app_user --",
    "%' OR 1=1 --",
    "\\'; --",
]


@pytest.mark.parametrize("payload", SQLI)
def test_sql_in_filters_login_and_references_is_data(
    payload: str,
    signed_in: Callable[[str], TestClient],
    client: TestClient,
    db: Database,
    world: World,
    hostile: int,
) -> None:
    ada = signed_in("ada")
    for param in ("platform", "signal", "band", "lang", "sort"):
        r = ada.get("/queue", params={param: payload})
        assert r.status_code in {200, 422}, (param, r.status_code)
        assert "$argon2" not in r.text
        if r.status_code == 200 and param in {"platform", "lang"}:
            assert f"/accounts/{world.target}" not in r.text  # a filter, not a bypass
    for param in ("action", "actor", "subject"):
        r = ada.get("/audit", params={param: payload})
        assert r.status_code == 200
        assert "&lt;script&gt;" not in r.text  # the hostile event does not match
    headers = {"Authorization": f"Bearer {create_api_token(db, 'ann')}"}
    r = client.get("/api/queue", params={"platform": payload}, headers=headers)
    assert r.status_code == 200
    assert r.json() == []
    assert client.get("/api/queue", params={"sort": payload}, headers=headers).status_code == 422
    assert client.get(f"/api/appeals/{payload}").status_code in {404, 422}
    assert client.get("/appeal/status", params={"reference": payload}).status_code in {404, 422}
    page = client.get("/login")
    from tests.web.world import csrf_of

    r = client.post(
        "/login",
        data={"username": payload, "password": payload, "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 401
    with db.session() as s:  # every table is still there and whole
        assert s.scalar(sa.select(sa.func.count()).select_from(Account)) == 5
