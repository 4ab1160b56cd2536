"""Counts of what the store holds, as a stable nested object that other tools read.

Every key is always present (zero when empty), so consumers never need defaults.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import vigil
from vigil.model import (
    Account,
    AccountStatus,
    AuditEvent,
    Case,
    Decision,
    Follow,
    Identity,
    ListEntry,
    ListKind,
    ListStatus,
    Media,
    Platform,
    Post,
    PostReference,
    PostVersion,
    Publication,
    Report,
    Signal,
    StatusObservation,
    User,
)
from vigil.store.database import Database
from vigil.store.migrations import current_revision

__all__ = ["STATS_SCHEMA_VERSION", "collect_stats"]

STATS_SCHEMA_VERSION = 1


def _count(session: Session, column: Any) -> int:
    return int(session.execute(select(func.count(column))).scalar_one())


def _grouped(session: Session, *columns: Any) -> dict[tuple[str, ...], int]:
    rows = session.execute(select(*columns, func.count()).group_by(*columns)).all()
    return {tuple(str(v) for v in row[:-1]): int(row[-1]) for row in rows}


def collect_stats(db: Database) -> dict[str, Any]:
    """Counts of accounts, posts, media, edges, observations, lists and audit events."""
    with db.session() as session:
        by_status = _grouped(session, StatusObservation.status)
        statuses = {s.value: by_status.pop((s.value,), 0) for s in AccountStatus}
        statuses.update({k[0]: v for k, v in by_status.items()})
        lists = _grouped(session, ListEntry.kind, ListEntry.status)
        list_counts: dict[str, Any] = {}
        for kind in ListKind:
            per = {st.value: lists.get((kind.value, st.value), 0) for st in ListStatus}
            list_counts[kind.value] = {"total": sum(per.values()), **per}
        per_platform = dict(
            session.execute(
                select(Platform.name, func.count(Account.id))
                .join(Account, Account.platform_id == Platform.id, isouter=True)
                .group_by(Platform.name)
                .order_by(Platform.name)
            ).all()
        )
        return {
            "schema": STATS_SCHEMA_VERSION,
            "vigil_version": vigil.__version__,
            "database": {
                "dialect": db.dialect,
                "url": db.url_for_humans,
                "revision": current_revision(db),
            },
            "accounts": {
                "total": _count(session, Account.id),
                "identities": _count(session, Identity.id),
                "by_platform": {str(k): int(v) for k, v in per_platform.items()},
            },
            "posts": {
                "total": _count(session, Post.id),
                "versions": _count(session, PostVersion.id),
                "references": _count(session, PostReference.id),
            },
            "media": {"total": _count(session, Media.id)},
            "follow_edges": {"total": _count(session, Follow.id)},
            "status_observations": {
                "total": sum(statuses.values()),
                "by_status": statuses,
            },
            "signals": {"total": _count(session, Signal.id)},
            "review": {
                "cases": _count(session, Case.id),
                "decisions": _count(session, Decision.id),
                "users": _count(session, User.id),
            },
            "list_entries": {
                "total": sum(v["total"] for v in list_counts.values()),
                **list_counts,
            },
            "publications": {"total": _count(session, Publication.id)},
            "reports": {"total": _count(session, Report.id)},
            "audit_events": {"total": _count(session, AuditEvent.seq)},
        }
