"""The queue page's data: one page of `review_queue` as the signed-in reviewer sees it, with
platform, signal, score band and language filters and the sort all done in SQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, UserRole
from vigil.scoring.queue import SORTS, STRONG_SIGNAL, QueueItem, QueueQuery, review_queue

__all__ = [
    "BANDS",
    "SORTS",
    "STRONG_SIGNAL",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "queue_neighbours",
    "queue_page",
]

PAGE_SIZE = 50
BANDS: dict[str, tuple[float, float]] = {
    "high": (0.8, 1.01),
    "medium": (0.5, 0.8),
    "low": (0.0, 0.5),
}


@dataclass(frozen=True, slots=True)
class QueueFilters:
    platform: str | None = None
    signal: str | None = None
    band: str | None = None
    lang: str | None = None
    sort: str = "score"
    page: int = 1

    @property
    def active(self) -> bool:
        return any((self.platform, self.signal, self.band, self.lang))

    def query(self, **change: Any) -> dict[str, Any]:
        """The filters as query parameters (for links), with `change` applied."""
        values = {
            "platform": self.platform,
            "signal": self.signal,
            "band": self.band,
            "lang": self.lang,
            "sort": self.sort if self.sort != "score" else None,
            "page": self.page if self.page != 1 else None,
        }
        values.update(change)
        return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass(frozen=True, slots=True)
class QueueRow:
    item: QueueItem
    lang: str | None


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    filters: QueueFilters
    has_more: bool

    @property
    def awaiting(self) -> int:
        """Rows on this page that wait for a second reviewer (they are sorted first)."""
        return sum(1 for r in self.rows if r.item.pending_second)


def _langs(session: Session, items: list[QueueItem]) -> dict[int, str | None]:
    if not items:
        return {}
    stmt = sa.select(Account.id, Account.lang).where(Account.id.in_([i.id for i in items]))
    return {int(i): lang for i, lang in session.execute(stmt)}


def _query(f: QueueFilters, role: str | UserRole, user_id: int | None) -> QueueQuery:
    low, high = BANDS.get(f.band or "", (None, None))
    # Accounts one reviewer confirmed come first for everyone else: hidden_accounts already
    # leaves them out of the first reviewer's own queue.
    return QueueQuery(
        role=role,
        user_id=user_id,
        platform=f.platform,
        lang=f.lang,
        signal=f.signal,
        min_score=low,
        max_score=high,
        sort=f.sort,
        pending_first=True,
    )


def queue_page(
    session: Session,
    filters: QueueFilters,
    *,
    role: str | UserRole = UserRole.ANALYST,
    user_id: int | None = None,
) -> QueuePage:
    """One page of `role`'s (and `user_id`'s) queue: PAGE_SIZE + 1 rows are read, no more."""
    f = replace(
        filters, page=max(1, filters.page), sort=filters.sort if filters.sort in SORTS else "score"
    )
    items = review_queue(
        session,
        limit=PAGE_SIZE + 1,
        offset=(f.page - 1) * PAGE_SIZE,
        query=_query(f, role, user_id),
    )
    langs = _langs(session, items[:PAGE_SIZE])
    return QueuePage(
        rows=[QueueRow(i, langs.get(i.id)) for i in items[:PAGE_SIZE]],
        filters=f,
        has_more=len(items) > PAGE_SIZE,
    )


def queue_neighbours(
    session: Session,
    account_id: int,
    window: int = 100,
    *,
    role: str | UserRole = UserRole.ANALYST,
    user_id: int | None = None,
) -> tuple[int | None, int | None]:
    """The store ids before and after `account_id` in the queue's default order."""
    query = QueueQuery(role=role, user_id=user_id, pending_first=True)
    ids = [i.id for i in review_queue(session, limit=window, query=query)]
    if account_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(account_id)
    return (ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None)
