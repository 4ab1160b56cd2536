"""The whitelist: accounts reviewed as not in scope (journalist, researcher, parody...).

A whitelisted account stays out of the review queue unless new evidence arrives after it
was whitelisted (a post first seen later, or a match against a bank item added later), and
even then it comes back only for a lead. Scan rewrites media matches, so their own times
say nothing; the bank item's time does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import InputError, NotFoundError, PermissionDeniedError
from vigil.model import (
    Account,
    BankHash,
    Decision,
    ListEntry,
    ListKind,
    ListStatus,
    MediaMatch,
    Platform,
    Post,
    PostMedia,
    User,
    UserRole,
    WhitelistType,
)
from vigil.review.accounts import resolve_account
from vigil.review.cases import active_entry, begin_write, retract_entry
from vigil.review.decisions import DecisionOutcome, decide
from vigil.review.fields import clean_text
from vigil.review.users import acting_user, can_override, role_at_least
from vigil.store import Database

__all__ = [
    "Visibility",
    "WhitelistView",
    "add_to_whitelist",
    "has_new_evidence",
    "hidden_from_queue",
    "is_whitelisted",
    "list_whitelist",
    "reentry_allowed",
    "remove_from_whitelist",
    "review_visibility",
]


class Visibility(StrEnum):
    VISIBLE = "visible"  # not whitelisted
    HIDDEN = "hidden"  # whitelisted, and no new evidence or not a lead
    REENTERED = "reentered"  # whitelisted, new evidence since, shown to leads only


@dataclass(frozen=True, slots=True)
class WhitelistView:
    entry_id: int
    account_id: int
    platform: str
    platform_account_id: str
    handle: str
    type: str | None
    reason: str | None
    status: str
    added_at: datetime
    retracted_at: datetime | None
    decided_by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "account_id": self.account_id,
            "platform": self.platform,
            "platform_account_id": self.platform_account_id,
            "handle": self.handle,
            "type": self.type,
            "reason": self.reason,
            "status": self.status,
            "added_at": self.added_at.isoformat(),
            "retracted_at": self.retracted_at.isoformat() if self.retracted_at else None,
            "decided_by": self.decided_by,
        }


def add_to_whitelist(
    db: Database,
    account_ref: str | int,
    *,
    type: str | WhitelistType,
    reason: str,
    user: str,
    settings: Settings | None = None,
) -> DecisionOutcome:
    """Whitelist an account: a `whitelist` decision (retracting a listing needs a lead)."""
    return decide(
        db,
        account_ref,
        action="whitelist",
        user=user,
        note=reason,
        whitelist_type=type,
        settings=settings,
    )


def list_whitelist(db: Database, *, include_removed: bool = False) -> list[WhitelistView]:
    """Whitelist entries, newest first; removed ones too when asked."""
    with db.session() as session:
        stmt = (
            sa.select(ListEntry, Account, Platform.name, User.username)
            .join(Account, Account.id == ListEntry.account_id)
            .join(Platform, Platform.id == Account.platform_id)
            .outerjoin(Decision, Decision.id == ListEntry.decision_id)
            .outerjoin(User, User.id == Decision.user_id)
            .where(ListEntry.kind == ListKind.WHITE)
            .order_by(ListEntry.added_at.desc(), ListEntry.id.desc())
        )
        if not include_removed:
            stmt = stmt.where(ListEntry.status == ListStatus.ACTIVE)
        return [
            WhitelistView(
                entry_id=e.id,
                account_id=a.id,
                platform=p,
                platform_account_id=a.platform_account_id,
                handle=a.handle,
                type=e.whitelist_type,
                reason=e.reason,
                status=e.status,
                added_at=e.added_at,
                retracted_at=e.retracted_at,
                decided_by=u,
            )
            for e, a, p, u in session.execute(stmt).all()
        ]


def remove_from_whitelist(db: Database, account_ref: str | int, *, reason: str, user: str) -> None:
    """Take an account off the whitelist (a lead's call); the entry is kept as removed."""
    text = clean_text(reason, field="reason", max_len=10_000)
    if text is None:
        raise InputError("removing from the whitelist needs a reason", field="reason")
    with db.transaction() as session:
        begin_write(session)
        actor = acting_user(session, user)
        if not can_override(actor.role):
            raise PermissionDeniedError(f"role {actor.role} cannot remove whitelist entries")
        account = resolve_account(session, account_ref)
        entry = active_entry(session, account.id, ListKind.WHITE)
        if entry is None:
            raise NotFoundError(f"account {account.id} is not whitelisted")
        retract_entry(session, entry, reason=text, actor=f"user:{actor.username}")


def is_whitelisted(session: Session, account_id: int) -> bool:
    return active_entry(session, account_id, ListKind.WHITE) is not None


def _new_evidence(since: Any, account: Any) -> sa.ColumnElement[bool]:
    """SQL: the account has a post first seen, or a match to a bank item added, after `since`."""
    new_post = sa.exists().where(Post.account_id == account, Post.first_seen > since)
    new_match = sa.exists().where(
        Post.account_id == account,
        PostMedia.post_id == Post.id,
        MediaMatch.media_id == PostMedia.media_id,
        BankHash.id == MediaMatch.bank_hash_id,
        BankHash.added_at > since,
    )
    return sa.or_(new_post, new_match)


def has_new_evidence(session: Session, account_id: int, since: datetime) -> bool:
    return bool(session.scalar(sa.select(_new_evidence(since, account_id))))


def review_visibility(session: Session, account_id: int, role: str | UserRole) -> Visibility:
    """Whether the account may appear in this role's review queue (see the module docstring)."""
    entry = active_entry(session, account_id, ListKind.WHITE)
    if entry is None:
        return Visibility.VISIBLE
    if role_at_least(role, UserRole.LEAD) and has_new_evidence(session, account_id, entry.added_at):
        return Visibility.REENTERED
    return Visibility.HIDDEN


def reentry_allowed(session: Session, account_id: int, role: str | UserRole) -> bool:
    """True unless the account is whitelisted and (not a lead, or nothing new since)."""
    return review_visibility(session, account_id, role) is not Visibility.HIDDEN


def hidden_from_queue(role: str | UserRole) -> sa.Select[int]:
    """Ids of the accounts the queue must leave out for `role`, for ``Account.id.not_in(...)``."""
    stmt = sa.select(ListEntry.account_id).where(
        ListEntry.kind == ListKind.WHITE, ListEntry.status == ListStatus.ACTIVE
    )
    if role_at_least(role, UserRole.LEAD):
        stmt = stmt.where(sa.not_(_new_evidence(ListEntry.added_at, ListEntry.account_id)))
    return stmt
