"""drift: per-object describe, reconciliation and formula schedules; formula fields in the
catalog; what the checks repaired, on the run record

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OBJECT_COLUMNS = (
    ("metadata_modified", sa.String(length=40)),
    ("checked_at", storage.types.UtcDateTime(timezone=True)),
    ("reconciled_at", storage.types.UtcDateTime(timezone=True)),
    ("formulas_refreshed_at", storage.types.UtcDateTime(timezone=True)),
)
_RUN_COUNTS = ("fields_added", "fields_removed", "rows_backfilled", "rows_purged", "rows_repaired",
               "formulas_changed")


def upgrade() -> None:
    with op.batch_alter_table("synced_objects") as batch_op:
        for name, type_ in _OBJECT_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("object_fields") as batch_op:
        # None until the next describe says (rows described before this revision).
        batch_op.add_column(sa.Column("calculated", sa.Boolean(), nullable=True))
    with op.batch_alter_table("sync_runs") as batch_op:
        for name in _RUN_COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reconciled", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.drop_column("reconciled")
        for name in reversed(_RUN_COUNTS):
            batch_op.drop_column(name)
    with op.batch_alter_table("object_fields") as batch_op:
        batch_op.drop_column("calculated")
    with op.batch_alter_table("synced_objects") as batch_op:
        for name, _type in reversed(_OBJECT_COLUMNS):
            batch_op.drop_column(name)
