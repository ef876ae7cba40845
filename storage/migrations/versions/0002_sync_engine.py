"""sync engine: per-object run records, Bulk resume state, `/sync now` requests

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("sync_requested_at", storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sync_requested_by", sa.String(length=32), nullable=True))

    with op.batch_alter_table("sync_runs") as batch_op:
        for name in ("records_inserted", "records_updated", "records_unchanged", "record_errors"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("api_used", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("api_max", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("failure_kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("holder", sa.String(length=160), nullable=True))

    op.create_table(
        "sync_run_objects",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("object_name", sa.String(length=80), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_expected", sa.Integer(), nullable=True),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("started_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["sync_runs.id"], name=op.f("fk_sync_run_objects_run_id_sync_runs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "object_name", name=op.f("pk_sync_run_objects")),
    )

    with op.batch_alter_table("object_cursors") as batch_op:
        batch_op.add_column(sa.Column("bulk_job_id", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("bulk_locator", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("bulk_since", storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("bulk_max_modstamp", storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("bulk_rows_done", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("bulk_rows_total", sa.Integer(), nullable=True))

    with op.batch_alter_table("sync_errors") as batch_op:
        batch_op.add_column(sa.Column("field_name", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_errors") as batch_op:
        batch_op.drop_column("field_name")
    with op.batch_alter_table("object_cursors") as batch_op:
        for name in ("bulk_rows_total", "bulk_rows_done", "bulk_max_modstamp", "bulk_since", "bulk_locator",
                     "bulk_job_id"):
            batch_op.drop_column(name)
    op.drop_table("sync_run_objects")
    with op.batch_alter_table("sync_runs") as batch_op:
        for name in ("holder", "failure_kind", "api_max", "api_used", "record_errors", "records_unchanged",
                     "records_updated", "records_inserted"):
            batch_op.drop_column(name)
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("sync_requested_by")
        batch_op.drop_column("sync_requested_at")
