"""Monitoring: the check schedule (one due time per watched account) and the control group.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "monitor_target",
        sa.Column("id", _ID, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("cohort", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=20), nullable=True),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_monitor_target_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_target")),
        sa.UniqueConstraint("account_id", name=op.f("uq_monitor_target_account_id")),
    )
    with op.batch_alter_table("monitor_target", schema=None) as batch_op:
        batch_op.create_index("ix_monitor_target_due", ["next_due_at"], unique=False)
    op.create_table(
        "control_member",
        sa.Column("id", _ID, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("matched_account_id", _ID, nullable=False),
        sa.Column("platform_id", _ID, nullable=False),
        sa.Column("index_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("age_days", sa.Float(), nullable=True),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_control_member_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["matched_account_id"],
            ["account.id"],
            name=op.f("fk_control_member_matched_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_control_member_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_member")),
        sa.UniqueConstraint("account_id", name=op.f("uq_control_member_account_id")),
    )
    with op.batch_alter_table("control_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_member_matched_account_id"), ["matched_account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("control_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_member_matched_account_id"))
    op.drop_table("control_member")
    with op.batch_alter_table("monitor_target", schema=None) as batch_op:
        batch_op.drop_index("ix_monitor_target_due")
    op.drop_table("monitor_target")
