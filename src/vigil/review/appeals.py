"""Appeals: anyone may ask for a listed account to be delisted and follow it by reference;
a lead decides, and an upheld appeal delists the account (its entry is retracted, which
publishing passes on). The public status shows no reviewer and no note.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from vigil.model import Account, DecisionAction, ListKind, Platform, User, utcnow
from vigil.model.enums import AppealStatus, CaseSource
from vigil.model.review import Appeal
from vigil.review.accounts import resolve_account
from vigil.review.cases import (
    active_entry,
    add_decision,
    begin_write,
    close_case,
    open_case,
    retract_entry,
)
from vigil.review.fields import clean_line, clean_text
from vigil.review.users import acting_user, can_override
from vigil.store import Database, record

__all__ = [
    "AppealView",
    "appeal_status",
    "decide_appeal",
    "file_appeal",
    "list_appeals",
    "new_reference",
]

log = logging.getLogger(__name__)

# Crockford's base32 without the letters that read like digits (I, L, O) or invite words (U).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_TEXT = 5000
MAX_CONTACT = 300


def new_reference(prefix: str) -> str:
    """A reference like ``APL-7K3Q-9MZD``: 40 random bits, easy to read out and type."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def _clean_reference(reference: str) -> str:
    return clean_line(reference, field="reference", max_len=40).upper()


@dataclass(frozen=True, slots=True)
class AppealView:
    reference: str
    status: str
    account_id: int
    platform: str
    platform_account_id: str
    handle: str
    text: str
    contact: str | None
    filed_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None

    def public_dict(self) -> dict[str, Any]:
        """What the person who filed it may see: no reviewer, no note, no contact."""
        return {
            "reference": self.reference,
            "status": self.status,
            "filed_at": self.filed_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.public_dict(),
            "account_id": self.account_id,
            "platform": self.platform,
            "platform_account_id": self.platform_account_id,
            "handle": self.handle,
            "text": self.text,
            "contact": self.contact,
            "decided_by": self.decided_by,
            "decision_note": self.decision_note,
        }


def file_appeal(
    db: Database, account_ref: str | int, *, text: str, contact: str | None = None
) -> str:
    """File an appeal about a listed account; returns its reference (no login needed)."""
    body = clean_text(text, field="text", max_len=MAX_TEXT)
    if body is None:
        raise InputError("an appeal needs a text saying why", field="text")
    reach = clean_text(contact, field="contact", max_len=MAX_CONTACT)
    with db.transaction() as session:
        begin_write(session)
        account = resolve_account(session, account_ref)
        entry = active_entry(session, account.id, ListKind.BLACK)
        if entry is None:
            raise NotFoundError("that account is not on the blacklist")
        reference = new_reference("APL")
        while session.scalar(sa.select(Appeal.id).where(Appeal.reference == reference)):
            reference = new_reference("APL")
        session.add(
            Appeal(
                reference=reference,
                account_id=account.id,
                list_entry_id=entry.id,
                text=body,
                contact=reach,
                status=AppealStatus.OPEN,
                filed_at=utcnow(),
            )
        )
        case = open_case(session, account.id, source=CaseSource.APPEAL)
        session.flush()
        # The appellant's text and contact stay out of the audit log (personal data).
        record(
            session,
            actor="public",
            action="appeal.file",
            subject=f"account:{account.id}",
            payload={"reference": reference, "list_entry_id": entry.id, "case_id": case.id},
        )
    log.info("appeal filed about account %s", account.id)
    return reference


def _query() -> sa.Select[Appeal, Account, str, str | None]:
    return (
        sa.select(Appeal, Account, Platform.name, User.username)
        .join(Account, Account.id == Appeal.account_id)
        .join(Platform, Platform.id == Account.platform_id)
        .outerjoin(User, User.id == Appeal.decided_by)
    )


def _views(session: Session, stmt: sa.Select[Appeal, Account, str, str | None]) -> list[AppealView]:
    return [
        AppealView(
            reference=a.reference,
            status=a.status,
            account_id=acc.id,
            platform=platform,
            platform_account_id=acc.platform_account_id,
            handle=acc.handle,
            text=a.text,
            contact=a.contact,
            filed_at=a.filed_at,
            decided_at=a.decided_at,
            decided_by=username,
            decision_note=a.decision_note,
        )
        for a, acc, platform, username in session.execute(stmt).all()
    ]


def appeal_status(db: Database, reference: str) -> AppealView:
    """The appeal with this reference (use `public_dict()` for the person who filed it)."""
    with db.session() as session:
        found = _views(session, _query().where(Appeal.reference == _clean_reference(reference)))
    if not found:
        raise NotFoundError("no appeal with that reference")
    return found[0]


def list_appeals(db: Database, status: str | None = None) -> list[AppealView]:
    """Appeals, oldest first (the inbox order); only those with `status` when given."""
    stmt = _query().order_by(Appeal.filed_at, Appeal.id)
    if status is not None:
        try:
            stmt = stmt.where(Appeal.status == AppealStatus(status))
        except ValueError:
            raise InputError(f"unknown appeal status {status!r}", field="status") from None
    with db.session() as session:
        return _views(session, stmt)


def decide_appeal(
    db: Database, reference: str, *, uphold: bool, user: str, note: str
) -> AppealView:
    """A lead's decision; upheld -> a `delist` decision and the blacklist entry retracted."""
    text = (note or "").strip()
    if not text:
        raise InputError("deciding an appeal needs a note", field="note")
    with db.transaction() as session:
        begin_write(session)
        actor = acting_user(session, user)
        if not can_override(actor.role):
            raise PermissionDeniedError(f"role {actor.role} cannot decide appeals")
        appeal = session.scalars(
            sa.select(Appeal).where(Appeal.reference == _clean_reference(reference))
        ).first()
        if appeal is None:
            raise NotFoundError("no appeal with that reference")
        if appeal.status != AppealStatus.OPEN:
            raise ConflictError(f"appeal {appeal.reference} was already decided ({appeal.status})")
        case = open_case(session, appeal.account_id, source=CaseSource.APPEAL)
        decision_id = None
        if uphold:
            decision = add_decision(
                session,
                account_id=appeal.account_id,
                case=case,
                user=actor,
                action=DecisionAction.DELIST,
                criterion=None,
                note=text,
                evidence={},
                audit={"appeal": appeal.reference},
            )
            decision_id = decision.id
            entry = active_entry(session, appeal.account_id, ListKind.BLACK)
            if entry is not None:
                retract_entry(
                    session,
                    entry,
                    reason=f"appeal {appeal.reference} upheld",
                    actor=f"user:{actor.username}",
                    decision_id=decision.id,
                )
            close_case(case, DecisionAction.DELIST)
        elif not _other_open_appeals(session, appeal):
            close_case(case, "appeal_rejected")
        appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
        appeal.decided_at = utcnow()
        appeal.decided_by = actor.id
        appeal.decision_note = text
        appeal.decision_id = decision_id
        record(
            session,
            actor=f"user:{actor.username}",
            action="appeal.decide",
            subject=f"account:{appeal.account_id}",
            payload={
                "reference": appeal.reference,
                "status": appeal.status,
                "note": text,
                "decision_id": decision_id,
            },
        )
    return appeal_status(db, reference)


def _other_open_appeals(session: Session, appeal: Appeal) -> bool:
    return bool(
        session.scalar(
            sa.select(sa.func.count(Appeal.id)).where(
                Appeal.account_id == appeal.account_id,
                Appeal.status == AppealStatus.OPEN,
                Appeal.id != appeal.id,
            )
        )
    )
