"""The sync state a workspace is in, as ``/sync status`` and App Home show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.runtime import Services
from bot.setup import progress
from bot.setup.progress import Progress
from storage import runs


class SyncState(StrEnum):
    """The four states of the contract; their values are the words users see."""

    NOT_STARTED = "Not started"
    LAST_SYNCED = "Last Synced"
    IN_PROGRESS = "Sync in Progress"
    FAILED = "Failed"


@dataclass(frozen=True)
class SyncStatus:
    """The state plus what explains it."""

    state: SyncState
    progress: Progress
    last_synced_at: datetime | None = None
    failure: str | None = None


def current(services: Services, team_id: str) -> SyncStatus:
    """Read the sync state of a workspace."""
    with services.db.session() as session:
        state = progress.load(session, team_id)
        latest = runs.latest(session, team_id)
        succeeded = runs.last_succeeded(session, team_id)
    last_synced_at = succeeded.finished_at if succeeded else None
    if state.started_at is None:
        return SyncStatus(state=SyncState.NOT_STARTED, progress=state)
    if latest is None or latest.status == "running":
        # Started, and the first (or current) cycle has not finished yet.
        return SyncStatus(state=SyncState.IN_PROGRESS, progress=state, last_synced_at=last_synced_at)
    if latest.status == "failed":
        return SyncStatus(
            state=SyncState.FAILED, progress=state, last_synced_at=last_synced_at, failure=latest.error
        )
    return SyncStatus(state=SyncState.LAST_SYNCED, progress=state, last_synced_at=last_synced_at)
