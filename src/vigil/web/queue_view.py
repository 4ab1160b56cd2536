"""The queue page's data: `review_queue` filtered by platform, signal, score band and
language, sorted and paged. Filters apply to the top `MAX_SCAN` accounts of the queue,
since `review_queue` itself filters nothing (see the report on pushing them into SQL)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, Case, Decision, Platform, User
from vigil.scoring.queue import QueueItem, review_queue

__all__ = [
    "BANDS",
    "MAX_SCAN",
    "SORTS",
    "AwaitingRow",
    "QueueFilters",
    "QueuePage",
    "awaiting_second",
    "queue_neighbours",
    "queue_page",
]

PAGE_SIZE = 50
# Building a queue item costs ~0.2 ms (ORM rows, contributions, links), so filters look at
# a bounded window until review_queue can filter in SQL.
MAX_SCAN = 2_000
STRONG_SIGNAL = 0.5
BANDS: dict[str, tuple[float, float]] = {
    "high": (0.8, 1.01),
    "medium": (0.5, 0.8),
    "low": (0.0, 0.5),
}
SORTS = ("score", "score_asc", "handle", "platform")


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
    scanned: int
    truncated: bool


def _langs(session: Session, items: list[QueueItem]) -> dict[int, str | None]:
    ids = [i.id for i in items]
    out: dict[int, str | None] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        stmt = sa.select(Account.id, Account.lang).where(Account.id.in_(chunk))
        out.update((int(i), lang) for i, lang in session.execute(stmt))
    return out


def _keep(row: QueueRow, f: QueueFilters) -> bool:
    item = row.item
    if f.platform and item.platform != f.platform:
        return False
    if f.lang and (row.lang or "") != f.lang:
        return False
    if f.band in BANDS:
        low, high = BANDS[f.band]
        if not low <= item.score < high:
            return False
    return not f.signal or any(
        s.name == f.signal and s.value >= STRONG_SIGNAL for s in item.signals
    )


def _sorted(rows: list[QueueRow], sort: str) -> list[QueueRow]:
    if sort == "score_asc":
        return sorted(rows, key=lambda r: (r.item.score, r.item.id))
    if sort == "handle":
        return sorted(rows, key=lambda r: (r.item.username.casefold(), r.item.id))
    if sort == "platform":
        return sorted(rows, key=lambda r: (r.item.platform, -r.item.score, r.item.id))
    return rows  # review_queue's own order: score descending


def queue_page(session: Session, filters: QueueFilters) -> QueuePage:
    """One page of the queue; without filters or re-sorting only that page is read."""
    f = replace(
        filters, page=max(1, filters.page), sort=filters.sort if filters.sort in SORTS else "score"
    )
    want = f.page * PAGE_SIZE + 1
    needs_all = f.active or f.sort != "score"
    limit = min(want if not needs_all else max(want, 500), MAX_SCAN)
    while True:
        items = review_queue(session, limit=limit)
        langs = _langs(session, items)
        rows = [QueueRow(i, langs.get(i.id)) for i in items]
        kept = [r for r in rows if _keep(r, f)]
        exhausted = len(items) < limit
        if exhausted or limit >= MAX_SCAN or len(kept) >= want:
            break
        limit = min(limit * 4, MAX_SCAN)
    kept = _sorted(kept, f.sort)
    start = (f.page - 1) * PAGE_SIZE
    return QueuePage(
        rows=kept[start : start + PAGE_SIZE],
        filters=f,
        has_more=len(kept) > start + PAGE_SIZE,
        scanned=len(items),
        truncated=needs_all and not exhausted,
    )


@dataclass(frozen=True, slots=True)
class AwaitingRow:
    id: int
    platform: str
    username: str
    display_name: str | None
    first_reviewer: str
    mine: bool


def awaiting_second(session: Session, user_id: int, limit: int = 50) -> list[AwaitingRow]:
    """Accounts one reviewer confirmed that need another: `review_queue` leaves decided
    accounts out, so the second reviewer finds them here. Small steps from the few pending
    cases, so the planner never starts from the (large) account table."""
    pending = list(
        session.scalars(
            sa.select(Case.account_id)
            .where(Case.status == "pending_second")
            .order_by(Case.opened_at, Case.id)
            .limit(limit)
        )
    )
    if not pending:
        return []
    firsts: dict[int, tuple[str, int]] = {}
    confirms = (
        sa.select(Decision.account_id, User.username, User.id)
        .join(User, User.id == Decision.user_id)
        .where(Decision.account_id.in_(pending), Decision.action == "confirm")
        .order_by(Decision.id)
    )
    for account_id, username, uid in session.execute(confirms):
        firsts[int(account_id)] = (str(username), int(uid))  # the latest confirmation wins
    accounts = {
        a.id: (a, str(p))
        for a, p in session.execute(
            sa.select(Account, Platform.name)
            .join(Platform, Platform.id == Account.platform_id)
            .where(Account.id.in_(pending))
        )
    }
    out = []
    for account_id in dict.fromkeys(pending):
        if account_id not in accounts or account_id not in firsts:
            continue
        account, platform = accounts[account_id]
        username, uid = firsts[account_id]
        out.append(
            AwaitingRow(
                account.id, platform, account.handle, account.display_name, username, uid == user_id
            )
        )
    return out


def queue_neighbours(
    session: Session, account_id: int, window: int = 100
) -> tuple[int | None, int | None]:
    """The store ids before and after `account_id` in the queue's default order."""
    ids = [i.id for i in review_queue(session, limit=window)]
    if account_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(account_id)
    return (ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None)
