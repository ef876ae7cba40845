"""Which workspaces are due for a sync cycle, decided from the database.

Every replica's scheduler asks the same question of the same rows, so it does not
matter which of them runs the cycle: the workspace's lock decides that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage import runs, workspaces
from storage.models import Workspace


def due_team_ids(session: Session, *, now: datetime, interval: int) -> list[str]:
    """Workspaces whose next cycle is due now (a run in progress elsewhere counts as due:
    its lock tells whether it is alive)."""
    return [team_id for team_id in workspaces.started_team_ids(session)
            if _trigger(session, team_id, now=now, interval=interval, force=False, running_is_due=True)]


def claim_cycle(session: Session, team_id: str, *, now: datetime, interval: int, force: bool = False) -> str | None:
    """The trigger of the cycle to run now ("start", "now" or "schedule"), or None when
    none is due; a `/sync now` request is consumed. Call it holding the workspace's lock."""
    trigger = _trigger(session, team_id, now=now, interval=interval, force=force, running_is_due=False)
    if trigger == "now":
        session.execute(update(Workspace).where(Workspace.team_id == team_id)
                        .values(sync_requested_at=None, sync_requested_by=None))
    return trigger


def request_cycle(session: Session, team_id: str, user_id: str, *, now: datetime) -> None:
    """Record a `/sync now` request for whichever scheduler looks next."""
    session.execute(update(Workspace).where(Workspace.team_id == team_id)
                    .values(sync_requested_at=now, sync_requested_by=user_id))


def _trigger(session: Session, team_id: str, *, now: datetime, interval: int, force: bool,
             running_is_due: bool) -> str | None:
    workspace = workspaces.get(session, team_id)
    if workspace is None or workspace.started_at is None:
        return None
    if force or workspace.sync_requested_at is not None:
        return "now"
    if workspace.paused:
        return None
    latest = runs.latest(session, team_id)
    if latest is None:
        return "start"
    if latest.status == "interrupted" or (running_is_due and latest.status == "running"):
        return "schedule"  # resume the work of a stopped process at once
    return "schedule" if latest.started_at + timedelta(seconds=interval) <= now else None
