"""alerts: the outbox of alerts to post, and what the alert channel was last told

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STATE_COLUMNS = (
    ("failure_kind", sa.String(length=32)),
    ("failure_alert_id", sa.Integer()),
    ("reminded_at", storage.types.UtcDateTime(timezone=True)),
    ("lag_alerted_at", storage.types.UtcDateTime(timezone=True)),
    ("resumed_at", storage.types.UtcDateTime(timezone=True)),
    ("digest_on", sa.Date()),
    ("channel_set_by", sa.String(length=32)),
    ("channel_error", sa.String(length=64)),
)


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("thread_of", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=160), nullable=True),
        sa.Column("claimed_until", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("posting_since", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_outbox_key")),
    )
    with op.batch_alter_table("alert_outbox") as batch_op:
        batch_op.create_index("ix_alert_outbox_pending", ["status", "team_id", "id"], unique=False)
    with op.batch_alter_table("alert_states") as batch_op:
        for name, type_ in _STATE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_states") as batch_op:
        for name, _type in reversed(_STATE_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("alert_outbox") as batch_op:
        batch_op.drop_index("ix_alert_outbox_pending")
    op.drop_table("alert_outbox")
