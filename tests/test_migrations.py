"""Migrations: the shipped scripts build exactly the model's schema, both ways."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from vigil.model import Base
from vigil.store import Database, current_revision, head_revision, upgrade
from vigil.store.migrations import _config


def test_migrated_schema_matches_the_model(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(db: Database) -> None:
    cfg = _config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert current_revision(db) is None
    before, after = upgrade(db)
    assert (before, after) == (None, head_revision())


def test_upgrade_at_head_is_a_no_op(db: Database) -> None:
    assert upgrade(db) == (head_revision(), head_revision())
