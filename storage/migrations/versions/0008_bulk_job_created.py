"""a Bulk job bounds the next read by its creation: object_cursors.bulk_created

The newest stamp among a job's rows (bulk_max_modstamp) is no safe bound: Salesforce
reads a large job in chunks at different times. A job still under way when this runs
learns its creation from Salesforce at its next status check.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("object_cursors") as batch_op:
        batch_op.add_column(sa.Column("bulk_created", storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.drop_column("bulk_max_modstamp")


def downgrade() -> None:
    with op.batch_alter_table("object_cursors") as batch_op:
        batch_op.add_column(sa.Column("bulk_max_modstamp", storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.drop_column("bulk_created")
