"""Status statements of a batch written as `StatusObservation` rows, each exactly once.

A statement about a post goes to the post's author; one whose id may name either (a
compliance record) is tried as a post, then as an account. Observations have no natural
key in the schema, so (account, status, observed_at, source) is checked before appending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.model import Account, AccountStatus, StatusObservation, utcnow
from vigil.platforms.post_writer import PostIds, known_posts
from vigil.platforms.records import StatusRecord, Subject
from vigil.store import append

__all__ = ["write_observations"]

_COLUMNS = ["account_id", "status", "observed_at", "source", "detail", "recorded_at"]
_CHUNK = 500

ObservationKey = tuple[int, str, datetime, str]


def write_observations(
    session: Session,
    platform_id: int,
    statuses: Sequence[StatusRecord],
    accounts: Mapping[str, int],
    handles: Mapping[str, str],
    posts: PostIds,
) -> tuple[int, int]:
    """Write new observations; returns (written, statements about ids the store lacks)."""
    if not statuses:
        return 0, 0
    other = sorted(
        {s.subject_id for s in statuses if s.subject is not Subject.ACCOUNT and s.subject_id}
    )
    missing_posts = [i for i in other if i not in posts]
    if missing_posts:
        posts = {**posts, **known_posts(session, platform_id, missing_posts)}
    maybe_accounts = [
        s.subject_id
        for s in statuses
        if s.subject is Subject.UNKNOWN and s.subject_id and s.subject_id not in posts
    ]
    stored_accounts = _known_accounts(session, platform_id, sorted(set(maybe_accounts)))
    unresolved = 0
    pending: dict[ObservationKey, dict[str, Any]] = {}
    for s in statuses:
        status: AccountStatus | None
        if s.subject is Subject.ACCOUNT:
            pid = s.subject_id or handles[(s.handle or "").lower()]
            account_id = accounts[pid]
            status = s.status
        elif s.subject_id in posts:
            account_id = posts[s.subject_id][1]
            status = s.author_status
        elif s.subject is Subject.UNKNOWN and s.subject_id in stored_accounts:
            account_id = stored_accounts[s.subject_id]
            status = s.status
        else:
            unresolved += 1
            continue
        if status is None:
            continue
        when = s.observed_at.astimezone(UTC)
        key = (account_id, status.value, when, s.source)
        pending.setdefault(key, {"detail": dict(s.detail)})
    if not pending:
        return 0, unresolved
    existing = _existing(session, sorted({k[0] for k in pending}))
    now = utcnow()
    rows = [
        (key[0], key[1], key[2], key[3], value["detail"], now)
        for key, value in sorted(pending.items(), key=lambda kv: kv[0])
        if key not in existing
    ]
    if rows:
        append(session, StatusObservation, _COLUMNS, rows)
    return len(rows), unresolved


def _known_accounts(session: Session, platform_id: int, ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        for pid, row_id in session.execute(
            select(Account.platform_account_id, Account.id).where(
                Account.platform_id == platform_id, Account.platform_account_id.in_(chunk)
            )
        ):
            found[str(pid)] = int(row_id)
    return found


def _existing(session: Session, account_ids: Sequence[int]) -> set[ObservationKey]:
    seen: set[ObservationKey] = set()
    o = StatusObservation
    for i in range(0, len(account_ids), _CHUNK):
        chunk = list(account_ids[i : i + _CHUNK])
        for account_id, status, observed_at, source in session.execute(
            select(o.account_id, o.status, o.observed_at, o.source).where(o.account_id.in_(chunk))
        ):
            seen.add((int(account_id), str(status), observed_at.astimezone(UTC), str(source)))
    return seen
