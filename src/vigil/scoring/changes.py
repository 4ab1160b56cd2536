"""What changed in the store since a scan: watermarks (the highest row id of each table the
signals read, the newest profile time, a digest of the lists) and the accounts they touch.

Rows are only ever appended to these tables (corrections are new rows), so a higher id is a
newer row; a profile refreshed in place moves `profile_seen_at` forward instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.model import (
    Account,
    AccountHandle,
    BankHash,
    Follow,
    ListEntry,
    Media,
    Post,
    PostMedia,
    PostVersion,
    StatusObservation,
)

__all__ = [
    "ACCOUNT_SCOPED",
    "changed_accounts",
    "current_marks",
    "dependency_version",
    "forces_full",
]

_ID_MARKS: dict[str, Any] = {
    "account": Account.id,
    "post": Post.id,
    "post_version": PostVersion.id,
    "follow": Follow.id,
    "status_observation": StatusObservation.id,
    "media": Media.id,
    "account_handle": AccountHandle.id,
    "list_entry": ListEntry.id,
    "bank_hash": BankHash.id,
}

# Signals whose value for an account depends only on that account's own rows: recomputed
# for the changed accounts alone. Every other signal (network and coordination over the
# whole graph, resurgence comparing new accounts with every suspended one, and any
# third-party plugin) is recomputed in full when anything changed, and skipped otherwise.
ACCOUNT_SCOPED = frozenset({"text", "media", "behaviour", "context"})

# A change in these tables changes a signal for accounts whose own rows did not change.
_FULL_TRIGGERS: dict[str, tuple[str, ...]] = {"media": ("bank_hash",)}


def current_marks(session: Session) -> dict[str, Any]:
    """The store's watermarks now."""
    marks: dict[str, Any] = {
        name: int(session.scalar(sa.select(sa.func.max(col))) or 0)
        for name, col in _ID_MARKS.items()
    }
    seen = session.scalar(sa.select(sa.func.max(Account.profile_seen_at)))
    marks["profile_seen_at"] = seen.isoformat() if isinstance(seen, datetime) else None
    digest = hashlib.sha256()
    stmt = sa.select(ListEntry.id, ListEntry.status).order_by(ListEntry.id)
    for entry_id, status in session.execute(stmt):
        digest.update(f"{entry_id}:{status};".encode())
    marks["lists"] = digest.hexdigest()[:16]
    return marks


def forces_full(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether a change since `old` makes signal `name` recompute every account."""
    return any(old.get(t) != new.get(t) for t in _FULL_TRIGGERS.get(name, ()))


def _above(session: Session, stmt: Any) -> set[int]:
    return {int(i) for i in session.scalars(stmt) if i is not None}


def changed_accounts(session: Session, old: Mapping[str, Any], new: Mapping[str, Any]) -> set[int]:
    """Accounts with new rows between the watermarks `old` and `new`: new accounts, posts,
    edits, follows (both ends), status observations, media, handles, list entries, and
    profiles seen again after `old`'s newest profile time."""

    def span(col: Any, name: str) -> Any:
        return sa.and_(col > int(old.get(name) or 0), col <= int(new.get(name) or 0))

    out: set[int] = set()
    out |= _above(session, sa.select(Account.id).where(span(Account.id, "account")))
    out |= _above(session, sa.select(Post.account_id).where(span(Post.id, "post")).distinct())
    out |= _above(
        session,
        sa.select(Post.account_id)
        .join(PostVersion, PostVersion.post_id == Post.id)
        .where(span(PostVersion.id, "post_version"))
        .distinct(),
    )
    for col in (Follow.source_id, Follow.target_id):
        out |= _above(session, sa.select(col).where(span(Follow.id, "follow")).distinct())
    out |= _above(
        session,
        sa.select(StatusObservation.account_id)
        .where(span(StatusObservation.id, "status_observation"))
        .distinct(),
    )
    out |= _above(
        session,
        sa.select(Post.account_id)
        .join(PostMedia, PostMedia.post_id == Post.id)
        .where(span(PostMedia.media_id, "media"))
        .distinct(),
    )
    out |= _above(
        session,
        sa.select(AccountHandle.account_id)
        .where(span(AccountHandle.id, "account_handle"))
        .distinct(),
    )
    if old.get("lists") != new.get("lists"):
        # A retraction changes a row in place: every listed account is looked at again
        # (lists are small next to the store).
        out |= _above(session, sa.select(ListEntry.account_id).distinct())
    if old.get("profile_seen_at"):
        since = datetime.fromisoformat(str(old["profile_seen_at"]))
        out |= _above(session, sa.select(Account.id).where(Account.profile_seen_at > since))
    return out


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def dependency_version(name: str, version: str, settings: Settings) -> str:
    """A signal's version plus what its output depends on besides the store: the shipped
    data files, and for text the newest trained model. A change means a full recompute."""
    data = resources.files("vigil.signals").joinpath("data")
    files = {"text": ["lexicon.csv"], "context": ["context_profile.csv", "context_domains.csv"]}
    parts = [version]
    for f in files.get(name, []):
        ref = data.joinpath(f)
        parts.append(ref.read_text(encoding="utf-8") if ref.is_file() else "")
    if name == "text":
        from vigil.signals.classifier import models_dir

        folder = models_dir(settings)
        models = sorted(p.name for p in folder.glob("*.pkl")) if folder.is_dir() else []
        parts.append(models[-1] if models else "")
    return f"{version}+{_digest(*parts)}" if len(parts) > 1 else version
