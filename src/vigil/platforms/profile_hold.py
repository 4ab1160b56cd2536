"""Profiles a parse process holds back: later sightings of accounts it already sent.

A search file shows the same users page after page. The importing process would merge each
sighting into what its `AccountWriter` holds for the next flush and read none of it before;
the parse process merges them instead and sends what tells the store something at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from vigil.platforms.line_reader import COUNTED, Chunk
from vigil.platforms.placeholders import PENDING_PROFILES, find_placeholders
from vigil.platforms.record_batch import Batch
from vigil.platforms.records import AccountRecord

__all__ = ["ProfileHold"]

_ACCOUNTS = COUNTED.index("accounts")
_RENAMED_MERGE = 32  # profiles held of an account with two handles, before merging them


class ProfileHold:
    """Holds back profiles of accounts sent in an earlier batch while the writer would only
    keep them for its next flush, and sends them (merged, in their order) in a batch of
    their own: before a batch with handles to resolve (which reads what the writer holds),
    once the file may name enough accounts to make the writer flush or forget ids, and at
    the end. The writer then holds what it would have held, and stores the same.
    """

    def __init__(self, after: Chunk | None, limit: int = PENDING_PROFILES) -> None:
        """`after`: where the importing process stopped reading; `limit`: the writer's
        `pending_limit` (flushes between files keep that many ids of room)."""
        self.limit = limit
        self.sent: dict[str, str] = {}  # account with a profile sent -> its latest handle
        # What the writer may hold for this file, from above: accounts with a profile,
        # named without one, and their handles (counted once, then at each change).
        self.profiled: set[str] = set()
        self.stubbed: set[str] = set()
        self.handles = 0
        # What the batches read before this process came named, counted batch by batch.
        self.before = (0, 0) if after is None else (after.named, after.counts[_ACCOUNTS])
        self.newest: dict[str, AccountRecord] = {}  # held: the last of the newest
        self.oldest: dict[str, datetime] = {}  # held: the earliest sighting, if older
        self.renamed: dict[str, list[AccountRecord]] = {}  # held, of accounts with two handles
        self.holding = True

    def take(self, batch: Batch) -> tuple[Batch | None, Batch]:
        """(held profiles to send first or None, the batch to send after them)."""
        named = batch.placeholders
        if not self.holding or named is None:
            self.holding = False
            return self.release(), batch
        self.profiled.update(named.profiled)
        self.stubbed.update(named.stubs)
        self.stubbed.update("@" + h.lower() for h in named.wanted)
        accounts, pairs = self.before
        names = accounts + len(self.profiled) + len(self.stubbed)
        # Each profile of the batch may show a handle more: counted below, bounded here.
        if max(names, pairs + self.handles + len(batch.accounts)) > self.limit:
            self.holding = False  # the writer may flush or forget ids: it must hold it all
            return self.release(), batch
        if named.wanted:  # the writer reads what it holds: all of it, and the whole batch
            self._note(batch.accounts)
            return self.release(), batch
        batch.accounts = self._hold(batch.accounts)
        return None, batch

    def _hold(self, profiles: list[AccountRecord]) -> list[AccountRecord]:
        """Profiles of accounts not sent yet; of the others, keeps what `_telling` keeps:
        each account's newest profile (the last of equals) and its earliest sighting, and
        every one of an account seen with another handle."""
        sent, newest, oldest, renamed = self.sent, self.newest, self.oldest, self.renamed
        kept: list[AccountRecord] = []
        for r in profiles:
            if not r.complete:  # a bare reference: among the placeholders already
                continue
            pid = r.platform_account_id
            last = newest.get(pid)
            if last is not None and r.handle == last.handle:  # most: held, with this handle
                seen = r.seen_at
                if seen >= last.seen_at:
                    if last.seen_at < seen and pid not in oldest:
                        oldest[pid] = last.seen_at
                    newest[pid] = r
                elif seen < oldest.get(pid, last.seen_at):
                    oldest[pid] = seen
                continue
            handle = sent.get(pid)
            if handle is None:
                kept.append(r)
                continue
            if handle != r.handle:
                sent[pid] = r.handle
                self.handles += 1
            if last is None:
                more = renamed.get(pid)
                if more is None:
                    newest[pid] = r
                else:
                    more.append(r)
                    if len(more) > _RENAMED_MERGE:
                        renamed[pid] = _telling(more)
            else:  # another handle: every profile of it from now on
                renamed[pid] = [*self._merged(pid), r]
        self._note(kept)
        return kept

    def _note(self, profiles: list[AccountRecord]) -> None:
        """Accounts sent from this batch on (all their profiles in it go now), handles shown."""
        sent = self.sent
        for r in profiles:
            if r.complete and sent.get(r.platform_account_id) != r.handle:
                sent[r.platform_account_id] = r.handle
                self.handles += 1

    def release(self) -> Batch | None:
        """The profiles held back, as a batch, if any."""
        accounts: list[AccountRecord] = []
        for pid in list(self.newest):
            accounts += self._merged(pid)
        for more in self.renamed.values():
            accounts += _telling(more)
        self.newest, self.oldest, self.renamed = {}, {}, {}
        if not accounts:
            return None
        batch = Batch(accounts=accounts)
        batch.placeholders = find_placeholders(accounts, [], [], [])
        return batch

    def _merged(self, pid: str) -> list[AccountRecord]:
        """The newest profile held of `pid`, after its earliest sighting if older (a profile
        that only dates the account and its handle: the newest says the rest)."""
        last = self.newest.pop(pid)
        first = self.oldest.pop(pid, None)
        if first is None:
            return [last]
        return [AccountRecord(pid, last.handle, first), last]


def _telling(accounts: Sequence[AccountRecord]) -> list[AccountRecord]:
    """The profiles that tell the writer something, in their order: for each account and
    handle its earliest and its newest (the last of equals, as the writer takes the last of
    equals), so each account's newest profile and earliest sighting and each handle's
    newest display name and first and last sightings stay."""
    first: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], int] = {}
    for i, r in enumerate(accounts):
        if not r.complete:  # a bare reference: already among the placeholders
            continue
        key = (r.platform_account_id, r.handle)
        j = last.get(key)
        if j is None:
            first[key] = last[key] = i
        elif r.seen_at >= accounts[j].seen_at:
            last[key] = i
        elif r.seen_at < accounts[first[key]].seen_at:
            first[key] = i
    return [accounts[i] for i in sorted({*first.values(), *last.values()})]
