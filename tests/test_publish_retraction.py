"""The retraction flow end to end: confirm, publish to every channel, retract (appeal
upheld), publish again: the retraction is in the feed, at the webhook and a reply post."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
import sqlalchemy as sa
from atproto import Client
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mastodon import Mastodon

from tests.support.publish_world import T0, listed_account, platform, retract
from tests.support.sim_servers import sim_servers
from tests.test_webhooks import Receiver
from vigil.config import PublishSettings, Settings
from vigil.model import AuditEvent
from vigil.model.publish import Publication
from vigil.platforms.mastodon_files import html_text
from vigil.publish.clients import Credentials
from vigil.publish.run import run_publish
from vigil.publish.threads import mastodon_length
from vigil.publish.webhooks import add_subscription
from vigil.sim.server.runner import ServerThread
from vigil.store import Database
from vigil.web.routers.feeds import router

CREDS = Credentials(
    mastodon_token="sim-token", bluesky_handle="vigil-org", bluesky_password="sim-token"
)


@pytest.fixture
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    # One server per test: the organisation's posts accumulate on it.
    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        yield start()


def test_retraction_reaches_every_channel(
    db: Database, settings: Settings, sim: ServerThread, tmp_path: Path
) -> None:
    pub = PublishSettings(
        mastodon_url=sim.url,
        bluesky_url=sim.url,
        public_url="https://vigil.example",
        report_interval=0.0,
        max_entries=40,
    )
    settings = replace(settings, home=tmp_path, publish=pub)
    receiver = Receiver(fail=0)
    with db.transaction() as session:
        sub, receiver.secret = add_subscription(session, receiver.url, actor="admin")
        sub.created_at = T0 - timedelta(days=1)
        x = platform(session, "x", "x")
        entries = [
            listed_account(session, x, str(100 + i), f"acct{i}", posts=[(f"9{i}", "t")]).entry_id
            for i in range(12)
        ]
    channels = {"feed", "webhook", "mastodon", "bluesky"}
    out = run_publish(db, settings, CREDS, T0, channels=channels)
    assert out["installments"] == [{"number": 1, "kind": "installment", "entries": 12}]
    assert out["mastodon"]["posts"] >= 2
    assert out["bluesky"]["posts"] > out["mastodon"]["posts"]

    app = FastAPI()
    app.include_router(router)
    app.state.db, app.state.settings = db, settings
    web = TestClient(app)
    before = web.get("/feeds/blacklist.atom")
    etag = before.headers["etag"]
    assert web.get("/feeds/blacklist.atom", headers={"If-None-Match": etag}).status_code == 304

    with db.transaction() as session:
        retract(session, entries[7], T0 + timedelta(hours=1))
    again = run_publish(db, settings, CREDS, T0 + timedelta(hours=1, minutes=1), channels=channels)
    assert again["installments"] == [{"number": 2, "kind": "retraction", "entries": 1}]
    assert again["mastodon"] == {"posts": 1}
    assert again["bluesky"] == {"posts": 1}
    assert run_publish(db, settings, CREDS, T0 + timedelta(hours=2), channels=channels)[
        "mastodon"
    ] == {"posts": 0}

    # Feed: a retraction entry, the listing marked, a new ETag.
    atom = web.get("/feeds/blacklist.atom", headers={"If-None-Match": etag})
    assert atom.status_code == 200
    assert atom.headers["etag"] != etag
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo
    assert len(parsed.entries) == 13
    retraction = [e for e in parsed.entries if "/retraction/" in e.id]
    assert len(retraction) == 1
    assert retraction[0].title.startswith("Retraction: acct7")
    assert any(e.title.startswith("[retracted] acct7") for e in parsed.entries)
    # feedparser 6.0 reads no JSON Feed: check the JSON Feed 1.1 required fields by hand.
    jf = web.get("/feeds/blacklist.json")
    assert jf.headers["content-type"].startswith("application/feed+json")
    js = jf.json()
    assert js["version"] == "https://jsonfeed.org/version/1.1"
    assert js["title"]
    assert len(js["items"]) == 13
    assert all(i["id"] and i["content_text"] for i in js["items"])
    assert js["items"][0]["_vigil"]["type"] == "retraction"

    # Webhook: the installment, then the retraction event.
    events = [c["body"]["event"] for c in receiver.calls]
    assert events == ["installment", "retraction"]
    assert all(c["ok"] for c in receiver.calls)
    receiver.server.shutdown()

    # Mastodon: a thread within 500, and the retraction replies to the post carrying acct7.
    masto = Mastodon(access_token="sim-token", api_base_url=sim.url)
    statuses = masto.account_statuses("1")
    with db.session() as session:
        thread = session.scalar(
            sa.select(Publication).where(
                Publication.channel == "mastodon", Publication.kind == "installment"
            )
        )
        assert thread is not None
        posts = thread.payload["posts"]
        carrier = next(p["ref"]["id"] for p in posts if entries[7] in p["entry_ids"])
        bsky_pub = session.scalar(
            sa.select(Publication).where(
                Publication.channel == "bluesky", Publication.kind == "installment"
            )
        )
        assert bsky_pub is not None
        bsky_carrier = next(
            p["ref"]["uri"] for p in bsky_pub.payload["posts"] if entries[7] in p["entry_ids"]
        )
        audited = session.scalars(
            sa.select(AuditEvent.payload).where(AuditEvent.action == "publish.retraction")
        ).all()
        assert {
            c for p in audited for c in ["feed", "webhook", "mastodon", "bluesky"] if c in p
        } == {"feed", "webhook", "mastodon", "bluesky"}
    replies = [s for s in statuses if "Retraction" in s["content"]]
    assert len(replies) == 1
    assert str(replies[0]["in_reply_to_id"]) == carrier
    thread_posts = [s for s in statuses if "Retraction" not in s["content"]]
    assert len(thread_posts) == len(posts)
    chain = sorted((int(s["id"]), s["in_reply_to_id"]) for s in thread_posts)
    assert chain[0][1] is None
    assert all(int(r) == i for (i, _), (_, r) in itertools.pairwise(chain))

    # Bluesky: the reply's parent is the post that carried the entry.
    client = Client(base_url=sim.url)
    client.login("vigil-org", "sim-token", fetch_bsky_profile=False)
    did = client.com.atproto.server.get_session().did
    records = client.com.atproto.repo.list_records(
        {"repo": did, "collection": "app.bsky.feed.post"}
    ).records
    bsky_replies = [r for r in records if r.value.text.startswith("Retraction")]
    assert len(bsky_replies) == 1
    assert bsky_replies[0].value.reply.parent.uri == bsky_carrier
    assert all(len(r.value.text) <= 300 for r in records)
    assert all(mastodon_length(html_text(s["content"])) <= 500 for s in statuses)


def test_mastodon_posting_is_idempotent(sim: ServerThread) -> None:
    masto = Mastodon(access_token="sim-token", api_base_url=sim.url)
    first = masto.status_post("hello", idempotency_key="vigil-installment-1-0")
    again = masto.status_post("hello", idempotency_key="vigil-installment-1-0")
    other = masto.status_post("hello", idempotency_key="vigil-installment-1-1")
    assert first["id"] == again["id"]
    assert other["id"] != first["id"]
