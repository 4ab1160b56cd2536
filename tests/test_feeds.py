"""Atom and JSON feeds: parsed by feedparser, attacker-written handles made inert, stable
ETags that change only when the content does, 304 on If-None-Match."""

from __future__ import annotations

import json
from datetime import timedelta

import feedparser
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.publish_world import T0, listed_account, platform
from vigil.config import PublishSettings, Settings
from vigil.publish.feeds import atom_feed, json_feed
from vigil.publish.installments import create_installments
from vigil.store import Database
from vigil.web.routers.feeds import router

EVIL = "<script>alert(1)</script>\u202egnp.exe\u200b&amp;"


def test_feeds_parse_and_stay_inert(db: Database, settings: Settings) -> None:
    pub = PublishSettings(public_url="https://vigil.example", org_name="Vigil & Co")
    with db.transaction() as session:
        x = platform(session, "x", "x")
        listed_account(session, x, "1", EVIL, posts=[("5", "t")])
        listed_account(session, x, "2", "plain")
        create_installments(session, pub, T0)
    with db.session() as session:
        atom = atom_feed(session, pub)
        again = atom_feed(session, pub)
        jf = json_feed(session, pub)
    assert atom.etag == again.etag
    assert atom.etag != jf.etag
    parsed = feedparser.parse(atom.body)
    assert not parsed.bozo
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Vigil & Co blacklist"
    assert len(parsed.entries) == 2
    titles = [e.title for e in parsed.entries]
    assert any(t.startswith("<script>alert(1)</script>gnp.exe&amp;") for t in titles)
    assert "\u202e" not in atom.body.decode()
    assert "<script>" not in atom.body.decode()
    assert all(e.link.startswith("https://x.com/i/user/") for e in parsed.entries)
    assert all(e.id.startswith("tag:vigil.example,2026:vigil/entry/") for e in parsed.entries)
    doc = json.loads(jf.body)
    assert doc["items"][0]["_vigil"]["criterion"] == "C1"
    assert "reviewer" not in jf.body.decode().lower()
    assert "alice" not in jf.body.decode().lower()

    app = FastAPI()
    app.include_router(router)
    app.state.db, app.state.settings = db, Settings(publish=pub)
    web = TestClient(app)
    first = web.get("/feeds/blacklist.atom")
    assert first.status_code == 200
    assert first.headers["etag"] == atom.etag
    assert first.headers["content-type"].startswith("application/atom+xml")
    assert web.get("/feeds/blacklist.atom", headers={"If-None-Match": atom.etag}).status_code == 304
    assert web.get("/feeds/blacklist.json", headers={"If-None-Match": atom.etag}).status_code == 200
    with db.transaction() as session:
        listed_account(session, x_platform := platform(session, "x", "x"), "3", "new")
        assert x_platform.kind == "x"
        create_installments(session, pub, T0 + timedelta(hours=2))
    changed = web.get("/feeds/blacklist.atom", headers={"If-None-Match": atom.etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != atom.etag
