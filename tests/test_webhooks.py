"""Signed webhooks against a local receiver: signature and replay window checked by the
receiver, retries with backoff after failures, dead-letter after the last attempt."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.publish_world import T0, listed_account, platform
from vigil.config import PublishSettings
from vigil.errors import ConflictError
from vigil.model import AuditEvent
from vigil.model.publish import WebhookDelivery
from vigil.publish.installments import create_installments
from vigil.publish.webhooks import (
    SIGNATURE_HEADER,
    add_subscription,
    dead_letters,
    deliver_due,
    enqueue,
    requeue_dead,
    sign,
    verify_signature,
)
from vigil.store import Database


class Receiver:
    """Answers 500 to the first `fail` requests, then 200; checks every signature."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.secret = ""
        self.calls: list[dict[str, Any]] = []
        self.seen_events: set[str] = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify_signature(
                    outer.secret, self.headers[SIGNATURE_HEADER], body, time.time()
                )
                event = self.headers["Vigil-Event-Id"]
                outer.calls.append({"ok": ok, "event": event, "body": json.loads(body)})
                status = 500 if len(outer.calls) <= outer.fail else 200
                if status == 200:
                    outer.seen_events.add(event)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail=2)
    yield r
    r.server.shutdown()


def test_signature_rejects_tampering_and_replays() -> None:
    body = b'{"a":1}'
    now = int(time.time())
    header = sign("s3cret", now, body)
    assert verify_signature("s3cret", header, body, now)
    assert not verify_signature("s3cret", header, b'{"a":2}', now)
    assert not verify_signature("other", header, body, now)
    assert not verify_signature("s3cret", header, body, now + 301)  # replayed later
    assert not verify_signature("s3cret", "v1=abc", body, now)


def test_receiver_failing_twice_then_succeeding(db: Database, receiver: Receiver) -> None:
    settings = PublishSettings(webhook_backoff=30, webhook_max_attempts=5)
    with db.transaction() as session:
        sub, secret = add_subscription(session, receiver.url, actor="admin")
        sub.created_at = T0 - timedelta(days=1)
        with pytest.raises(ConflictError):
            add_subscription(session, receiver.url, actor="admin")
        receiver.secret = secret
        listed_account(session, platform(session, "x", "x"), "1", "a1", posts=[("9", "t")])
        create_installments(session, settings, T0)
        assert enqueue(session, T0) == 1
        assert enqueue(session, T0) == 0
    first = deliver_due(db, settings, T0)
    assert (first.delivered, first.retrying) == (0, 1)
    assert deliver_due(db, settings, T0 + timedelta(seconds=29)).retrying == 0  # backing off
    assert deliver_due(db, settings, T0 + timedelta(seconds=30)).retrying == 1
    assert deliver_due(db, settings, T0 + timedelta(seconds=89)).delivered == 0
    done = deliver_due(db, settings, T0 + timedelta(seconds=90))
    assert done.delivered == 1
    assert len(receiver.calls) == 3
    assert all(c["ok"] for c in receiver.calls)
    assert len({c["event"] for c in receiver.calls}) == 1  # same event id: receivers dedupe
    body = receiver.calls[-1]["body"]
    assert body["event"] == "installment"
    assert body["installment"] == 1
    assert body["entries"][0]["criterion"] == "C1"
    assert "alice" not in json.dumps(body).lower()
    with db.session() as session:
        d = session.scalars(sa.select(WebhookDelivery)).one()
        assert (d.status, d.attempts, d.last_status_code) == ("delivered", 3, 200)
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(AuditEvent.action == "webhook.delivered")
            )
            == 1
        )


def test_dead_letter_after_the_last_attempt(db: Database) -> None:
    r = Receiver(fail=100)
    try:
        settings = PublishSettings(webhook_backoff=0, webhook_max_attempts=2)
        with db.transaction() as session:
            sub, r.secret = add_subscription(session, r.url, actor="admin")
            sub.created_at = T0 - timedelta(days=1)
            listed_account(session, platform(session, "x", "x"), "1", "a1")
            create_installments(session, settings, T0)
            enqueue(session, T0)
        assert deliver_due(db, settings, T0).retrying == 1
        assert deliver_due(db, settings, T0).dead == 1
        assert deliver_due(db, settings, T0 + timedelta(days=1)).dead == 0
        with db.session() as session:
            d = session.scalars(sa.select(WebhookDelivery)).one()
            assert (d.status, d.attempts) == ("dead", 2)
        with db.transaction() as session:
            dead = dead_letters(session)
            assert [(x["installment"], x["last_status_code"]) for x in dead] == [(1, 500)]
            assert requeue_dead(session, T0 + timedelta(days=1), actor="admin") == 1
        r.fail = 0
        assert deliver_due(db, settings, T0 + timedelta(days=1)).delivered == 1
    finally:
        r.server.shutdown()
