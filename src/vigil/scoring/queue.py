"""The review queue: scored accounts, highest first, with the signals that explain each.

What a reviewer's role and own decisions hide comes from `review.queue_rules`; filters run in
SQL off the (value, account_id) score index so a page stays fast with millions of accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, Case, CaseStatus, Platform, Score, UserRole
from vigil.model.detection import Signal
from vigil.review.queue_rules import hidden_accounts, open_case_accounts
from vigil.scoring.links import links_by_new_account

__all__ = [
    "SORTS",
    "STRONG_SIGNAL",
    "QueueItem",
    "QueueLink",
    "QueueQuery",
    "QueueSignal",
    "review_queue",
]

SORTS = ("score", "score_asc", "handle", "platform")
# A signal filter keeps accounts where that signal is at least this strong.
STRONG_SIGNAL = 0.5
# Pending second confirmations and unscored open cases (tips) are few; cap them all the same.
_MAX_EXTRAS = 1_000


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
    score: float  # 0.0 when `scored` is false (a tip before any scan)
    signals: list[QueueSignal] = field(default_factory=list)
    linked_to: list[QueueLink] = field(default_factory=list)
    scored: bool = True
    pending_second: bool = False  # one reviewer confirmed it, another must decide

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account_id": self.account_id,
            "username": self.username,
            "score": self.score if self.scored else None,
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


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """Whose queue (role, user) and the filters a reviewer picked; None means any."""

    role: str | UserRole = UserRole.ANALYST
    user_id: int | None = None
    everything: bool = False
    platform: str | None = None
    lang: str | None = None
    signal: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    sort: str = "score"
    pending_first: bool = False


def review_queue(
    session: Session,
    *,
    limit: int | None = 50,
    offset: int = 0,
    everything: bool = False,
    role: str | UserRole = UserRole.ANALYST,
    user_id: int | None = None,
    pending_first: bool = False,
    query: QueueQuery | None = None,
) -> list[QueueItem]:
    """Accounts by score, descending, as `role` (and `user_id`) should see them.

    `everything` keeps listed, decided and whitelisted accounts too. `query` carries filters
    and sort (it replaces the keywords). Open cases without a
    score (tips) and, with `pending_first`, cases awaiting a second reviewer come first.
    """
    q = query or QueueQuery(
        role=role, user_id=user_id, everything=everything, pending_first=pending_first
    )
    ids = _page_ids(session, q, limit, max(0, offset))
    return _items(session, ids)


def _hidden(q: QueueQuery) -> sa.Select[int] | None:
    return None if q.everything else hidden_accounts(q.role, q.user_id)


def _score_filters(stmt: Any, q: QueueQuery) -> Any:
    """The reviewer's score band and signal, as SQL over `Score`."""
    if q.min_score is not None:
        stmt = stmt.where(Score.value >= q.min_score)
    if q.max_score is not None:
        stmt = stmt.where(Score.value < q.max_score)
    if q.signal:
        # The score's own contributions or a stored Signal row may carry the signal.
        in_contributions = (
            Score.contributions[("signals", q.signal, "value")].as_float() >= STRONG_SIGNAL
        )
        in_rows = (
            sa.select(Signal.id)
            .where(
                Signal.account_id == Score.account_id,
                Signal.name == q.signal,
                Signal.value >= STRONG_SIGNAL,
            )
            .exists()
        )
        stmt = stmt.where(sa.or_(in_contributions, in_rows))
    return stmt


def _account_filters(stmt: Any, q: QueueQuery) -> Any:
    if q.platform:
        pid = sa.select(Platform.id).where(Platform.name == q.platform).scalar_subquery()
        stmt = stmt.where(Account.platform_id == pid)
    if q.lang:
        stmt = stmt.where(Account.lang == q.lang)
    return stmt


def _unscored_allowed(q: QueueQuery) -> bool:
    """An unscored account counts as score 0 with no signals for the filters."""
    return (
        not q.signal
        and (q.min_score is None or q.min_score <= 0)
        and (q.max_score is None or q.max_score > 0)
    )


def _extras(session: Session, q: QueueQuery) -> tuple[list[int], list[int]]:
    """(pending second confirmations, unscored open cases) the filters keep, few of each.

    Both queries start from the (small) case table, so neither walks a million accounts.
    """
    hidden = _hidden(q)
    pending: list[int] = []
    if q.pending_first:
        stmt = (
            sa.select(Case.account_id, Score.value)
            .join(Score, Score.account_id == Case.account_id)
            .join(Account, Account.id == Case.account_id)
            .where(Case.status == CaseStatus.PENDING_SECOND)
            .limit(_MAX_EXTRAS)
        )
        if hidden is not None:
            stmt = stmt.where(Case.account_id.not_in(hidden))
        rows = session.execute(_score_filters(_account_filters(stmt, q), q))
        found = {int(i): float(v) for i, v in rows}
        pending = sorted(found, key=lambda i: (-found[i], i))
    unscored: list[int] = []
    if _unscored_allowed(q):
        has_score = sa.select(Score.id).where(Score.account_id == Case.account_id).exists()
        open_cases = (
            sa.select(Case.account_id)
            .join(Account, Account.id == Case.account_id)
            .where(Case.status != CaseStatus.CLOSED, ~has_score)
            .limit(_MAX_EXTRAS)
        )
        if hidden is not None:
            open_cases = open_cases.where(Case.account_id.not_in(hidden))
        unscored = sorted({int(i) for i in session.scalars(_account_filters(open_cases, q))})
    return pending, unscored


def _page_ids(session: Session, q: QueueQuery, limit: int | None, offset: int) -> list[int]:
    pending, unscored = _extras(session, q)
    if q.sort not in ("score", "score_asc"):
        return _sorted_ids(session, q, pending, limit, offset)
    extras = pending + unscored
    page = extras[offset : offset + limit if limit is not None else None]
    if limit is not None and len(page) >= limit:
        return page
    # The bulk: walk the (value, account_id) index, checking exclusions on score.account_id
    # before reading any account row.
    value = Score.value.asc() if q.sort == "score_asc" else Score.value.desc()
    stmt = sa.select(Score.account_id).order_by(value, Score.account_id)
    hidden = _hidden(q)
    if hidden is not None:
        stmt = stmt.where(Score.account_id.not_in(hidden))
    if pending:
        stmt = stmt.where(Score.account_id.not_in(pending))
    if q.platform or q.lang:
        stmt = _account_filters(stmt.join(Account, Account.id == Score.account_id), q)
    stmt = _score_filters(stmt, q).offset(max(0, offset - len(extras)))
    if limit is not None:
        stmt = stmt.limit(limit - len(page))
    return page + [int(i) for i in session.scalars(stmt)]


def _sorted_ids(
    session: Session, q: QueueQuery, pending: list[int], limit: int | None, offset: int
) -> list[int]:
    """Sorting by handle or platform reads every candidate anyway: one outer-joined query."""
    stmt = (
        sa.select(Account.id)
        .join(Platform, Platform.id == Account.platform_id)
        .outerjoin(Score, Score.account_id == Account.id)
    )
    scored_or_open: sa.ColumnElement[bool] = Score.id.is_not(None)
    if _unscored_allowed(q):
        scored_or_open = sa.or_(scored_or_open, Account.id.in_(open_case_accounts()))
    stmt = stmt.where(scored_or_open)
    hidden = _hidden(q)
    if hidden is not None:
        stmt = stmt.where(Account.id.not_in(hidden))
    stmt = _account_filters(stmt, q)
    if q.signal or q.min_score is not None or q.max_score is not None:
        stmt = _score_filters(stmt, q)
    order: list[Any] = []
    if pending:
        order.append(sa.case((Account.id.in_(pending), 0), else_=1))
    if q.sort == "platform":
        order += [Platform.name, sa.func.coalesce(Score.value, 0.0).desc()]
    else:
        order.append(Account.handle)
    stmt = stmt.order_by(*order, Account.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [int(i) for i in session.scalars(stmt)]


def _items(session: Session, ids: list[int]) -> list[QueueItem]:
    """Queue items for `ids`, in that order, with signals and resurgence links."""
    found: dict[int, tuple[Account, str, Score | None]] = {}
    for start in range(0, len(ids), 900):
        stmt = (
            sa.select(Account, Platform.name, Score)
            .join(Platform, Platform.id == Account.platform_id)
            .outerjoin(Score, Score.account_id == Account.id)
            .where(Account.id.in_(ids[start : start + 900]))
        )
        for account, platform, row in session.execute(stmt):
            found[account.id] = (account, str(platform), row)
    pending = {
        int(i)
        for start in range(0, len(ids), 900)
        for i in session.scalars(
            sa.select(Case.account_id).where(
                Case.account_id.in_(ids[start : start + 900]),
                Case.status == CaseStatus.PENDING_SECOND,
            )
        )
    }
    links = links_by_new_account(session, list(found))
    out = []
    for account_id in ids:
        if account_id not in found:
            continue
        account, platform, score = found[account_id]  # score is None for a tip
        out.append(
            QueueItem(
                id=account.id,
                platform=platform,
                account_id=account.platform_account_id,
                username=account.handle,
                display_name=account.display_name,
                score=round(float(score.value), 4) if score is not None else 0.0,
                signals=_signals(score.contributions or {}) if score is not None else [],
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
                scored=score is not None,
                pending_second=account.id in pending,
            )
        )
    return out
