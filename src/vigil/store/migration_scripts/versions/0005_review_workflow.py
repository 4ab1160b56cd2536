"""Review workflow: policy versions on decisions, appeals, tips, whitelist details.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", _TS, nullable=True))
    with op.batch_alter_table("review_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("threat_marked_at", _TS, nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=16), nullable=True))
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("policy_version", sa.String(length=32), nullable=True))
    with op.batch_alter_table("list_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retraction_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("retraction_decision_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_list_entry_retraction_decision_id_decision"),
            "decision",
            ["retraction_decision_id"],
            ["id"],
        )
    op.create_table(
        "appeal",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("list_entry_id", _ID, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filed_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decided_by", _ID, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decision_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_appeal_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_appeal_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_appeal_decision_id_decision")
        ),
        sa.ForeignKeyConstraint(
            ["list_entry_id"], ["list_entry.id"], name=op.f("fk_appeal_list_entry_id_list_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal")),
        sa.UniqueConstraint("reference", name=op.f("uq_appeal_reference")),
    )
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeal_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeal_status"), ["status"], unique=False)
    op.create_table(
        "tip",
        sa.Column("id", _ID, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("account_ref", sa.String(length=300), nullable=False),
        sa.Column("account_id", _ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_id", _ID, nullable=True),
        sa.Column("submitted_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_tip_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_case.id"], name=op.f("fk_tip_case_id_review_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip")),
        sa.UniqueConstraint("reference", name=op.f("uq_tip_reference")),
    )
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_account_id"))
    op.drop_table("tip")
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_status"))
        batch_op.drop_index(batch_op.f("ix_appeal_account_id"))
    op.drop_table("appeal")
    with op.batch_alter_table("list_entry", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_list_entry_retraction_decision_id_decision"), type_="foreignkey"
        )
        batch_op.drop_column("retraction_decision_id")
        batch_op.drop_column("retraction_reason")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("policy_version")
    with op.batch_alter_table("review_case", schema=None) as batch_op:
        batch_op.drop_column("resolution")
        batch_op.drop_column("threat_marked_at")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
