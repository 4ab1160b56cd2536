"""Gather the study dataset from the store: listed accounts, controls, identities, checks.

Discovery routes (for the population estimate) come from signal rows and list sources;
identities from `Account.identity_id` and, when engineer A's resurgence links exist,
`AccountLink` rows (optional: the module is used only if it is there).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.analytics.dataset import CONTROL, LINKED, LISTED, AccountRow, Dataset, ObservationRow
from vigil.model import Account, ListEntry, Platform, Report, Signal, StatusObservation
from vigil.model.monitor import ControlMember

__all__ = ["ROUTE_SIGNALS", "SIGNAL_THRESHOLD", "gather_dataset"]

log = logging.getLogger(__name__)

# Which signal finds an account by which discovery route, and when it counts as found.
ROUTE_SIGNALS: Mapping[str, str] = {
    "media": "hash_match",
    "network": "network_expansion",
    "text": "lexicon",
}
SIGNAL_THRESHOLD = 0.5
IMPORTED = "imported_list"
# List sources that come from a person's review; any other source is an imported list.
REVIEW_SOURCES = frozenset({"review", "scan", "tip", "appeal", "queue", "web"})
_CHUNK = 500


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def gather_dataset(session: Session) -> Dataset:
    """The dataset of every actively listed account, its controls and linked accounts."""
    listed: dict[int, ListEntry] = {}
    for entry in session.execute(
        select(ListEntry)
        .where(ListEntry.kind == "black", ListEntry.status == "active")
        .order_by(ListEntry.added_at, ListEntry.id)
    ).scalars():
        listed.setdefault(entry.account_id, entry)
    controls = {
        m.account_id: m
        for m in session.execute(select(ControlMember)).scalars()
        if m.account_id not in listed or m.left_at is not None
    }
    reported: dict[int, datetime] = {}
    for account_id, when in session.execute(
        select(Report.account_id, Report.submitted_at).where(Report.submitted_at.isnot(None))
    ):
        if when is None or account_id not in listed:
            continue
        if account_id not in reported or when < reported[account_id]:
            reported[account_id] = when
    routes = _routes(session, list(listed), listed)
    links = _links(session)
    watched = set(listed) | set(controls)
    accounts = _accounts(session, watched | _reach(set(listed), links))
    identity_ids = {
        acc.identity_id for a, acc in accounts.items() if a in listed or a not in watched
    }
    accounts.update(_linked_accounts(session, identity_ids, set(accounts)))
    identity = _identities(accounts, links)
    kinds = dict(session.execute(select(Platform.id, Platform.kind)).all())
    rows: list[AccountRow] = []
    for account_id, acc in sorted(accounts.items()):
        common: dict[str, Any] = {
            "key": f"a{account_id}",
            "platform": str(kinds.get(acc.platform_id, "")),
            "identity": identity.get(account_id, f"a{account_id}"),
        }
        if account_id in listed:
            e = listed[account_id]
            m = controls.get(account_id)
            if m is not None:
                # A control until it was listed itself: both parts of its time count.
                common.update(
                    index_at=m.index_at, left_at=m.left_at, matched_to=f"a{m.matched_account_id}"
                )
            rows.append(
                AccountRow(
                    **common,
                    cohort=LISTED,
                    handle=acc.handle,
                    listed_at=e.added_at,
                    criterion=e.criterion or "",
                    reported_at=reported.get(account_id),
                    routes=tuple(sorted(routes.get(account_id, ()))),
                    followers=acc.followers_count,
                    posts=acc.posts_count,
                    lang=acc.lang or "",
                    created_at=acc.created_at,
                )
            )
        elif account_id in controls:
            m = controls[account_id]
            rows.append(
                AccountRow(
                    **common,
                    cohort=CONTROL,
                    index_at=m.index_at,
                    left_at=m.left_at,
                    matched_to=f"a{m.matched_account_id}",
                )
            )
        else:
            rows.append(AccountRow(**common, cohort=LINKED, created_at=acc.created_at))
    return Dataset(accounts=rows, observations=_observations(session, sorted(watched)))


def _accounts(session: Session, ids: set[int]) -> dict[int, Account]:
    found: dict[int, Account] = {}
    for chunk in _chunks(sorted(ids)):
        for acc in session.execute(select(Account).where(Account.id.in_(chunk))).scalars():
            found[acc.id] = acc
    return found


def _routes(
    session: Session, ids: list[int], listed: Mapping[int, ListEntry]
) -> dict[int, set[str]]:
    routes: dict[int, set[str]] = defaultdict(set)
    for account_id, entry in listed.items():
        if entry.source not in REVIEW_SOURCES:
            routes[account_id].add(IMPORTED)
    for chunk in _chunks(sorted(ids)):
        for account_id, name in session.execute(
            select(Signal.account_id, Signal.name).where(
                Signal.account_id.in_(chunk),
                Signal.name.in_(list(ROUTE_SIGNALS)),
                Signal.value >= SIGNAL_THRESHOLD,
            )
        ):
            routes[account_id].add(ROUTE_SIGNALS[name])
    return routes


def _reach(start: set[int], links: list[tuple[int, int]]) -> set[int]:
    """Accounts joined to `start` through resurgence links, however many hops."""
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in links:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen, todo = set(start), list(start)
    while todo:
        for n in neighbours.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen - start


def _identities(accounts: Mapping[int, Account], links: list[tuple[int, int]]) -> dict[int, str]:
    """Identity key of each account: its identity row, merged through resurgence links."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def node(account_id: int) -> str:
        acc = accounts.get(account_id)
        if acc is not None and acc.identity_id is not None:
            return f"i{acc.identity_id}"
        return f"a{account_id}"

    for a, b in links:
        if a in accounts or b in accounts:
            ra, rb = find(node(a)), find(node(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {a: find(node(a)) for a in accounts}


def _links(session: Session) -> list[tuple[int, int]]:
    """Confirmed resurgence links, if the detection stage stores them (else none)."""
    try:
        from vigil.model import detection
    except ImportError:  # pragma: no cover - the module is part of the package
        return []
    link = getattr(detection, "AccountLink", None)
    if link is None:
        return []
    new, prior = getattr(link, "new_account_id", None), getattr(link, "prior_account_id", None)
    if new is not None and prior is not None:
        query = select(new, prior)
        status = getattr(link, "status", None)
        if status is not None:
            query = query.where(status == "confirmed")  # proposals are not yet links
        return [(int(x), int(y)) for x, y in session.execute(query).all()]
    log.warning("AccountLink has no account pair columns this version knows; links ignored")
    return []


def _linked_accounts(
    session: Session, identities: set[int | None], known: set[int]
) -> dict[int, Account]:
    ids = sorted(i for i in identities if i is not None)
    found: dict[int, Account] = {}
    for chunk in _chunks(ids):
        for acc in session.execute(select(Account).where(Account.identity_id.in_(chunk))).scalars():
            if acc.id not in known:
                found[acc.id] = acc
    return found


def _observations(session: Session, ids: list[int]) -> list[ObservationRow]:
    rows: list[ObservationRow] = []
    o = StatusObservation
    for chunk in _chunks(sorted(ids)):
        for account_id, status, when, source in session.execute(
            select(o.account_id, o.status, o.observed_at, o.source).where(o.account_id.in_(chunk))
        ):
            rows.append(ObservationRow(f"a{account_id}", when, str(status), str(source)))
    rows.sort()
    return rows
