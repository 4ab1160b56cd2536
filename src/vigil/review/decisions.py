"""Reviewers' decisions on accounts: confirm, reject, whitelist, escalate, under the
two-person rule (a lead may override with a reason). Decisions are events: each supersedes
the account's previous one, lists or retracts entries by status, and is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import InputError, PermissionDeniedError
from vigil.model import Case, CaseStatus, Decision, DecisionAction, User, WhitelistType
from vigil.review.accounts import resolve_account
from vigil.review.cases import begin_write, open_case
from vigil.review.citations import EvidenceInput, check_evidence, default_evidence, is_empty
from vigil.review.fields import clean_text
from vigil.review.policy import load_policy
from vigil.review.rules import DecisionOutcome, apply_confirm, apply_other
from vigil.review.users import acting_user, can_decide, can_override
from vigil.store import Database

__all__ = [
    "REVIEW_ACTIONS",
    "DecisionOutcome",
    "DecisionView",
    "decide",
    "decision_history",
    "pending_first_decision",
]

log = logging.getLogger(__name__)

REVIEW_ACTIONS = ("confirm", "reject", "whitelist", "escalate")
_MAX_NOTE = 10_000


@dataclass(frozen=True, slots=True)
class DecisionView:
    id: int
    action: str
    criterion: str | None
    note: str | None
    username: str
    role: str
    decided_at: datetime
    evidence: dict[str, Any]
    supersedes_id: int | None
    case_id: int | None = None
    policy_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "criterion": self.criterion,
            "note": self.note,
            "username": self.username,
            "role": self.role,
            "decided_at": self.decided_at.isoformat(),
            "evidence": self.evidence,
            "supersedes_id": self.supersedes_id,
            "case_id": self.case_id,
            "policy_version": self.policy_version,
        }


def _note(note: str | None) -> str | None:
    return clean_text(note, field="note", max_len=_MAX_NOTE)


def decide(
    db: Database,
    account: str | int,
    *,
    action: str | DecisionAction,
    user: str,
    criterion: str | None = None,
    note: str | None = None,
    evidence: EvidenceInput = None,
    whitelist_type: str | WhitelistType | None = None,
    override: bool = False,
    settings: Settings | None = None,
) -> DecisionOutcome:
    """Record one reviewer's decision on an account and apply it (see the module docstring).

    Confirmations need `settings.confirmations_required` different reviewers (read from the
    environment when `settings` is None); a lead or admin lists on one with `override` and
    a note. Undoing a listing (reject, whitelist) and deciding an escalated case need a lead.
    """
    name = str(action).lower()
    if name not in REVIEW_ACTIONS:
        raise InputError(f"unknown action {name!r} ({', '.join(REVIEW_ACTIONS)})", field="action")
    required = (settings or Settings.from_env()).confirmations_required
    policy = load_policy()
    text = _note(note)
    code = policy.citable(criterion).code if criterion else None
    if name == "confirm" and code is None:
        raise InputError("a confirmation must cite a criterion of the policy", field="criterion")
    if override and name != "confirm":
        raise InputError("only a confirmation can override", field="override")
    with db.transaction() as session:
        begin_write(session)
        actor = acting_user(session, user)
        if not can_decide(actor.role):
            raise PermissionDeniedError(f"role {actor.role} cannot decide")
        target = resolve_account(session, account)
        cited = check_evidence(session, target.id, evidence)
        if is_empty(cited) and name == "confirm":
            cited = default_evidence(session, target.id)
            if is_empty(cited):
                raise InputError(
                    "a confirmation must cite evidence (post:ID, match:ID or signal:NAME)",
                    field="evidence",
                )
        case = open_case(session, target.id, source="review")
        if case.status == CaseStatus.ESCALATED and not can_override(actor.role):
            raise PermissionDeniedError("this case is escalated: a lead decides it")
        if name == "confirm":
            assert code is not None
            outcome = apply_confirm(
                session, actor, case, target.id, code, text, cited, override, required
            )
        else:
            outcome = apply_other(
                session, actor, case, target.id, name, code, text, cited, whitelist_type
            )
    log.info("decision %s: %s on account %s", outcome.decision_id, name, outcome.account_id)
    return outcome


def _views(session: Session, stmt: sa.Select[Decision, User]) -> list[DecisionView]:
    return [
        DecisionView(
            id=d.id,
            action=d.action,
            criterion=d.criterion,
            note=d.note,
            username=u.username,
            role=u.role,
            decided_at=d.decided_at,
            evidence=dict(d.evidence or {}),
            supersedes_id=d.supersedes_id,
            case_id=d.case_id,
            policy_version=d.policy_version,
        )
        for d, u in session.execute(stmt).all()
    ]


def decision_history(db: Database, account_id: int) -> list[DecisionView]:
    """Every decision on the account, oldest first (each names the one it supersedes)."""
    with db.session() as session:
        stmt = (
            sa.select(Decision, User)
            .join(User, User.id == Decision.user_id)
            .where(Decision.account_id == account_id)
            .order_by(Decision.decided_at, Decision.id)
        )
        return _views(session, stmt)


def pending_first_decision(db: Database, account_id: int) -> DecisionView | None:
    """The confirmation awaiting a second reviewer on the account's open case, if any."""
    with db.session() as session:
        stmt = (
            sa.select(Decision, User)
            .join(User, User.id == Decision.user_id)
            .join(Case, Case.id == Decision.case_id)
            .where(
                Decision.account_id == account_id,
                Decision.action == DecisionAction.CONFIRM,
                Case.status.in_([CaseStatus.PENDING_SECOND, CaseStatus.ESCALATED]),
            )
            .order_by(Decision.id.desc())
            .limit(1)
        )
        found = _views(session, stmt)
        return found[0] if found else None
