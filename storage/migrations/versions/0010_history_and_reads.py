"""bounded history: sync_errors pruned by age (an index on occurred_at)

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_errors") as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_errors_occurred_at"), ["occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_errors") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_errors_occurred_at"))
