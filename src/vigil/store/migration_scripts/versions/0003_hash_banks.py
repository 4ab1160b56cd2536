"""Hash banks, their hashes, media matches, and extra PDQ hashes of parts of each image.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hash_bank",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_bank")),
        sa.UniqueConstraint("name", name=op.f("uq_hash_bank_name")),
    )
    op.create_table(
        "bank_hash",
        sa.Column("id", _ID, nullable=False),
        sa.Column("bank_id", _ID, nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["hash_bank.id"], name=op.f("fk_bank_hash_bank_id_hash_bank")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_hash")),
        sa.UniqueConstraint("bank_id", "pdq", "item", name=op.f("uq_bank_hash_bank_id_pdq_item")),
    )
    with op.batch_alter_table("bank_hash", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_hash_bank_id"), ["bank_id"], unique=False)
    op.create_table(
        "media_match",
        sa.Column("id", _ID, nullable=False),
        sa.Column("media_id", _ID, nullable=False),
        sa.Column("bank_id", _ID, nullable=False),
        sa.Column("bank_hash_id", _ID, nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("query_variant", sa.String(length=32), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_hash_id"], ["bank_hash.id"], name=op.f("fk_media_match_bank_hash_id_bank_hash")
        ),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["hash_bank.id"], name=op.f("fk_media_match_bank_id_hash_bank")
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_match_media_id_media")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_match")),
        sa.UniqueConstraint(
            "media_id", "bank_id", "item", name=op.f("uq_media_match_media_id_bank_id_item")
        ),
    )
    with op.batch_alter_table("media_match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_match_bank_id"), ["bank_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_match_media_id"), ["media_id"], unique=False)
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdq_variants", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("pdq_variants")
    with op.batch_alter_table("media_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_match_media_id"))
        batch_op.drop_index(batch_op.f("ix_media_match_bank_id"))
    op.drop_table("media_match")
    with op.batch_alter_table("bank_hash", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_hash_bank_id"))
    op.drop_table("bank_hash")
    op.drop_table("hash_bank")
