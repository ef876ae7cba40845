"""What the sync has done: recent runs and errors, for ``/sync history`` and ``/sync errors``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.runtime import Services
from storage import runs


@dataclass(frozen=True)
class RunView:
    """One sync run as people see it."""

    started_at: datetime
    trigger: str
    status: str
    records_upserted: int
    records_deleted: int
    error: str | None


@dataclass(frozen=True)
class ErrorView:
    """One recorded sync error."""

    occurred_at: datetime
    kind: str
    object_name: str | None
    record_id: str | None
    message: str


def recent_runs(services: Services, team_id: str, limit: int = 10) -> list[RunView]:
    """The newest runs, newest first."""
    with services.db.session() as session:
        return [
            RunView(
                started_at=run.started_at,
                trigger=run.trigger,
                status=run.status,
                records_upserted=run.records_upserted,
                records_deleted=run.records_deleted,
                error=run.error,
            )
            for run in runs.recent(session, team_id, limit)
        ]


def recent_errors(services: Services, team_id: str, limit: int = 20) -> list[ErrorView]:
    """The newest errors, newest first."""
    with services.db.session() as session:
        return [
            ErrorView(
                occurred_at=error.occurred_at,
                kind=error.kind,
                object_name=error.object_name,
                record_id=error.record_id,
                message=error.message,
            )
            for error in runs.recent_errors(session, team_id, limit)
        ]
