"""The review queue: scored accounts, highest first, with the signals that explain each.

Whitelisted, already blacklisted and already decided accounts are left out unless asked for;
`linked_to` names the suspended accounts resurgence found each one looks like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, Decision, ListEntry, ListStatus, Platform, Score
from vigil.scoring.links import links_by_new_account

__all__ = ["QueueItem", "QueueLink", "QueueSignal", "review_queue"]


@dataclass(frozen=True, slots=True)
class QueueSignal:
    name: str
    value: float
    explanation: str


@dataclass(frozen=True, slots=True)
class QueueLink:
    """A suspended account this one looks like (resurgence); `id` is the store's id."""

    id: int
    account_id: str
    username: str
    confidence: float
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "username": self.username,
            "confidence": self.confidence,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One account to review; `account_id` is the platform's id, `id` the store's."""

    id: int
    platform: str
    account_id: str
    username: str
    display_name: str | None
    score: float
    signals: list[QueueSignal] = field(default_factory=list)
    linked_to: list[QueueLink] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account_id": self.account_id,
            "username": self.username,
            "score": self.score,
            "signals": [
                {"name": s.name, "value": s.value, "explanation": s.explanation}
                for s in self.signals
            ],
            "linked_to": [link.to_dict() for link in self.linked_to],
        }


def _signals(contributions: dict[str, Any]) -> list[QueueSignal]:
    signals = contributions.get("signals") or {}
    found = [
        QueueSignal(str(name), float(c.get("value", 0.0)), str(c.get("explanation", "")))
        for name, c in signals.items()
        if isinstance(c, dict)
    ]
    # Strongest evidence first: what a reviewer reads before anything else.
    order = {str(n): abs(float(c.get("contribution", 0.0))) for n, c in signals.items()}
    return sorted(found, key=lambda s: -order.get(s.name, 0.0))


def review_queue(
    session: Session, *, limit: int | None = 50, everything: bool = False
) -> list[QueueItem]:
    """Accounts by score, descending; `everything` keeps listed and decided accounts too."""
    stmt = (
        sa.select(Score, Account, Platform.name)
        .join(Account, Account.id == Score.account_id)
        .join(Platform, Platform.id == Account.platform_id)
        .order_by(Score.value.desc(), Account.id)
    )
    if not everything:
        listed = sa.select(ListEntry.account_id).where(ListEntry.status == ListStatus.ACTIVE)
        decided = sa.select(Decision.account_id)
        stmt = stmt.where(Account.id.not_in(listed), Account.id.not_in(decided))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    links = links_by_new_account(session, [account.id for _, account, _ in rows])
    return [
        QueueItem(
            id=account.id,
            platform=platform,
            account_id=account.platform_account_id,
            username=account.handle,
            display_name=account.display_name,
            score=round(float(score.value), 4),
            signals=_signals(score.contributions or {}),
            linked_to=[
                QueueLink(
                    link.prior_account.id,
                    link.prior_account.account_id,
                    link.prior_account.username,
                    link.confidence,
                    link.status,
                )
                for link in links.get(account.id, [])
            ],
        )
        for score, account, platform in rows
    ]
