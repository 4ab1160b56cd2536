"""Cases, decision events and list entries at the row level, inside the caller's transaction.

Shared by decisions, whitelist, appeals, tips and threats so that every path records a
decision the same way: superseding the account's previous one, with the policy version,
and with one audit event; retraction is a status change with a reason, never a delete.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import MigrationError
from vigil.model import (
    AuditHead,
    Case,
    CaseStatus,
    Decision,
    ListEntry,
    ListKind,
    ListStatus,
    User,
    utcnow,
)
from vigil.review.policy import load_policy
from vigil.store import record

__all__ = [
    "active_entry",
    "add_decision",
    "begin_write",
    "close_case",
    "current_case",
    "open_case",
    "retract_entry",
]


def begin_write(session: Session) -> None:
    """Take the audit log's write lock first thing, so review writes queue up in order.

    Every review write ends with an audit event, which takes this lock anyway; taking it
    before reading makes read-check-write atomic (two reviewers confirming at once cannot
    both list) and, on SQLite, waits for the writer instead of failing on a stale snapshot.
    """
    locked = session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
    )
    if getattr(locked, "rowcount", 1) != 1:
        raise MigrationError("the audit log has no head row: run `vigil init`")


def current_case(session: Session, account_id: int) -> Case | None:
    """The account's case that is not closed yet (the newest, should there be several)."""
    return session.scalars(
        sa.select(Case)
        .where(Case.account_id == account_id, Case.status != CaseStatus.CLOSED)
        .order_by(Case.id.desc())
        .limit(1)
    ).first()


def open_case(session: Session, account_id: int, *, source: str, priority: int = 0) -> Case:
    """The account's open case, or a new one opened from `source`."""
    case = current_case(session, account_id)
    if case is not None:
        if priority > case.priority:
            case.priority = priority
        return case
    case = Case(
        account_id=account_id,
        status=CaseStatus.OPEN,
        source=source,
        priority=priority,
        opened_at=utcnow(),
    )
    session.add(case)
    session.flush()
    return case


def close_case(case: Case, resolution: str) -> None:
    case.status = CaseStatus.CLOSED
    case.resolution = resolution
    case.closed_at = utcnow()


def active_entry(session: Session, account_id: int, kind: ListKind) -> ListEntry | None:
    return session.scalars(
        sa.select(ListEntry)
        .where(
            ListEntry.account_id == account_id,
            ListEntry.kind == kind,
            ListEntry.status == ListStatus.ACTIVE,
        )
        .order_by(ListEntry.id.desc())
        .limit(1)
    ).first()


def add_decision(
    session: Session,
    *,
    account_id: int,
    case: Case | None,
    user: User,
    action: str,
    criterion: str | None,
    note: str | None,
    evidence: dict[str, Any],
    audit: dict[str, Any] | None = None,
) -> Decision:
    """Append a decision superseding the account's latest one, and its audit event."""
    previous = session.scalar(
        sa.select(Decision.id)
        .where(Decision.account_id == account_id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(1)
    )
    policy = load_policy()
    decision = Decision(
        case_id=case.id if case is not None else None,
        account_id=account_id,
        user_id=user.id,
        action=action,
        criterion=criterion,
        note=note,
        evidence=evidence,
        supersedes_id=previous,
        decided_at=utcnow(),
        policy_version=policy.version,
    )
    session.add(decision)
    session.flush()
    payload: dict[str, Any] = {
        "decision_id": decision.id,
        "case_id": decision.case_id,
        "account_id": account_id,
        "role": user.role,
        "criterion": criterion,
        "note": note,
        "evidence": evidence,
        "supersedes_id": previous,
        "policy_version": policy.version,
    }
    payload.update(audit or {})
    record(
        session,
        actor=f"user:{user.username}",
        action=f"decision.{action}",
        subject=f"account:{account_id}",
        payload=payload,
    )
    return decision


def retract_entry(
    session: Session,
    entry: ListEntry,
    *,
    reason: str,
    actor: str,
    decision_id: int | None = None,
) -> None:
    """Retract a list entry (publishing reacts to retracted blacklist entries)."""
    entry.status = ListStatus.RETRACTED
    entry.retracted_at = utcnow()
    entry.retraction_reason = reason
    entry.retraction_decision_id = decision_id
    session.flush()
    record(
        session,
        actor=actor,
        action="list.retract",
        subject=f"account:{entry.account_id}",
        payload={
            "list_entry_id": entry.id,
            "kind": entry.kind,
            "reason": reason,
            "decision_id": decision_id,
        },
    )
