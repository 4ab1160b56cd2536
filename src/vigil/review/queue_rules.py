"""Which accounts a reviewer's queue leaves out, as one SQL subquery for the queue owner.

Listed accounts, decided ones (closed case, none open), whitelisted ones (unless a lead and
new evidence), escalated cases for non-leads, and cases the reviewer already confirmed:
the second confirmation must come from someone else.
"""

from __future__ import annotations

import sqlalchemy as sa

from vigil.model import (
    Case,
    CaseStatus,
    Decision,
    DecisionAction,
    ListEntry,
    ListKind,
    ListStatus,
    UserRole,
)
from vigil.review.users import role_at_least
from vigil.review.whitelist import hidden_from_queue

__all__ = ["hidden_accounts", "open_case_accounts"]


def open_case_accounts() -> sa.Select[int]:
    """Accounts with a case that is not closed (scan, tip, appeal, escalation...)."""
    return sa.select(Case.account_id).where(Case.status != CaseStatus.CLOSED)


def hidden_accounts(role: str | UserRole, user_id: int | None = None) -> sa.Select[int]:
    """Ids to leave out of `role`'s queue: use ``Account.id.not_in(hidden_accounts(...))``."""
    listed = sa.select(ListEntry.account_id).where(
        ListEntry.kind == ListKind.BLACK, ListEntry.status == ListStatus.ACTIVE
    )
    whitelisted = sa.select(ListEntry.account_id).where(
        ListEntry.kind == ListKind.WHITE, ListEntry.status == ListStatus.ACTIVE
    )
    # Decided and closed; whitelisted accounts follow the whitelist's own re-entry rule.
    decided = sa.select(Decision.account_id).where(
        Decision.account_id.not_in(open_case_accounts()),
        Decision.account_id.not_in(whitelisted),
    )
    parts: list[sa.Select[int]] = [listed, decided, hidden_from_queue(role)]
    if not role_at_least(role, UserRole.LEAD):
        parts.append(sa.select(Case.account_id).where(Case.status == CaseStatus.ESCALATED))
    if user_id is not None:
        parts.append(
            sa.select(Decision.account_id)
            .join(Case, Case.id == Decision.case_id)
            .where(
                Decision.user_id == user_id,
                Decision.action == DecisionAction.CONFIRM,
                Case.status != CaseStatus.CLOSED,
            )
        )
    return sa.select(sa.union(*parts).subquery().c[0])
