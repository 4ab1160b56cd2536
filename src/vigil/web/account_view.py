"""Everything the account page shows, gathered in one read: profile and handle history,
the score's contributions (counter-signals marked), signals, evidence, list entries and
decisions (with the confirmation awaiting a second reviewer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import NotFoundError
from vigil.model import Account, AccountHandle, ListEntry, Platform, Score, Signal, WhitelistType
from vigil.review.decisions import DecisionView, decision_history, pending_first_decision
from vigil.review.policy import Criterion, load_policy
from vigil.store import Database
from vigil.web.evidence_view import Evidence, account_evidence

__all__ = ["AccountPage", "Contribution", "account_page", "load_account"]

# Signals whose weight pushes a score down: shown as counter-evidence, never as support.
COUNTER_SIGNALS = {"text_counter", "context"}


@dataclass(frozen=True, slots=True)
class Contribution:
    name: str
    value: float
    weight: float
    contribution: float
    explanation: str

    @property
    def counter(self) -> bool:
        return self.contribution < 0 or self.weight < 0 or self.name in COUNTER_SIGNALS


@dataclass(slots=True)
class AccountPage:
    account: Account
    platform: str
    handles: list[AccountHandle]
    score: Score | None
    contributions: list[Contribution]
    signals: list[Signal]
    evidence: Evidence
    entries: list[ListEntry]
    history: list[DecisionView]
    pending: DecisionView | None
    criteria: list[Criterion]
    policy_version: str
    whitelist_types: list[str]

    @property
    def listed(self) -> ListEntry | None:
        return next((e for e in self.entries if e.kind == "black" and e.status == "active"), None)

    @property
    def whitelisted(self) -> ListEntry | None:
        return next((e for e in self.entries if e.kind == "white" and e.status == "active"), None)

    def evidence_items(self) -> list[tuple[str, str]]:
        """(value, label) of what a decision can cite, for the form's checkboxes."""
        items = [(f"signal:{s.name}", f"signal {s.name} ({s.value:.2f})") for s in self.signals]
        items += [(f"match:{m.id}", f"media match {m.item} (distance {m.distance})")
                  for m in self.evidence.matches]  # fmt: skip
        items += [(f"post:{p.post.id}", f"post {p.post.platform_post_id}")
                  for p in self.evidence.posts if p.spans]  # fmt: skip
        return items


def _contributions(score: Score | None) -> list[Contribution]:
    signals: dict[str, Any] = ((score.contributions or {}).get("signals") or {}) if score else {}
    out = [
        Contribution(
            str(name),
            float(c.get("value", 0.0)),
            float(c.get("weight", 0.0)),
            float(c.get("contribution", 0.0)),
            str(c.get("explanation", "")),
        )
        for name, c in signals.items()
        if isinstance(c, dict)
    ]
    return sorted(out, key=lambda c: -abs(c.contribution))


def load_account(session: Session, account_id: int) -> tuple[Account, str]:
    row = session.execute(
        sa.select(Account, Platform.name)
        .join(Platform, Platform.id == Account.platform_id)
        .where(Account.id == account_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no account with id {account_id}")
    return row[0], str(row[1])


def _latest_signals(session: Session, account_id: int) -> dict[str, Signal]:
    stmt = (
        sa.select(Signal)
        .where(Signal.account_id == account_id)
        .order_by(Signal.computed_at, Signal.id)
    )
    return {s.name: s for s in session.scalars(stmt)}  # later rows replace earlier ones


def account_page(db: Database, account_id: int) -> AccountPage:
    policy = load_policy()
    with db.session() as session:
        account, platform = load_account(session, account_id)
        handles = list(
            session.scalars(
                sa.select(AccountHandle)
                .where(AccountHandle.account_id == account_id)
                .order_by(AccountHandle.first_seen, AccountHandle.id)
            )
        )
        score = session.scalars(sa.select(Score).where(Score.account_id == account_id)).first()
        signals = _latest_signals(session, account_id)
        evidence = account_evidence(session, account, signals)
        entries = list(
            session.scalars(
                sa.select(ListEntry)
                .where(ListEntry.account_id == account_id)
                .order_by(ListEntry.added_at, ListEntry.id)
            )
        )
    return AccountPage(
        account=account,
        platform=platform,
        handles=handles,
        score=score,
        contributions=_contributions(score),
        signals=sorted(signals.values(), key=lambda s: -s.value),
        evidence=evidence,
        entries=entries,
        history=decision_history(db, account_id),
        pending=pending_first_decision(db, account_id),
        criteria=[c for c in policy.criteria if c.selectable],
        policy_version=policy.version,
        whitelist_types=[t.value for t in WhitelistType],
    )
