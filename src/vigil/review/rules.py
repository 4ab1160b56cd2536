"""Applying a decision to a case: the two-person rule, overrides, escalation on
disagreement, whitelisting, and listing or retracting blacklist entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import ConflictError, InputError, PermissionDeniedError
from vigil.model import (
    Case,
    CaseStatus,
    Decision,
    DecisionAction,
    ListEntry,
    ListKind,
    ListStatus,
    User,
    WhitelistType,
    utcnow,
)
from vigil.review.cases import active_entry, add_decision, close_case, retract_entry
from vigil.review.users import can_override
from vigil.store import record

__all__ = ["DecisionOutcome", "apply_confirm", "apply_other"]


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    decision_id: int
    account_id: int
    case_id: int | None
    case_status: str
    listed: bool
    needs_second: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "account_id": self.account_id,
            "case_id": self.case_id,
            "case_status": self.case_status,
            "listed": self.listed,
            "needs_second": self.needs_second,
            "message": self.message,
        }


def _whitelist_type(value: str | WhitelistType | None) -> WhitelistType:
    if value is None:
        raise InputError("whitelisting needs a type", field="whitelist_type")
    try:
        return WhitelistType(str(value).lower().replace("-", "_"))
    except ValueError:
        names = ", ".join(t.value for t in WhitelistType)
        raise InputError(
            f"unknown whitelist type {value!r} ({names})", field="whitelist_type"
        ) from None


def _confirmers(session: Session, case: Case) -> set[int]:
    rows = session.scalars(
        sa.select(Decision.user_id).where(
            Decision.case_id == case.id, Decision.action == DecisionAction.CONFIRM
        )
    )
    return set(rows)


def _list(
    session: Session, account_id: int, decision: Decision, criterion: str | None, actor: str
) -> ListEntry:
    """Put the account on the blacklist; an imported entry without a decision is adopted."""
    entry = active_entry(session, account_id, ListKind.BLACK)
    if entry is None:
        entry = ListEntry(
            account_id=account_id,
            kind=ListKind.BLACK,
            status=ListStatus.ACTIVE,
            criterion=criterion,
            source="review",
            decision_id=decision.id,
            added_at=utcnow(),
        )
        session.add(entry)
    else:
        entry.decision_id = decision.id
    white = active_entry(session, account_id, ListKind.WHITE)
    if white is not None:
        retract_entry(
            session,
            white,
            reason=f"listed by decision {decision.id}",
            actor=actor,
            decision_id=decision.id,
        )
    session.flush()
    record(
        session,
        actor=actor,
        action="list.add",
        subject=f"account:{account_id}",
        payload={
            "list_entry_id": entry.id,
            "kind": "black",
            "criterion": criterion,
            "decision_id": decision.id,
        },
    )
    return entry


def _outcome(
    decision: Decision,
    account_id: int,
    case: Case,
    listed: bool,
    message: str,
    needs_second: bool = False,
) -> DecisionOutcome:
    return DecisionOutcome(
        decision.id, account_id, case.id, case.status, listed, needs_second, message
    )


def _disagreement(
    decision: Decision, account_id: int, case: Case, lead: bool
) -> DecisionOutcome | None:
    """A second reviewer who disagrees with a pending confirmation sends the case to a lead."""
    if case.status != CaseStatus.PENDING_SECOND or lead:
        return None
    case.status = CaseStatus.ESCALATED
    return _outcome(decision, account_id, case, False, "reviewers disagree: escalated to a lead")


def apply_confirm(
    session: Session,
    user: User,
    case: Case,
    account_id: int,
    criterion: str,
    note: str | None,
    evidence: dict[str, Any],
    override: bool,
    required: int,
) -> DecisionOutcome:
    listed = active_entry(session, account_id, ListKind.BLACK)
    if listed is not None and listed.decision_id is not None:
        raise ConflictError(
            f"account {account_id} is already listed (decision {listed.decision_id})"
        )
    if active_entry(session, account_id, ListKind.WHITE) is not None and not can_override(
        user.role
    ):
        raise PermissionDeniedError("the account is whitelisted: only a lead may confirm it")
    actor = f"user:{user.username}"

    def decide(action: str, audit: dict[str, Any]) -> Decision:
        return add_decision(
            session,
            account_id=account_id,
            case=case,
            user=user,
            action=action,
            criterion=criterion,
            note=note,
            evidence=evidence,
            audit=audit,
        )

    if override:
        if not can_override(user.role):
            raise PermissionDeniedError(f"role {user.role} cannot override the two-person rule")
        if note is None:
            raise InputError("an override needs a note giving the reason", field="note")
        decision = decide(DecisionAction.OVERRIDE, {"listed": True})
        _list(session, account_id, decision, criterion, actor)
        close_case(case, DecisionAction.OVERRIDE)
        return _outcome(decision, account_id, case, True, "listed by a lead's override")
    confirmers = _confirmers(session, case)
    if user.id in confirmers:
        raise ConflictError("you already confirmed this case: a different reviewer must confirm")
    count = len(confirmers) + 1
    done = count >= required
    decision = decide(
        DecisionAction.CONFIRM, {"listed": done, "confirmations": count, "required": required}
    )
    if done:
        _list(session, account_id, decision, criterion, actor)
        close_case(case, DecisionAction.CONFIRM)
        message = f"listed: confirmed by {count} different reviewers"
    else:
        case.status = CaseStatus.PENDING_SECOND
        message = f"confirmation {count} of {required}: another reviewer must confirm"
    return _outcome(decision, account_id, case, done, message, needs_second=not done)


def _retract_black(
    session: Session, user: User, account_id: int, decision: Decision, why: str
) -> None:
    entry = active_entry(session, account_id, ListKind.BLACK)
    if entry is not None:
        retract_entry(
            session, entry, reason=why, actor=f"user:{user.username}", decision_id=decision.id
        )


def apply_other(
    session: Session,
    user: User,
    case: Case,
    account_id: int,
    name: str,
    code: str | None,
    note: str | None,
    evidence: dict[str, Any],
    whitelist_type: str | WhitelistType | None,
) -> DecisionOutcome:
    listed = active_entry(session, account_id, ListKind.BLACK) is not None
    lead = can_override(user.role)
    if listed and name in ("reject", "whitelist") and not lead:
        raise PermissionDeniedError("the account is listed: only a lead may reject or whitelist it")

    def decide(audit: dict[str, Any] | None = None) -> Decision:
        return add_decision(
            session,
            account_id=account_id,
            case=case,
            user=user,
            action=name,
            criterion=code,
            note=note,
            evidence=evidence,
            audit=audit,
        )

    if name == "escalate":
        if note is None:
            raise InputError("an escalation needs a note saying why", field="note")
        if case.status == CaseStatus.ESCALATED:
            raise ConflictError(f"case {case.id} is already escalated")
        decision = decide()
        case.status = CaseStatus.ESCALATED
        return _outcome(decision, account_id, case, listed, "escalated to a lead")
    if name == "whitelist":
        kind = _whitelist_type(whitelist_type)
        if note is None:
            raise InputError("whitelisting needs a reason (the note)", field="note")
        if active_entry(session, account_id, ListKind.WHITE) is not None:
            raise ConflictError(f"account {account_id} is already whitelisted")
        decision = decide({"whitelist_type": kind.value})
        # Disagreeing with a pending confirmation is for a lead to settle, as for reject.
        escalated = _disagreement(decision, account_id, case, lead)
        if escalated is not None:
            return escalated
        _retract_black(session, user, account_id, decision, f"whitelisted ({kind.value})")
        session.add(
            ListEntry(
                account_id=account_id,
                kind=ListKind.WHITE,
                status=ListStatus.ACTIVE,
                whitelist_type=kind.value,
                reason=note,
                source="review",
                decision_id=decision.id,
                added_at=utcnow(),
            )
        )
        close_case(case, name)
        return _outcome(decision, account_id, case, False, f"whitelisted as {kind.value}")
    # reject: a second reviewer who disagrees with the first sends the case to a lead.
    decision = decide()
    escalated = _disagreement(decision, account_id, case, lead)
    if escalated is not None:
        return escalated
    if listed:
        _retract_black(session, user, account_id, decision, "rejected on review")
    close_case(case, name)
    return _outcome(
        decision,
        account_id,
        case,
        False,
        "rejected" + (": listing retracted" if listed else ""),
    )
