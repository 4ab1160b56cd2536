"""Append to and verify the hash-chained audit log.

Each event's hash is ``sha256(prev_hash + canonical JSON of the event)``; the single
`audit_head` row is locked by every append, so concurrent writers queue instead of forking
the chain, and it lets `verify` notice events cut off the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.errors import AuditIntegrityError, MigrationError
from vigil.model import GENESIS_HASH, AuditEvent, AuditHead, utcnow

__all__ = ["AuditReport", "canonical_event", "event_hash", "record", "verify"]

log = logging.getLogger(__name__)

_HEAD_ID = 1


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_event(
    seq: int, ts: datetime, actor: str, action: str, subject: str, payload_json: str
) -> str:
    """The exact text that is hashed for one event (stable across databases)."""
    body = {
        "seq": seq,
        "ts": ts.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "payload": json.loads(payload_json),
    }
    return _canonical_json(body)


def event_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, Any] | None = None,
    ts: datetime | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; it commits or rolls back with it.

    `payload` must hold no secrets: it is stored and shown verbatim.
    """
    # Writing the head row first takes the lock on both databases (a row lock on
    # PostgreSQL, the write lock on SQLite) before we read the previous hash.
    locked = session.execute(
        update(AuditHead).where(AuditHead.id == _HEAD_ID).values(seq=AuditHead.seq)
    )
    if getattr(locked, "rowcount", 1) != 1:
        raise MigrationError("the audit log has no head row: run `vigil init`")
    head = session.execute(select(AuditHead).where(AuditHead.id == _HEAD_ID)).scalar_one()
    when = (ts or utcnow()).astimezone(UTC)
    payload_json = _canonical_json(dict(payload or {}))
    seq = head.seq + 1
    digest = event_hash(head.hash, canonical_event(seq, when, actor, action, subject, payload_json))
    event = AuditEvent(
        seq=seq,
        ts=when,
        actor=actor,
        action=action,
        subject=subject,
        payload=payload_json,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(event)
    head.seq = seq
    head.hash = digest
    session.flush()
    log.debug("audit event %s: %s on %s", seq, action, subject)
    return event


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The result of a successful verification."""

    events: int
    head_hash: str


def verify(session: Session, *, progress: Callable[[int], None] | None = None) -> AuditReport:
    """Walk the whole chain; raise `AuditIntegrityError` naming the first bad event."""
    prev_hash = GENESIS_HASH
    expected = 1
    rows = session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    ).scalars()
    for event in rows:
        if event.seq != expected:
            raise AuditIntegrityError(
                f"audit event {expected} is missing (the next stored event is {event.seq})",
                seq=expected,
            )
        if event.prev_hash != prev_hash:
            raise AuditIntegrityError(
                f"audit event {event.seq} does not verify: its prev_hash does not match "
                f"event {event.seq - 1}",
                seq=event.seq,
            )
        try:
            canonical = canonical_event(
                event.seq, event.ts, event.actor, event.action, event.subject, event.payload
            )
        except json.JSONDecodeError:
            raise AuditIntegrityError(
                f"audit event {event.seq} does not verify: its payload is not JSON",
                seq=event.seq,
            ) from None
        computed = event_hash(prev_hash, canonical)
        if computed != event.hash:
            raise AuditIntegrityError(
                f"audit event {event.seq} does not verify: its content does not match its hash",
                seq=event.seq,
            )
        prev_hash = event.hash
        expected += 1
        if progress is not None and expected % 2000 == 0:
            progress(expected - 1)
    count = expected - 1
    head = session.get(AuditHead, _HEAD_ID)
    if head is None:
        raise AuditIntegrityError("the audit head row is missing", seq=None)
    if head.seq != count or head.hash != prev_hash:
        raise AuditIntegrityError(
            f"audit event {count + 1} is missing: the head records {head.seq} events "
            f"but the log ends at {count}",
            seq=count + 1,
        )
    return AuditReport(events=count, head_hash=prev_hash)
