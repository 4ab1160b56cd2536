"""Listed accounts for the publishing tests, made directly as the review workflow leaves them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, Case, Decision, ListEntry, Platform, Post, Signal, User

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@dataclass
class Listed:
    account_id: int
    entry_id: int
    decision_id: int
    post_ids: list[int] = field(default_factory=list)


def platform(session: Session, name: str, kind: str, base_url: str | None = None) -> Platform:
    found = session.scalar(sa.select(Platform).where(Platform.name == name))
    if found is not None:
        return found
    plat = Platform(name=name, kind=kind, base_url=base_url)
    session.add(plat)
    session.flush()
    return plat


def reviewer(session: Session) -> User:
    found = session.scalar(sa.select(User).where(User.username == "rev-alice"))
    if found is None:
        found = User(username="rev-alice", display_name="Alice Reviewer", role="analyst")
        session.add(found)
        session.flush()
    return found


def listed_account(
    session: Session,
    plat: Platform,
    account_id: str,
    handle: str,
    *,
    criterion: str = "C1",
    posts: list[tuple[str, str]] | None = None,
    at: datetime = T0,
    status: str = "active",
) -> Listed:
    """An account with posts, a confirm decision citing them, and its blacklist entry."""
    acc = Account(platform_id=plat.id, platform_account_id=account_id, handle=handle)
    session.add(acc)
    session.flush()
    post_rows = []
    for i, (pid, text) in enumerate(posts or []):
        post = Post(
            platform_id=plat.id,
            platform_post_id=pid,
            account_id=acc.id,
            text=text,
            created_at=at - timedelta(days=1, minutes=i),
        )
        session.add(post)
        post_rows.append(post)
    session.add(
        Signal(account_id=acc.id, name="media_hash", version="1", value=0.9, explanation="x")
    )
    case = Case(account_id=acc.id, status="closed", source="scan")
    session.add(case)
    session.flush()
    decision = Decision(
        case_id=case.id,
        account_id=acc.id,
        user_id=reviewer(session).id,
        action="confirm",
        criterion=criterion,
        note="Alice thinks so",
        evidence={
            "posts": [p.id for p in post_rows],
            "media_matches": [],
            "signals": ["media_hash"],
        },
        decided_at=at,
    )
    session.add(decision)
    session.flush()
    entry = ListEntry(
        account_id=acc.id,
        kind="black",
        status=status,
        criterion=criterion,
        decision_id=decision.id,
        added_at=at,
    )
    session.add(entry)
    session.flush()
    return Listed(acc.id, entry.id, decision.id, [p.id for p in post_rows])


def retract(session: Session, entry_id: int, at: datetime) -> None:
    entry = session.get(ListEntry, entry_id)
    assert entry is not None
    entry.status = "retracted"
    entry.retracted_at = at
    session.flush()
