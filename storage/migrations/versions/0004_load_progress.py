"""load progress: the alert channel's live message of the first load

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "load_progress_messages",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=160), nullable=True),
        sa.Column("claimed_until", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("retry_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("reposts", sa.Integer(), nullable=False),
        sa.Column("finished_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_load_progress_messages")),
    )


def downgrade() -> None:
    op.drop_table("load_progress_messages")
