"""The sync state a workspace is in, as ``/sync status`` and App Home show it.

Read in one read-only transaction, so it never waits for a sync batch to commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from bot.runtime import Services
from bot.setup import progress
from bot.setup.progress import Progress
from bot.sync.failures import FailureKind
from storage import catalog, runs, workspaces
from storage.models import SyncRun, SyncRunObject
from storage.types import utcnow


class SyncState(StrEnum):
    """The four states of the contract; their values are the words users see."""

    NOT_STARTED = "Not started"
    LAST_SYNCED = "Last Synced"
    IN_PROGRESS = "Sync in Progress"
    FAILED = "Failed"


@dataclass(frozen=True)
class ObjectProgress:
    """How far one object of the running cycle has come."""

    object_name: str
    method: str
    rows_done: int
    rows_expected: int | None
    # Rows per second so far, and seconds left at that rate (None when not known yet).
    rate: float | None
    seconds_left: float | None
    finished: bool


@dataclass(frozen=True)
class ObjectChanges:
    """What one object's last successful read changed."""

    object_name: str
    inserted: int
    updated: int
    deleted: int


@dataclass(frozen=True)
class SyncStatus:
    """The state plus what explains it."""

    state: SyncState
    progress: Progress
    last_synced_at: datetime | None = None
    failure: str | None = None
    failure_kind: FailureKind | None = None
    failing_since: datetime | None = None
    running: list[ObjectProgress] = field(default_factory=list)
    # During the first load: the objects it has not begun yet, in the order it reads them.
    waiting: list[str] = field(default_factory=list)
    running_since: datetime | None = None
    changes: list[ObjectChanges] = field(default_factory=list)
    sync_requested: bool = False


def current(services: Services, team_id: str) -> SyncStatus:
    """Read the sync state of a workspace."""
    with services.db.session(write=False) as session:
        state = progress.load(session, team_id)
        latest = runs.latest(session, team_id)
        finished = runs.last_finished(session, team_id)
        succeeded = runs.last_succeeded(session, team_id)
        running = runs.objects_of(session, latest.id) if latest and latest.status == "running" else []
        changed = runs.objects_of(session, succeeded.id) if succeeded else []
        failing_since = runs.failing_since(session, team_id)
        workspace = workspaces.get(session, team_id)
        begun = {item.object_name for item in running}
        waiting = ([obj.object_name for obj in catalog.objects(session, team_id)
                    if obj.available and obj.object_name not in begun] if running and succeeded is None else [])
    status = SyncStatus(
        state=SyncState.NOT_STARTED,
        progress=state,
        last_synced_at=succeeded.finished_at if succeeded else None,
        changes=[_changes(item) for item in changed if item.inserted or item.updated or item.deleted],
        sync_requested=bool(workspace and workspace.sync_requested_at),
    )
    if state.started_at is None:
        return status
    if latest is not None and latest.status == "running":
        return replace(status, state=SyncState.IN_PROGRESS, running=[object_progress(item) for item in running],
                       running_since=latest.started_at, waiting=waiting)
    if finished is not None and finished.status == "failed":
        return replace(status, state=SyncState.FAILED, failure=finished.error, failing_since=failing_since,
                       failure_kind=_kind(finished))
    if succeeded is None:
        # Started, and the first cycle has not finished yet (or was interrupted).
        return replace(status, state=SyncState.IN_PROGRESS)
    return replace(status, state=SyncState.LAST_SYNCED)


def _kind(run: SyncRun) -> FailureKind | None:
    try:
        return FailureKind(run.failure_kind) if run.failure_kind else None
    except ValueError:
        return None


def _changes(item: SyncRunObject) -> ObjectChanges:
    return ObjectChanges(object_name=item.object_name, inserted=item.inserted, updated=item.updated,
                         deleted=item.deleted)


def object_progress(item: SyncRunObject, *, now: datetime | None = None) -> ObjectProgress:
    """How far one object of a run has come, with its rate and the time left at that rate."""
    finished = item.status != "running"
    elapsed = ((item.finished_at or now or utcnow()) - item.started_at).total_seconds()
    rate = item.rows_read / elapsed if elapsed > 0.5 and item.rows_read else None
    left = None
    if rate and item.rows_expected is not None and not finished:
        left = max(0.0, (item.rows_expected - item.rows_read) / rate)
    return ObjectProgress(object_name=item.object_name, method=item.method, rows_done=item.rows_read,
                          rows_expected=item.rows_expected, rate=rate, seconds_left=left, finished=finished)
