"""Reads and writes of the sync history: ``sync_runs`` and ``sync_errors``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SyncError, SyncRun


def latest(session: Session, team_id: str) -> SyncRun | None:
    """The most recent run of a workspace."""
    return session.scalars(
        select(SyncRun).where(SyncRun.team_id == team_id).order_by(SyncRun.id.desc()).limit(1)
    ).first()


def last_succeeded(session: Session, team_id: str) -> SyncRun | None:
    """The most recent run that finished without error."""
    return session.scalars(
        select(SyncRun)
        .where(SyncRun.team_id == team_id, SyncRun.status == "succeeded")
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).first()


def recent(session: Session, team_id: str, limit: int = 10) -> list[SyncRun]:
    """The newest runs, newest first."""
    return list(
        session.scalars(
            select(SyncRun).where(SyncRun.team_id == team_id).order_by(SyncRun.id.desc()).limit(limit)
        )
    )


def recent_errors(session: Session, team_id: str, limit: int = 20) -> list[SyncError]:
    """The newest record-level and job-level errors, newest first."""
    return list(
        session.scalars(
            select(SyncError).where(SyncError.team_id == team_id).order_by(SyncError.id.desc()).limit(limit)
        )
    )
