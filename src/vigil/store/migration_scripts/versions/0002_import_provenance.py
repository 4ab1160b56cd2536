"""Accounts record when their profile was retrieved (NULL for placeholders from references);
post versions are found by their own platform id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_seen_at", sa.DateTime(timezone=True), nullable=True))
    # Accounts stored before this revision were written from full profiles.
    op.execute("UPDATE account SET profile_seen_at = last_seen")
    with op.batch_alter_table("post_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_post_version_platform_version_id"), ["platform_version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("post_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_version_platform_version_id"))
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("profile_seen_at")
