"""bounded history and guarded member reads: an index on sync_errors.occurred_at (pruned
by age), and salesforce_reads (when members last made Salesforce answer, and what it said)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_errors") as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_errors_occurred_at"), ["occurred_at"], unique=False)
    op.create_table(
        "salesforce_reads",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("checked_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("api_used", sa.Integer(), nullable=True),
        sa.Column("api_max", sa.Integer(), nullable=True),
        sa.Column("usage_seen_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "kind", name=op.f("pk_salesforce_reads")),
    )


def downgrade() -> None:
    op.drop_table("salesforce_reads")
    with op.batch_alter_table("sync_errors") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_errors_occurred_at"))
