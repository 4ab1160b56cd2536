"""Normalised records: what every file parser and live connector emits and the `Loader` stores.

Records name accounts and posts by the platform's own ids (strings); the loader maps them to
row ids, creating placeholder accounts for ids it has not seen in full yet. The records an
import makes by the million are named tuples: immutable like frozen dataclasses, but built
seven times faster, which is a tenth of an import's time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from vigil.model import AccountStatus

__all__ = [
    "AccountRecord",
    "FollowRecord",
    "LinkRecord",
    "MediaRecord",
    "MentionRecord",
    "PlatformSpec",
    "PostRecord",
    "Record",
    "ReferenceRecord",
    "ShapeError",
    "StatusRecord",
    "Subject",
    "count_or_none",
    "handle_key",
    "storable",
    "text_or_none",
]

_INT64 = 2**63 - 1


class ShapeError(ValueError):
    """A line is JSON but not a shape the parser knows; the message says why."""


def text_or_none(value: Any) -> str | None:
    """A text field as given; another type is a malformed line (TypeError: quarantined)."""
    if value is None or type(value) is str:
        return value
    raise TypeError(f"expected text, got {type(value).__name__}")


def count_or_none(value: Any) -> int | None:
    """A count or size that fits the store's 64-bit integers; else a malformed line."""
    if value is None or (type(value) is int and -_INT64 <= value <= _INT64):
        return value
    raise TypeError(f"expected a 64-bit whole number, got {type(value).__name__}")


def storable(obj: Any) -> Any:
    """`obj` with NUL characters and lone surrogates (valid JSON, refused by databases) as U+FFFD.

    Parsed JSON from outside passes here when it may hold them (the importer sends lines
    with an escaped NUL and those orjson refused); ValueError when nested too deeply.
    """
    try:
        return _storable(obj)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _storable(obj: Any) -> Any:
    if isinstance(obj, str):
        if not obj.isascii():
            obj = obj.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return obj.replace("\x00", "\ufffd")
    if isinstance(obj, list):
        return [_storable(v) for v in obj]
    if isinstance(obj, dict):
        return {_storable(k): _storable(v) for k, v in obj.items()}
    return obj


def handle_key(handle: str) -> str:
    """The `platform_account_id` of an account known only by its handle (handles ignore case)."""
    return f"username:{handle.lower()}"


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """Which `Platform` row records belong to: ``x``, ``mastodon:<instance>``..."""

    name: str
    kind: str
    base_url: str | None = None


class AccountRecord(NamedTuple):
    """An account's profile as retrieved at `seen_at`.

    ``complete=False`` marks a reference (an author id, a mention): only the id and maybe
    the handle are known, and the loader never lets it overwrite a full profile.
    """

    platform_account_id: str
    handle: str
    seen_at: datetime
    complete: bool = True
    display_name: str | None = None
    bio: str | None = None
    lang: str | None = None
    location: str | None = None
    url: str | None = None
    avatar_url: str | None = None
    verified: bool = False
    protected: bool = False
    followers_count: int | None = None
    following_count: int | None = None
    posts_count: int | None = None
    created_at: datetime | None = None
    withheld_in: tuple[str, ...] | None = None


class ReferenceRecord(NamedTuple):
    """An edge from a post to the post it retweets, quotes or replies to."""

    kind: str  # retweeted | quoted | replied_to
    target_post_id: str
    target_account_id: str | None = None


class MentionRecord(NamedTuple):
    """An account named in a post: by handle, and by id when the platform resolved it."""

    handle: str
    account_id: str | None = None


class LinkRecord(NamedTuple):
    """A link in a post: as shown (X's t.co), where it goes, and that place's host and domain."""

    url: str
    expanded_url: str
    host: str | None = None
    domain: str | None = None  # registrable domain, lower-case ASCII (punycode)


class PostRecord(NamedTuple):
    """One version of a post as retrieved at `seen_at`.

    `platform_post_id` is the post's stable id (on X the first id of its edit history);
    `version_id` names this version. A post with ``edited=True`` keeps every version the
    store has seen in `PostVersion`; the post row shows the latest one.
    """

    platform_post_id: str
    account_id: str
    seen_at: datetime
    version_id: str
    created_at: datetime | None = None
    version_created_at: datetime | None = None
    edited: bool = False
    version_count: int = 1
    text: str | None = None
    lang: str | None = None
    kind: str = "original"  # original | retweet | quote | reply
    conversation_id: str | None = None
    url: str | None = None
    withheld_in: tuple[str, ...] | None = None
    references: tuple[ReferenceRecord, ...] = ()
    mentions: tuple[MentionRecord, ...] = ()
    media_keys: tuple[str, ...] = ()
    links: tuple[LinkRecord, ...] = ()


class MediaRecord(NamedTuple):
    """An image or video by the platform's media key (files are linked by that key)."""

    media_key: str
    kind: str
    seen_at: datetime
    url: str | None = None
    width: int | None = None
    height: int | None = None


class FollowRecord(NamedTuple):
    """`source` follows `target`, as listed at `seen_at`."""

    source_account_id: str
    target_account_id: str
    seen_at: datetime


class Subject(StrEnum):
    """What a `StatusRecord`'s id names; compliance files do not always say."""

    ACCOUNT = "account"
    POST = "post"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """What the platform said about an account at `observed_at`.

    The account is named by `subject_id` (its platform id) or, failing that, by `handle`.
    When the subject is (or may be) a post, the observation goes to the post's author with
    `author_status`; ``None`` there means the statement says nothing about the author.
    """

    observed_at: datetime
    status: AccountStatus | None
    subject_id: str | None = None
    handle: str | None = None
    subject: Subject = Subject.ACCOUNT
    author_status: AccountStatus | None = None
    source: str = "import"
    detail: Mapping[str, Any] = field(default_factory=dict)


Record = AccountRecord | PostRecord | MediaRecord | FollowRecord | StatusRecord
