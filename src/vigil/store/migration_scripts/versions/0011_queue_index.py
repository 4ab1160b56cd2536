"""A covering index for the review queue: scores by value, then account.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_score_value_account", "score", ["value", "account_id"])


def downgrade() -> None:
    op.drop_index("ix_score_value_account", table_name="score")
