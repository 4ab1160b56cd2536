"""Signed webhooks: one delivery per installment per subscriber, HMAC-SHA256 over the
timestamp and body, retried with exponential backoff, dead-lettered after the last attempt.

Receivers check `Vigil-Signature: t=<unix>,v1=<hex>`: recompute HMAC-SHA256(secret,
"<t>." + body), compare in constant time, reject t older than 5 minutes, and remember
`Vigil-Event-Id` to drop replays within that window.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import PublishSettings
from vigil.errors import ConflictError, InputError
from vigil.model.publish import Installment, Publication, WebhookDelivery, WebhookSubscription
from vigil.store import Database, record

__all__ = [
    "SIGNATURE_HEADER",
    "DeliveryRun",
    "add_subscription",
    "dead_letters",
    "deliver_due",
    "enqueue",
    "requeue_dead",
    "sign",
    "verify_signature",
]

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Vigil-Signature"
REPLAY_WINDOW = 300  # seconds a receiver should accept a signature for
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, now: float, tolerance: int = REPLAY_WINDOW
) -> bool:
    """What a receiver runs: the signature matches and is recent (replay protection)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    ts = parts.get("t", "")
    if not ts.isdigit() or abs(now - int(ts)) > tolerance:
        return False
    expected = sign(secret, int(ts), body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def add_subscription(
    session: Session, url: str, *, actor: str, description: str | None = None
) -> tuple[WebhookSubscription, str]:
    """A new subscriber and its secret (shown once; give it to the receiver)."""
    if not url.startswith(("https://", "http://")):
        raise InputError("webhook URL must be http(s)", field="url")
    if session.scalar(sa.select(WebhookSubscription.id).where(WebhookSubscription.url == url)):
        raise ConflictError(f"a webhook for {url} already exists")
    secret = secrets.token_urlsafe(32)
    sub = WebhookSubscription(url=url, secret=secret, description=description)
    session.add(sub)
    session.flush()
    record(
        session,
        actor=actor,
        action="webhook.subscribe",
        subject=f"webhook:{sub.id}",
        payload={"url": url},
    )
    return sub, secret


def _body(inst: Installment, event_id: str) -> str:
    doc = {
        "id": event_id,
        "event": inst.kind,
        "installment": inst.number,
        "created_at": inst.created_at.isoformat(),
        "entries": inst.items,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def enqueue(session: Session, now: datetime) -> int:
    """Queue every installment a subscriber has not been sent (since it subscribed)."""
    queued = 0
    subs = session.scalars(sa.select(WebhookSubscription).where(WebhookSubscription.active)).all()
    for sub in subs:
        sent = sa.select(WebhookDelivery.number).where(WebhookDelivery.subscription_id == sub.id)
        todo = session.scalars(
            sa.select(Installment)
            .where(Installment.created_at >= sub.created_at, Installment.number.not_in(sent))
            .order_by(Installment.number)
        ).all()
        for inst in todo:
            event_id = str(uuid.uuid4())
            session.add(
                WebhookDelivery(
                    subscription_id=sub.id,
                    number=inst.number,
                    event_id=event_id,
                    event=inst.kind,
                    body=_body(inst, event_id),
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            queued += 1
            pub = session.scalar(
                sa.select(Publication).where(
                    Publication.channel == "webhook",
                    Publication.kind == inst.kind,
                    Publication.number == inst.number,
                )
            )
            if pub is None:
                pub = Publication(
                    channel="webhook",
                    kind=inst.kind,
                    number=inst.number,
                    entry_ids=[int(i["entry_id"]) for i in inst.items],
                    payload={"subscribers": []},
                    status="queued",
                    created_at=now,
                )
                session.add(pub)
                record(
                    session,
                    actor="publish",
                    action=f"publish.{inst.kind}",
                    subject=f"installment:{inst.number}",
                    payload={"channel": "webhook"},
                    ts=now,
                )
            pub.payload = {"subscribers": [*pub.payload.get("subscribers", []), sub.id]}
    session.flush()
    return queued


@dataclass(slots=True)
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def _attempt(
    client: httpx.Client, sub: WebhookSubscription, d: WebhookDelivery
) -> tuple[int | None, str | None]:
    body = d.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Vigil-Webhook/1",
        # Signed at the wall-clock send time: receivers compare it to their own clock.
        SIGNATURE_HEADER: sign(sub.secret, int(time.time()), body),
        "Vigil-Event-Id": d.event_id,
        "Vigil-Event": d.event,
    }
    try:
        resp = client.post(sub.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    return resp.status_code, None if resp.is_success else f"HTTP {resp.status_code}"


def deliver_due(
    db: Database,
    settings: PublishSettings,
    now: datetime,
    *,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryRun:
    """Try every delivery that is due; each outcome is committed on its own."""
    run = DeliveryRun()
    with db.session() as session:
        due = session.scalars(
            sa.select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.id)
        ).all()
    with httpx.Client(timeout=_TIMEOUT, transport=transport, follow_redirects=False) as client:
        for delivery_id in due:
            with db.transaction() as session:
                d = session.get(WebhookDelivery, delivery_id)
                sub = session.get(WebhookSubscription, d.subscription_id) if d else None
                if d is None or sub is None:
                    continue
                code, error = _attempt(client, sub, d)
                d.attempts += 1
                d.last_status_code, d.last_error = code, error
                if error is None:
                    d.status, d.delivered_at = "delivered", now
                    run.delivered += 1
                elif d.attempts >= settings.webhook_max_attempts:
                    d.status = "dead"
                    run.dead += 1
                    log.warning("webhook delivery %s dead after %s attempts", d.id, d.attempts)
                else:
                    wait = settings.webhook_backoff * 2 ** (d.attempts - 1)
                    d.next_attempt_at = now + timedelta(seconds=wait)
                    run.retrying += 1
                if d.status != "pending":
                    record(
                        session,
                        actor="publish",
                        action=f"webhook.{d.status}",
                        subject=f"webhook:{sub.id}",
                        payload={
                            "event_id": d.event_id,
                            "installment": d.number,
                            "attempts": d.attempts,
                            "last_error": error,
                        },
                        ts=now,
                    )
    return run


def dead_letters(session: Session) -> list[dict[str, object]]:
    """Deliveries that failed their last attempt, oldest first."""
    rows = session.execute(
        sa.select(WebhookDelivery, WebhookSubscription.url)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.status == "dead")
        .order_by(WebhookDelivery.id)
    ).all()
    return [
        {
            "id": d.id,
            "url": url,
            "installment": d.number,
            "event": d.event,
            "event_id": d.event_id,
            "attempts": d.attempts,
            "last_status_code": d.last_status_code,
            "last_error": d.last_error,
        }
        for d, url in rows
    ]


def requeue_dead(session: Session, now: datetime, *, actor: str) -> int:
    """Give every dead-lettered delivery a fresh round of attempts (same event id)."""
    dead = session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.status == "dead")).all()
    for d in dead:
        d.status, d.attempts, d.next_attempt_at = "pending", 0, now
    if dead:
        record(
            session,
            actor=actor,
            action="webhook.requeue",
            subject="webhooks",
            payload={"deliveries": [d.id for d in dead]},
            ts=now,
        )
    return len(dead)
