"""What the sync has done: recent runs and errors, for ``/sync history`` and ``/sync errors``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages import MSG
from bot.runtime import Services
from storage import runs
from storage.alert_reports import REPAIR_COLUMNS as REPAIR_COUNTS
from storage.models import SyncRun


def repairs_of(run: SyncRun) -> tuple[tuple[str, int], ...]:
    """The drift checks' counts of a run that are not zero, as (column name, count)."""
    return tuple((name, int(getattr(run, name) or 0)) for name in REPAIR_COUNTS if getattr(run, name))


@dataclass(frozen=True)
class RunView:
    """One sync run as people see it."""

    started_at: datetime
    trigger: str
    status: str
    records_inserted: int
    records_updated: int
    records_deleted: int
    record_errors: int
    api_calls: int
    # "REST", "Bulk" or "REST + Bulk": how its objects were read.
    methods: str
    seconds: float | None
    error: str | None
    # The drift checks' non-zero counts (see :data:`REPAIR_COUNTS`).
    repairs: tuple[tuple[str, int], ...] = ()

    @property
    def records_upserted(self) -> int:
        """Rows written (new and updated)."""
        return self.records_inserted + self.records_updated


@dataclass(frozen=True)
class ErrorView:
    """One recorded sync error."""

    occurred_at: datetime
    kind: str
    object_name: str | None
    record_id: str | None
    field_name: str | None
    message: str


def recent_runs(services: Services, team_id: str, limit: int = 10) -> list[RunView]:
    """The newest runs, newest first."""
    with services.db.session(write=False) as session:
        views = []
        for run in runs.recent(session, team_id, limit):
            methods = sorted({item.method for item in runs.objects_of(session, run.id)}, reverse=True)
            views.append(RunView(
                started_at=run.started_at,
                trigger=run.trigger,
                status=run.status,
                records_inserted=run.records_inserted,
                # Rows recorded before the engine kept inserts apart count as updates.
                records_updated=run.records_updated or max(0, run.records_upserted - run.records_inserted),
                records_deleted=run.records_deleted,
                record_errors=run.record_errors,
                api_calls=run.api_calls,
                methods=" + ".join(MSG.method_names.get(name, name) for name in methods) or "—",
                seconds=(run.finished_at - run.started_at).total_seconds() if run.finished_at else None,
                error=run.error,
                repairs=repairs_of(run),
            ))
        return views


def recent_errors(services: Services, team_id: str, limit: int = 20) -> list[ErrorView]:
    """The newest errors, newest first."""
    with services.db.session(write=False) as session:
        return [
            ErrorView(
                occurred_at=error.occurred_at,
                kind=error.kind,
                object_name=error.object_name,
                record_id=error.record_id,
                field_name=error.field_name,
                message=error.message,
            )
            for error in runs.recent_errors(session, team_id, limit)
        ]
