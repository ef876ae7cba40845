"""mirror tables: decimal columns become unconstrained numeric (values untouched)

Revision ID: 0009
Revises: 0008

Columns of double, currency and percent fields were made ``NUMERIC(precision, scale)``
from the describe, and PostgreSQL refused the values the wire carries past them (REST
sends Account.AnnualRevenue (18, 0) at its largest as 1.0E18, 19 digits), so such a
record never synced. They become plain ``numeric``: every value stays as it is, and
PostgreSQL rewrites nothing to drop a numeric's precision. A column a view depends on
cannot change type; it is left as it is, with a warning naming it.

SQLite needs nothing: ``NUMERIC(18, 2)`` has NUMERIC affinity, which never refuses a value.
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    # Mirror tables are the ones starting with sf_ (the bookkeeping tables never do).
    narrow = bind.execute(text(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name LIKE 'sf\\_%' "
        "AND data_type = 'numeric' AND numeric_precision IS NOT NULL ORDER BY table_name, ordinal_position"
    )).all()
    for table, column in narrow:
        savepoint = bind.begin_nested()
        try:
            bind.execute(text(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} TYPE numeric"))
            savepoint.commit()
        except DBAPIError as exc:
            savepoint.rollback()
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            log.warning("column %s.%s keeps its precision and scale (%s): values past them stay refused",
                        table, column, reason)


def downgrade() -> None:
    # The old precision and scale would refuse values stored since: the columns stay as they are.
    pass
