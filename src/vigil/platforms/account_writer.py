"""Accounts of one batch: full profiles merged by age, placeholders for bare references.

An account named only by id (an author, a mention, an error) gets a placeholder row that a
later full profile fills in; one named only by handle is looked up, else gets a
``username:<handle>`` placeholder. Every handle a profile showed is kept in `AccountHandle`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from vigil.model import Account, AccountHandle
from vigil.platforms.account_rows import (
    ACCOUNT_COLUMNS,
    HANDLE_COLUMNS,
    account_merge,
    account_row,
    by_account_key,
    handle_merge,
    stub_row,
)
from vigil.platforms.merge_sql import merge_rows
from vigil.platforms.placeholders import PENDING_PROFILES, Placeholders, find_placeholders
from vigil.platforms.records import (
    AccountRecord,
    FollowRecord,
    PostRecord,
    StatusRecord,
    handle_key,
)

__all__ = ["AccountWriter"]

_ACCOUNT: Table = Account.__table__  # type: ignore[assignment]
_HANDLE: Table = AccountHandle.__table__  # type: ignore[assignment]

_CHUNK = 500


class AccountWriter:
    """Writes the accounts of each batch and returns their row ids.

    An account new to this writer is written at once (later rows need its id). Newer
    profiles and handles of accounts already written are merged in memory and written by
    `flush` (or when `pending_limit` is reached): a search file shows the same users on
    page after page, and one write per flush instead of one per batch is most of the
    import's speed.
    """

    def __init__(
        self,
        platform_id: int,
        *,
        pending_limit: int = PENDING_PROFILES,
        remember: int = 500_000,
    ) -> None:
        self.platform_id = platform_id
        self.pending_limit = pending_limit
        self.remember = remember
        self._ids: dict[str, tuple[int, bool]] = {}  # platform id -> (row id, has a handle)
        self._rows: dict[str, int] = {}  # platform id -> row id, of the same accounts
        self._full: dict[str, AccountRecord] = {}
        self._first: dict[str, datetime] = {}
        self._stubs: dict[str, tuple[str, datetime]] = {}
        self._history: dict[tuple[int, str], tuple[str | None, datetime, datetime]] = {}

    def write(
        self,
        session: Session,
        accounts: Sequence[AccountRecord],
        posts: Sequence[PostRecord],
        follows: Sequence[FollowRecord],
        statuses: Sequence[StatusRecord],
        named: Placeholders | None = None,
    ) -> tuple[dict[str, int], dict[str, str]]:
        """Row ids of every account the batch names, creating placeholders as needed.

        `named` is what `find_placeholders` finds in the batch, if already worked out.
        Returns (platform account id -> row id, lower-case handle -> platform account id);
        the handles are those of accounts named only by handle.
        """
        if named is None:
            named = find_placeholders(accounts, posts, follows, statuses)
        seen = _Sightings(self, named)
        seen.collect(accounts)
        handles: dict[str, str] = {}
        if seen.wanted:
            handles = _batch_handles(accounts, seen.stubs)
            missing = [h for h in seen.wanted if h.lower() not in handles]
            if missing:
                handles.update(self._pending_handles(missing))
                still = [h for h in missing if h.lower() not in handles]
                if still:
                    handles.update(_known_handles(session, self.platform_id, still))
            for h, when in seen.wanted.items():
                pid = handles.setdefault(h.lower(), handle_key(h))
                if pid not in seen.profiled:
                    seen.named.stub(pid, h, when)
        platform_id = self.platform_id
        now = [account_row(platform_id, r, seen.first[pid]) for pid, r in seen.full.items()]
        for pid, (h, when) in seen.stubs.items():
            known = self._ids.get(pid)
            if known is None or (h and not known[1]):
                now.append(stub_row(platform_id, pid, h, when))
            else:
                held = self._stubs.get(pid)
                self._stubs[pid] = (h, when) if held is None else (held[0], min(held[1], when))
        now.sort(key=by_account_key)
        stored = merge_rows(
            session,
            _ACCOUNT,
            now,
            keys=["platform_id", "platform_account_id"],
            set_=account_merge,
            returning=["id", "handle"],
            columns=ACCOUNT_COLUMNS,
        )
        rows = self._rows
        for pid, (row_id, handle) in stored.items():
            self._ids[str(pid)] = (int(row_id), bool(handle))
            rows[str(pid)] = int(row_id)
        for (pid, handle), (name, first, last) in seen.history.items():
            self._merge_history((rows[pid], handle), name, first, last)
        if max(len(self._full) + len(self._stubs), len(self._history)) > self.pending_limit:
            self._write_held(session)
        if len(self._ids) > self.remember:
            ids = {pid: rows[pid] for pid in (*seen.profiled, *seen.stubs)}
            self._write_held(session)
            self._ids.clear()
            self._rows = {}
            return ids, handles
        return rows, handles

    def _merge_history(
        self, key: tuple[int, str], name: str | None, first: datetime, last: datetime
    ) -> None:
        held = self._history.get(key)
        if held is not None:
            name = name if last >= held[2] else held[0]
            first, last = min(first, held[1]), max(last, held[2])
        self._history[key] = (name, first, last)

    def _pending_handles(self, names: Sequence[str]) -> dict[str, str]:
        """Handles of the profiles held for the next flush, the freshest profile first (not
        the first held: a parse process sends profiles it held back later, see `ProfileHold`)."""
        wanted = {n.lower() for n in names}
        found: dict[str, tuple[datetime, str]] = {}
        for pid, r in self._full.items():
            handle = r.handle.lower()
            if handle in wanted:
                held = found.get(handle)
                if held is None or (r.seen_at, pid) > held:
                    found[handle] = (r.seen_at, pid)
        return {handle: pid for handle, (_, pid) in found.items()}

    def flush(self, session: Session) -> None:
        """Write what is held in memory; between files, forget ids early enough that the next
        file's first `pending_limit` accounts cannot make it forget (see `ProfileHold`)."""
        self._write_held(session)
        if len(self._ids) > self.remember - self.pending_limit:
            self._ids.clear()
            self._rows = {}

    def _write_held(self, session: Session) -> None:
        """Write the profiles and handles held in memory."""
        rows = [account_row(self.platform_id, r, self._first[pid]) for pid, r in self._full.items()]
        rows += [
            stub_row(self.platform_id, pid, h, when)
            for pid, (h, when) in self._stubs.items()
            if pid not in self._full
        ]
        rows.sort(key=by_account_key)
        merge_rows(
            session,
            _ACCOUNT,
            rows,
            keys=["platform_id", "platform_account_id"],
            set_=account_merge,
            columns=ACCOUNT_COLUMNS,
        )
        merge_rows(
            session,
            _HANDLE,
            [(*key, *value) for key, value in sorted(self._history.items())],
            keys=["account_id", "handle"],
            set_=handle_merge,
            columns=HANDLE_COLUMNS,
        )
        self._full.clear()
        self._first.clear()
        self._stubs.clear()
        self._history.clear()


class _Sightings:
    """Every account a batch names: full profiles, and the placeholders it needs.

    Profiles of accounts the writer already stored go straight into what it holds for the
    next flush; only accounts new to it are gathered here, to be written at once.
    """

    def __init__(self, writer: AccountWriter, named: Placeholders) -> None:
        self.writer = writer
        self.full: dict[str, AccountRecord] = {}  # accounts new to the writer
        self.first: dict[str, datetime] = {}
        self.history: dict[tuple[str, str], tuple[str | None, datetime, datetime]] = {}
        # A copy: handles resolved against the store add placeholders of their own.
        self.named = Placeholders(dict(named.stubs), named.wanted, named.profiled)
        self.profiled = named.profiled  # every account with a full profile in the batch
        self.stubs = self.named.stubs
        self.wanted = named.wanted

    def collect(self, accounts: Sequence[AccountRecord]) -> None:
        """Each profile of the batch, merged into the newest one of its account.

        An account the writer stored already waits in it for the next flush, its handles
        by row id; one new to it is gathered here, to be written at once. The loop runs
        once a sighting (a search file shows each account on page after page): no calls.
        """
        writer = self.writer
        rows = writer._rows
        held_full, held_first, held_history = writer._full, writer._first, writer._history
        new_full, new_first, new_history = self.full, self.first, self.history
        history: dict[Any, tuple[str | None, datetime, datetime]]
        key: int | str
        for r in accounts:
            if not r.complete:  # a bare reference: among the placeholders
                continue
            pid, handle, seen = r.platform_account_id, r.handle, r.seen_at
            row = rows.get(pid)
            if row is None:
                full, first, history, key = new_full, new_first, new_history, pid
            else:
                full, first, history, key = held_full, held_first, held_history, row
            held = full.get(pid)
            if held is None:
                full[pid] = r
                first[pid] = seen
            else:
                if seen >= held.seen_at:
                    full[pid] = r
                if seen < first[pid]:
                    first[pid] = seen
            if handle:  # a sighting of a handle: the newest names it, earliest and latest date it
                sighting: Any = (key, handle)
                h = history.get(sighting)
                if h is None:
                    history[sighting] = (r.display_name, seen, seen)
                elif seen >= h[2]:
                    history[sighting] = (r.display_name, h[1], seen)
                elif seen < h[1]:
                    history[sighting] = (h[0], seen, h[2])


def _batch_handles(
    accounts: Sequence[AccountRecord], stubs: dict[str, tuple[str, datetime]]
) -> dict[str, str]:
    """Lower-case handle -> account of the batch's newest profiles, then of its stubs."""
    newest: dict[str, AccountRecord] = {}
    for r in accounts:
        if r.complete:
            held = newest.get(r.platform_account_id)
            if held is None or r.seen_at >= held.seen_at:
                newest[r.platform_account_id] = r
    handles = {r.handle.lower(): pid for pid, r in newest.items() if r.handle}
    for pid, (h, _) in stubs.items():
        if h:
            handles.setdefault(h.lower(), pid)
    return handles


def _known_handles(session: Session, platform_id: int, names: list[str]) -> dict[str, str]:
    """Stored accounts for handles: an earlier placeholder first (so a re-import lands
    where the first import did), else the freshest full profile with that handle."""
    a = _ACCOUNT
    found: dict[str, str] = {}
    keys = {handle_key(n): n.lower() for n in names}
    for i in range(0, len(names), _CHUNK):
        chunk = names[i : i + _CHUNK]
        rows = session.execute(
            select(a.c.platform_account_id).where(
                a.c.platform_id == platform_id,
                a.c.platform_account_id.in_([handle_key(n) for n in chunk]),
            )
        ).all()
        for (pid,) in rows:
            found[keys[pid]] = pid
        rest = [n for n in chunk if n.lower() not in found]
        if not rest:
            continue
        rows = session.execute(
            select(a.c.handle, a.c.platform_account_id)
            .where(
                a.c.platform_id == platform_id,
                a.c.handle.in_(rest),
                a.c.profile_seen_at.is_not(None),
            )
            .order_by(a.c.profile_seen_at)
        ).all()
        for handle, pid in rows:  # ordered by freshness: the last one wins
            found[str(handle).lower()] = str(pid)
    return found
