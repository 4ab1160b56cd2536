"""Resurgence links as reviewers read them: the new account, the suspended one it looks like,
the confidence and the evidence; and the same links by new account for the review queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from vigil.model import Account, Platform
from vigil.model.detection import AccountLink, LinkStatus

__all__ = ["LinkRow", "LinkedAccount", "links_by_new_account", "list_links"]


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    """One side of a link; `account_id` is the platform's id, `id` the store's."""

    id: int
    platform: str
    account_id: str
    username: str

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "account_id": self.account_id, "username": self.username}


@dataclass(frozen=True, slots=True)
class LinkRow:
    new_account: LinkedAccount
    prior_account: LinkedAccount
    confidence: float
    evidence: dict[str, Any]
    status: str
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "new_account": self.new_account.to_dict(),
            "prior_account": self.prior_account.to_dict(),
            "confidence": self.confidence,
            "evidence": self.evidence,
            "status": self.status,
            "method": self.method,
        }


def list_links(
    session: Session,
    *,
    min_confidence: float = 0.0,
    new_accounts: Iterable[int] | None = None,
    include_rejected: bool = False,
    limit: int | None = None,
) -> list[LinkRow]:
    """Links by confidence, descending; rejected ones only when asked for."""
    new, prior = aliased(Account), aliased(Account)
    pnew, pprior = aliased(Platform), aliased(Platform)
    stmt = (
        sa.select(AccountLink, new, pnew.name, prior, pprior.name)
        .join(new, new.id == AccountLink.new_account_id)
        .join(pnew, pnew.id == new.platform_id)
        .join(prior, prior.id == AccountLink.prior_account_id)
        .join(pprior, pprior.id == prior.platform_id)
        .where(AccountLink.confidence >= min_confidence)
        .order_by(AccountLink.confidence.desc(), AccountLink.id)
    )
    if not include_rejected:
        stmt = stmt.where(AccountLink.status != LinkStatus.REJECTED)
    if new_accounts is not None:
        stmt = stmt.where(AccountLink.new_account_id.in_(list(new_accounts)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        LinkRow(
            new_account=LinkedAccount(a.id, pa, a.platform_account_id, a.handle),
            prior_account=LinkedAccount(b.id, pb, b.platform_account_id, b.handle),
            confidence=round(float(link.confidence), 4),
            evidence=dict(link.evidence or {}),
            status=str(link.status),
            method=str(link.method),
        )
        for link, a, pa, b, pb in session.execute(stmt).all()
    ]


def links_by_new_account(session: Session, ids: Iterable[int]) -> dict[int, list[LinkRow]]:
    """Store account id -> its links (not rejected), strongest first."""
    wanted = list(dict.fromkeys(ids))
    out: dict[int, list[LinkRow]] = {}
    for i in range(0, len(wanted), 5000):
        for row in list_links(session, new_accounts=wanted[i : i + 5000]):
            out.setdefault(row.new_account.id, []).append(row)
    return out
