"""Read-only queries behind App Home and the CSV exports: runs over a time window,
every recorded error (streamed), and live row counts of the mirror tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.models import SyncError, SyncRun


def runs_since(session: Session, team_id: str, since: datetime) -> list[SyncRun]:
    """The runs of a workspace started at or after ``since``, oldest first."""
    return list(
        session.scalars(
            select(SyncRun)
            .where(SyncRun.team_id == team_id, SyncRun.started_at >= since)
            .order_by(SyncRun.id)
        )
    )


# Rows fetched from the database at a time when an export streams the errors.
ERROR_BATCH = 1000


def error_rows(session: Session, team_id: str) -> Iterator[tuple[Any, ...]]:
    """Every recorded error of a workspace, newest first, as (occurred_at, kind, object, record_id,
    field, message, run_id), fetched in batches (a server-side cursor on PostgreSQL) so that an
    export never holds the whole list."""
    result = session.execute(
        select(SyncError.occurred_at, SyncError.kind, SyncError.object_name, SyncError.record_id,
               SyncError.field_name, SyncError.message, SyncError.run_id)
        .where(SyncError.team_id == team_id)
        .order_by(SyncError.id.desc())
        .execution_options(yield_per=ERROR_BATCH)
    )
    for row in result:
        yield tuple(row)


def live_row_counts(session: Session, tables: Sequence[str]) -> dict[str, int]:
    """Rows not deleted in Salesforce, per mirror table, in one query."""
    if not tables:
        return {}
    quote = session.get_bind().dialect.identifier_preparer.quote
    # Each arm is tagged by its position, so that no name is ever spliced in as a literal.
    parts = [
        f"SELECT {position} AS position, count(*) AS live FROM {quote(name)} WHERE isdeleted = :deleted"
        for position, name in enumerate(tables)
    ]
    rows = session.execute(text(" UNION ALL ".join(parts)), {"deleted": False})
    return {tables[int(row.position)]: int(row.live) for row in rows}
