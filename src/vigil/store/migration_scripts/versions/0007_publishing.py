"""Publishing: installments, webhook deliveries, confirmed URLs and notices.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "installment",
        sa.Column("id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installment")),
        sa.UniqueConstraint("number", name=op.f("uq_installment_number")),
    )
    op.create_table(
        "installment_entry",
        sa.Column("id", _ID, nullable=False),
        sa.Column("installment_id", _ID, nullable=False),
        sa.Column("list_entry_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["installment_id"],
            ["installment.id"],
            name=op.f("fk_installment_entry_installment_id_installment"),
        ),
        sa.ForeignKeyConstraint(
            ["list_entry_id"],
            ["list_entry.id"],
            name=op.f("fk_installment_entry_list_entry_id_list_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installment_entry")),
        sa.UniqueConstraint(
            "list_entry_id", "kind", name=op.f("uq_installment_entry_list_entry_id_kind")
        ),
    )
    with op.batch_alter_table("installment_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_installment_entry_installment_id"), ["installment_id"], unique=False
        )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", _ID, nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
        sa.UniqueConstraint("url", name=op.f("uq_webhook_subscription_url")),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", _ID, nullable=False),
        sa.Column("subscription_id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("event_id", name=op.f("uq_webhook_delivery_event_id")),
        sa.UniqueConstraint(
            "subscription_id", "number", name=op.f("uq_webhook_delivery_subscription_id_number")
        ),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_delivery_status_next", ["status", "next_attempt_at"], unique=False
        )
    op.create_table(
        "confirmed_url",
        sa.Column("id", _ID, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("domain", sa.String(length=300), nullable=False),
        sa.Column("account_id", _ID, nullable=True),
        sa.Column("post_id", _ID, nullable=True),
        sa.Column("criterion", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=False),
        sa.Column("confirmed_at", _TS, nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("notice_path", sa.Text(), nullable=True),
        sa.Column("notice_at", _TS, nullable=True),
        sa.Column("last_check_at", _TS, nullable=True),
        sa.Column("last_check_status", sa.Integer(), nullable=True),
        sa.Column("reachable", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_confirmed_url_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_confirmed_url_post_id_post")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmed_url")),
        sa.UniqueConstraint("url", name=op.f("uq_confirmed_url_url")),
    )
    with op.batch_alter_table("confirmed_url", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_confirmed_url_domain"), ["domain"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("confirmed_url", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confirmed_url_domain"))
    op.drop_table("confirmed_url")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_delivery_status_next")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
    with op.batch_alter_table("installment_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installment_entry_installment_id"))
    op.drop_table("installment_entry")
    op.drop_table("installment")
