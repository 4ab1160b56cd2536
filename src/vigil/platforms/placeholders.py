"""Accounts a batch names without a profile: the part of writing accounts that needs no store.

Authors, mentions, reply targets, follow lists and status statements name accounts by id
or only by handle. Worked out where the batch is made (in the parse process, for a large
file), so the process that stores it does not walk every post again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vigil.platforms.records import (
    AccountRecord,
    FollowRecord,
    PostRecord,
    StatusRecord,
    Subject,
)

__all__ = ["PENDING_PROFILES", "Placeholders", "find_placeholders"]

# Accounts (or handles) an `AccountWriter` holds before it writes them; a parse process
# holds profiles back only while a file names fewer, so the writer flushes as it would.
PENDING_PROFILES = 100_000


@dataclass(slots=True)
class Placeholders:
    """Ids named without a profile, and handles named without an id.

    `stubs` maps a platform id to a handle (or "") and its earliest sighting, for ids the
    batch names before any profile of theirs (posts and statements: without any profile in
    the batch); `wanted` maps handles to resolve to their earliest sighting.
    """

    stubs: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    wanted: dict[str, datetime] = field(default_factory=dict)
    profiled: set[str] = field(default_factory=set)  # ids with a profile in the batch

    def stub(self, pid: str, handle: str, seen: datetime) -> None:
        if pid in self.profiled:  # a full profile says more
            return
        held = self.stubs.get(pid)
        if held is None:
            self.stubs[pid] = (handle, seen)
        elif (handle and not held[0]) or seen < held[1]:
            self.stubs[pid] = (handle or held[0], seen if seen < held[1] else held[1])

    def want(self, handle: str, seen: datetime) -> None:
        held = self.wanted.get(handle)
        if held is None or seen < held:
            self.wanted[handle] = seen


def find_placeholders(
    accounts: Sequence[AccountRecord],
    posts: Sequence[PostRecord],
    follows: Sequence[FollowRecord],
    statuses: Sequence[StatusRecord],
) -> Placeholders:
    """The placeholders of one batch, its records taken in order."""
    found = Placeholders()
    profiled, stubs = found.profiled, found.stubs
    for r in accounts:
        if r.complete:
            profiled.add(r.platform_account_id)
        else:
            found.stub(r.platform_account_id, r.handle, r.seen_at)
    # Hot loop (a search file names each author on page after page): no method call for
    # an author whose profile the batch holds.
    for p in posts:
        author = p.account_id
        if author not in profiled:  # what `stub(author, "", p.seen_at)` does
            held_stub = stubs.get(author)
            if held_stub is None:
                stubs[author] = ("", p.seen_at)
            elif p.seen_at < held_stub[1]:
                stubs[author] = (held_stub[0], p.seen_at)
        for ref in p.references:
            if ref.target_account_id:
                found.stub(ref.target_account_id, "", p.seen_at)
        for m in p.mentions:
            if m.account_id:
                found.stub(m.account_id, m.handle, p.seen_at)
            else:
                found.want(m.handle, p.seen_at)
    for f in follows:
        found.stub(f.source_account_id, "", f.seen_at)
        found.stub(f.target_account_id, "", f.seen_at)
    for st in statuses:
        if st.subject is not Subject.ACCOUNT:
            continue
        if st.subject_id:
            found.stub(st.subject_id, st.handle or "", st.observed_at)
        elif st.handle:
            found.want(st.handle, st.observed_at)
    return found
