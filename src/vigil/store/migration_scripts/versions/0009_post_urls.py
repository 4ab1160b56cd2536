"""Links found in posts (expanded URLs and their domains), for link signals and URL notices;
no separate post_id index on mention and post_reference (their unique constraints lead with it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "post_url",
        sa.Column("id", _ID, nullable=False),
        sa.Column("post_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("expanded_url", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("version_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_post_url_post_id_post")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_url")),
        sa.UniqueConstraint("post_id", "position", name=op.f("uq_post_url_post_id_position")),
    )
    with op.batch_alter_table("post_url", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_url_domain"), ["domain"], unique=False)
    # Imports pay for every index on every row; these duplicate the unique constraints.
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mention_post_id"))
    with op.batch_alter_table("post_reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_reference_post_id"))


def downgrade() -> None:
    with op.batch_alter_table("post_reference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_reference_post_id"), ["post_id"], unique=False)
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mention_post_id"), ["post_id"], unique=False)
    with op.batch_alter_table("post_url", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_url_domain"))
    op.drop_table("post_url")
