"""Resurgence links between accounts, and the watermarks of incremental scans.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "account_link",
        sa.Column("id", _ID, nullable=False),
        sa.Column("new_account_id", _ID, nullable=False),
        sa.Column("prior_account_id", _ID, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["new_account_id"], ["account.id"], name=op.f("fk_account_link_new_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["prior_account_id"],
            ["account.id"],
            name=op.f("fk_account_link_prior_account_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_link")),
        sa.UniqueConstraint(
            "new_account_id",
            "prior_account_id",
            "method",
            name=op.f("uq_account_link_new_account_id_prior_account_id_method"),
        ),
    )
    with op.batch_alter_table("account_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_link_new_account_id"), ["new_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_link_prior_account_id"), ["prior_account_id"], unique=False
        )
    op.create_table(
        "scan_state",
        sa.Column("id", _ID, nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_state")),
        sa.UniqueConstraint("step", name=op.f("uq_scan_state_step")),
    )


def downgrade() -> None:
    op.drop_table("scan_state")
    with op.batch_alter_table("account_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_link_prior_account_id"))
        batch_op.drop_index(batch_op.f("ix_account_link_new_account_id"))
    op.drop_table("account_link")
