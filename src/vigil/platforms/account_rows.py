"""Account and handle rows as the import writes them, and how a stored row merges a newer one.

Profile columns change only for a newer full profile; a placeholder only fills a blank
handle; first and last sightings widen. Plain CASE expressions mean the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, case

from vigil.platforms.merge_sql import earliest, latest, when_newer
from vigil.platforms.records import AccountRecord

__all__ = [
    "ACCOUNT_COLUMNS",
    "HANDLE_COLUMNS",
    "account_merge",
    "account_row",
    "by_account_key",
    "handle_merge",
    "stub_row",
]

_PROFILE = (
    "display_name",
    "bio",
    "lang",
    "location",
    "url",
    "avatar_url",
    "verified",
    "protected",
    "followers_count",
    "following_count",
    "posts_count",
    "created_at",
    "withheld_in",
    "profile_seen_at",
)


def handle_merge(x: Any, t: Table) -> dict[str, Any]:
    return {
        "display_name": when_newer(x, t, "display_name", "last_seen"),
        "first_seen": earliest(x, t, "first_seen"),
        "last_seen": latest(x, t, "last_seen"),
    }


def account_merge(x: Any, t: Table) -> dict[str, Any]:
    """Profile columns only from a newer full profile; a placeholder just fills a blank handle."""
    merged: dict[str, Any] = {c: when_newer(x, t, c, "profile_seen_at") for c in _PROFILE}
    newer = when_newer(x, t, "handle", "profile_seen_at")
    merged["handle"] = case((and_(t.c.handle == "", x.handle != ""), x.handle), else_=newer)
    merged["first_seen"] = earliest(x, t, "first_seen")
    merged["last_seen"] = case(
        (x.profile_seen_at.is_not(None) & (x.last_seen > t.c.last_seen), x.last_seen),
        else_=t.c.last_seen,
    )
    return merged


ACCOUNT_COLUMNS = (
    "platform_id",
    "platform_account_id",
    "handle",
    *_PROFILE[:-1],
    "first_seen",
    "last_seen",
    "profile_seen_at",
)
HANDLE_COLUMNS = ("account_id", "handle", "display_name", "first_seen", "last_seen")
_NO_PROFILE = (None, None, None, None, None, None, False, False, None, None, None, None, None)


def by_account_key(row: tuple[Any, ...]) -> str:
    return str(row[1])


def account_row(platform_id: int, r: AccountRecord, first_seen: datetime) -> tuple[Any, ...]:
    return (
        platform_id,
        r.platform_account_id,
        r.handle,
        r.display_name,
        r.bio,
        r.lang,
        r.location,
        r.url,
        r.avatar_url,
        r.verified,
        r.protected,
        r.followers_count,
        r.following_count,
        r.posts_count,
        r.created_at,
        list(r.withheld_in) if r.withheld_in else None,
        first_seen,
        r.seen_at,
        r.seen_at,
    )


def stub_row(platform_id: int, pid: str, handle: str, seen: datetime) -> tuple[Any, ...]:
    return (platform_id, pid, handle, *_NO_PROFILE, seen, seen, None)
