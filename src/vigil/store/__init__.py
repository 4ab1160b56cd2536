"""Engine and session setup, migrations and bulk writes for SQLite and PostgreSQL."""

from __future__ import annotations

from vigil.store.audit import AuditReport, record, verify
from vigil.store.bulk import append, upsert
from vigil.store.database import Database, open_database
from vigil.store.migrations import (
    current_revision,
    ensure_current,
    head_revision,
    initialise,
    upgrade,
)
from vigil.store.stats import collect_stats

__all__ = [
    "AuditReport",
    "Database",
    "append",
    "collect_stats",
    "current_revision",
    "ensure_current",
    "head_revision",
    "initialise",
    "open_database",
    "record",
    "upgrade",
    "upsert",
    "verify",
]
