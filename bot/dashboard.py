"""What App Home shows once the sync is started: the state, the last cycle, live rows
per object, recent errors, and the cycles of the last 24 hours (for the chart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import history
from bot.history import ErrorView
from bot.runtime import Services
from bot.status import SyncStatus
from storage import catalog, mirror, reports, runs
from storage.models import SyncRun
from storage.types import utcnow

CHART_WINDOW = timedelta(hours=24)
RECENT_ERRORS = 5
# Statuses of a cycle that did not finish its work.
FAILED_STATUSES = frozenset({"failed", "interrupted"})


@dataclass(frozen=True)
class Cycle:
    """One finished sync cycle, as the dashboard draws it."""

    run_id: int
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime
    records_written: int
    records_deleted: int
    error: str | None = None

    @property
    def failed(self) -> bool:
        """True for a cycle that failed or was interrupted."""
        return self.status in FAILED_STATUSES

    @property
    def seconds(self) -> float:
        """How long the cycle ran."""
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)


@dataclass(frozen=True)
class ObjectRows:
    """The live (not deleted) rows of one mirror table."""

    object_name: str
    table: str
    live_rows: int


@dataclass(frozen=True)
class Dashboard:
    """Everything App Home shows about a started sync, read at ``now``."""

    status: SyncStatus
    now: datetime
    last_cycle: Cycle | None
    rows: tuple[ObjectRows, ...]
    errors: tuple[ErrorView, ...]
    # Finished cycles started within CHART_WINDOW before ``now``, oldest first.
    cycles: tuple[Cycle, ...]

    @property
    def since(self) -> datetime:
        """Where the chart's time axis starts."""
        return self.now - CHART_WINDOW

    @property
    def chart_key(self) -> tuple[int, int] | None:
        """Identifies the charted cycles: the oldest and newest run ids (None: nothing to draw).

        The same key means the same picture, so an uploaded chart is shown again
        instead of uploading an identical one.
        """
        if not self.cycles:
            return None
        return self.cycles[0].run_id, self.cycles[-1].run_id


def load(services: Services, team_id: str, status: SyncStatus, *, now: datetime | None = None) -> Dashboard:
    """Read the dashboard of a workspace whose sync is started."""
    now = now or utcnow()
    with services.db.session() as session:
        recent = runs.recent(session, team_id, limit=20)
        window = reports.runs_since(session, team_id, now - CHART_WINDOW)
        existing = set(mirror.existing_tables(session.connection()))
        objects = [obj for obj in catalog.objects(session, team_id) if obj.available and obj.table_name in existing]
        counts = reports.live_row_counts(session, [obj.table_name for obj in objects])
    finished = [cycle for cycle in map(_cycle, recent) if cycle is not None]
    return Dashboard(
        status=status,
        now=now,
        last_cycle=finished[0] if finished else None,
        rows=tuple(ObjectRows(obj.object_name, obj.table_name, counts.get(obj.table_name, 0)) for obj in objects),
        errors=tuple(history.recent_errors(services, team_id, limit=RECENT_ERRORS)),
        cycles=tuple(cycle for cycle in map(_cycle, window) if cycle is not None),
    )


def _cycle(run: SyncRun) -> Cycle | None:
    if run.finished_at is None or run.status == "running":
        return None
    return Cycle(
        run_id=run.id,
        trigger=run.trigger,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        records_written=run.records_upserted or 0,
        records_deleted=run.records_deleted or 0,
        error=run.error,
    )
