"""Merkle roots of the audit log and of the lists, stated in the report so anyone holding
the log or a list export can check the report was computed from exactly that state.

Leaves and nodes are hashed with distinct prefixes (RFC 6962), so no leaf can pose as a node.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.model import Account, AuditEvent, ListEntry, Platform

__all__ = ["audit_root", "lists_root", "merkle_root"]

_EMPTY = hashlib.sha256(b"").hexdigest()


def merkle_root(leaves: Sequence[bytes]) -> str:
    if not leaves:
        return _EMPTY
    level = [hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]
    while len(level) > 1:
        nxt = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])  # an odd node is promoted as it is
        level = nxt
    return level[0].hex()


def audit_root(session: Session) -> tuple[str, int]:
    """Root over the audit events' chain hashes in sequence order, and the number of events."""
    hashes = [
        h.encode("ascii")
        for (h,) in session.execute(select(AuditEvent.hash).order_by(AuditEvent.seq))
    ]
    return merkle_root(hashes), len(hashes)


def lists_root(session: Session) -> tuple[str, int]:
    """Root over every list entry (black and white, retracted too) in id order."""
    rows = session.execute(
        select(ListEntry, Account.platform_account_id, Platform.name)
        .join(Account, Account.id == ListEntry.account_id)
        .join(Platform, Platform.id == Account.platform_id)
        .order_by(ListEntry.id)
    ).all()
    leaves = []
    for entry, platform_account_id, platform in rows:
        leaf = {
            "id": entry.id,
            "platform": platform,
            "account": platform_account_id,
            "kind": entry.kind,
            "status": entry.status,
            "criterion": entry.criterion,
            "added_at": entry.added_at.astimezone(UTC).isoformat(),
            "retracted_at": entry.retracted_at.astimezone(UTC).isoformat()
            if entry.retracted_at
            else None,
        }
        leaves.append(json.dumps(leaf, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return merkle_root(leaves), len(leaves)
