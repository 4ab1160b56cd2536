"""A batch of records split by kind, and its plain-tuple form for a pipe between processes.

Pickled as they are, named tuples cost a Python call each to take apart and another to
rebuild; as plain tuples they pickle in C, and `tuple.__new__` makes them named tuples again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vigil.platforms.placeholders import Placeholders, find_placeholders
from vigil.platforms.records import (
    AccountRecord,
    FollowRecord,
    LinkRecord,
    MediaRecord,
    MentionRecord,
    PostRecord,
    Record,
    ReferenceRecord,
    StatusRecord,
)

__all__ = ["Batch", "PlainBatch", "from_plain", "to_plain"]

PlainBatch = tuple[
    list[Any], list[Any], list[Any], list[Any], list[StatusRecord], Placeholders | None
]

_new = tuple.__new__
_REFERENCES, _MENTIONS, _LINKS = 14, 15, 17  # PostRecord's fields of nested records


@dataclass(slots=True)
class Batch:
    """Records of one batch, by kind, each kind in the order the records came."""

    accounts: list[AccountRecord] = field(default_factory=list)
    posts: list[PostRecord] = field(default_factory=list)
    media: list[MediaRecord] = field(default_factory=list)
    follows: list[FollowRecord] = field(default_factory=list)
    statuses: list[StatusRecord] = field(default_factory=list)
    placeholders: Placeholders | None = None  # when worked out beside parsing

    @classmethod
    def of(cls, records: Iterable[Record]) -> Batch:
        batch = cls()
        # By exact type first (one dictionary look-up a record: batches hold millions).
        lists: dict[type, list[Any]] = {
            PostRecord: batch.posts,
            AccountRecord: batch.accounts,
            MediaRecord: batch.media,
            FollowRecord: batch.follows,
        }
        for r in records:
            target = lists.get(type(r))
            if target is not None:
                target.append(r)
            elif isinstance(r, PostRecord):
                batch.posts.append(r)
            elif isinstance(r, AccountRecord):
                batch.accounts.append(r)
            elif isinstance(r, MediaRecord):
                batch.media.append(r)
            elif isinstance(r, FollowRecord):
                batch.follows.append(r)
            else:
                batch.statuses.append(r)
        return batch

    def find_placeholders(self) -> None:
        """Work out the accounts the batch names without a profile (the store need not)."""
        self.placeholders = find_placeholders(
            self.accounts, self.posts, self.follows, self.statuses
        )


def to_plain(batch: Batch) -> PlainBatch:
    """The batch as plain tuples (status records, few, stay as they are)."""
    return (
        list(map(tuple, batch.accounts)),
        [_plain_post(p) for p in batch.posts],
        list(map(tuple, batch.media)),
        list(map(tuple, batch.follows)),
        batch.statuses,
        batch.placeholders,
    )


def from_plain(plain: PlainBatch) -> Batch:
    """The batch `to_plain` took apart, record for record."""
    accounts, posts, media, follows, statuses, placeholders = plain
    return Batch(
        accounts=[_new(AccountRecord, t) for t in accounts],
        posts=[_new(PostRecord, _named_post(t)) for t in posts],
        media=[_new(MediaRecord, t) for t in media],
        follows=[_new(FollowRecord, t) for t in follows],
        statuses=statuses,
        placeholders=placeholders,
    )


def _plain_post(p: PostRecord) -> tuple[Any, ...]:
    if not (p.references or p.mentions or p.links):
        return tuple(p)
    return (
        *p[:_REFERENCES],
        tuple(map(tuple, p.references)),
        tuple(map(tuple, p.mentions)),
        p.media_keys,
        tuple(map(tuple, p.links)),
    )


def _named_post(t: tuple[Any, ...]) -> tuple[Any, ...]:
    if not (t[_REFERENCES] or t[_MENTIONS] or t[_LINKS]):
        return t
    return (
        *t[:_REFERENCES],
        tuple([_new(ReferenceRecord, x) for x in t[_REFERENCES]]),
        tuple([_new(MentionRecord, x) for x in t[_MENTIONS]]),
        t[16],
        tuple([_new(LinkRecord, x) for x in t[_LINKS]]),
    )
