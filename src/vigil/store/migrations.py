"""Alembic migrations run from inside the package: `vigil init` creates or upgrades.

The scripts live in ``vigil/store/migration_scripts/``; no alembic.ini is needed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

from vigil.errors import MigrationError, StoreError
from vigil.store.audit import record
from vigil.store.database import Database, driver_message

__all__ = ["current_revision", "ensure_current", "head_revision", "initialise", "upgrade"]

log = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).parent / "migration_scripts"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise MigrationError("no migrations are shipped with this build")
    return head


def current_revision(db: Database) -> str | None:
    try:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except DBAPIError as exc:
        raise StoreError(
            f"cannot read the schema version of {db.url_for_humans}: {driver_message(exc)}"
        ) from exc


def upgrade(db: Database, target: str = "head") -> tuple[str | None, str]:
    """Bring the schema to `target`; returns (revision before, revision after)."""
    before = current_revision(db)
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if before is not None and before not in known:
        raise MigrationError(
            f"database {db.url_for_humans} is at revision {before}, unknown to this Vigil "
            "(newer than this code?)"
        )
    cfg = _config()
    try:
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    except DBAPIError as exc:
        raise MigrationError(
            f"migration of {db.url_for_humans} failed: {driver_message(exc)}"
        ) from exc
    after = current_revision(db)
    if after is None:
        raise MigrationError(f"migration of {db.url_for_humans} left no revision")
    if before != after:
        log.info("migrated schema from %s to %s", before, after)
    return before, after


def ensure_current(db: Database) -> None:
    """Refuse to work on a database that `vigil init` has not brought to the head."""
    current = current_revision(db)
    head = head_revision()
    if current is None:
        raise MigrationError(f"database {db.url_for_humans} is not initialised: run `vigil init`")
    if current != head:
        raise MigrationError(
            f"database {db.url_for_humans} is at revision {current}, this Vigil needs {head}: "
            "run `vigil init`"
        )


def initialise(db: Database, *, actor: str = "system") -> tuple[str | None, str]:
    """Create or upgrade the schema; a schema change is itself an audit event."""
    before, after = upgrade(db)
    if before != after:
        with db.transaction() as session:
            record(
                session,
                actor=actor,
                action="store.migrate",
                subject=f"schema:{after}",
                payload={"from": before, "to": after, "dialect": db.dialect},
            )
    return before, after
