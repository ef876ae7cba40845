"""Read-only queries behind App Home and the CSV exports: runs over a time window,
every recorded error, and live row counts of the mirror tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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


def all_errors(session: Session, team_id: str) -> list[SyncError]:
    """Every recorded error of a workspace, newest first."""
    return list(
        session.scalars(select(SyncError).where(SyncError.team_id == team_id).order_by(SyncError.id.desc()))
    )


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
