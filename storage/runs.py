"""Reads and writes of the sync history: ``sync_runs`` and ``sync_errors``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SyncError, SyncRun, SyncRunObject
from storage.types import utcnow


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


# ----- the sync engine's writes -------------------------------------------------------


def start(session: Session, team_id: str, *, trigger: str, holder: str) -> SyncRun:
    """Record a new running cycle."""
    run = SyncRun(team_id=team_id, trigger=trigger, status="running", started_at=utcnow(), holder=holder,
                  records_upserted=0, records_inserted=0, records_updated=0, records_unchanged=0,
                  records_deleted=0, record_errors=0, api_calls=0)
    session.add(run)
    session.flush()
    return run


def close_abandoned(session: Session, team_id: str) -> int:
    """Close runs left ``running`` by a process that stopped or died; returns how many.

    Only the holder of the workspace's lock calls this, so no live run is among them.
    """
    now = utcnow()
    abandoned = list(session.scalars(
        select(SyncRun).where(SyncRun.team_id == team_id, SyncRun.status == "running")
    ))
    for run in abandoned:
        run.status, run.finished_at = "interrupted", now
        for item in objects_of(session, run.id):
            if item.status == "running":
                item.status, item.finished_at = "interrupted", now
    return len(abandoned)


def objects_of(session: Session, run_id: int) -> list[SyncRunObject]:
    """The per-object records of a run, in object order."""
    return list(session.scalars(
        select(SyncRunObject).where(SyncRunObject.run_id == run_id).order_by(SyncRunObject.object_name)
    ))


def object_started(session: Session, run_id: int, object_name: str, *, method: str,
                   expected: int | None) -> SyncRunObject:
    """An object's read begins (or switches from REST to Bulk)."""
    item = session.get(SyncRunObject, (run_id, object_name))
    if item is None:
        item = SyncRunObject(run_id=run_id, object_name=object_name, rows_read=0, inserted=0, updated=0,
                             unchanged=0, deleted=0, errors=0, api_calls=0, started_at=utcnow())
        session.add(item)
    item.method, item.status, item.rows_expected = method, "running", expected
    return item


def object_progress(session: Session, run_id: int, object_name: str, *, rows_read: int, inserted: int,
                    updated: int, unchanged: int, deleted: int, errors: int,
                    expected: int | None = None) -> None:
    """Add one batch's counts (in the batch's own transaction)."""
    item = session.get(SyncRunObject, (run_id, object_name))
    if item is None:
        raise LookupError(f"no record of {object_name} in run {run_id}")
    item.rows_read += rows_read
    item.inserted += inserted
    item.updated += updated
    item.unchanged += unchanged
    item.deleted += deleted
    item.errors += errors
    if expected is not None:
        item.rows_expected = expected


def object_finished(session: Session, run_id: int, object_name: str, *, status: str, api_calls: int,
                    error: str | None = None) -> None:
    """An object's read ended (``done`` or ``failed``)."""
    item = session.get(SyncRunObject, (run_id, object_name))
    if item is None:
        # It failed before its read began (its first page was refused).
        item = object_started(session, run_id, object_name, method="rest", expected=None)
    item.status, item.finished_at, item.error, item.api_calls = status, utcnow(), error, api_calls


def finish(session: Session, run_id: int, *, status: str, error: str | None = None,
           failure_kind: str | None = None, api_calls: int = 0, api_used: int | None = None,
           api_max: int | None = None) -> SyncRun:
    """Close a run, its totals summed from its objects."""
    run = session.get(SyncRun, run_id)
    if run is None:
        raise LookupError(f"no sync run {run_id}")
    items = objects_of(session, run_id)
    run.records_inserted = sum(item.inserted for item in items)
    run.records_updated = sum(item.updated for item in items)
    run.records_unchanged = sum(item.unchanged for item in items)
    run.records_deleted = sum(item.deleted for item in items)
    run.record_errors = sum(item.errors for item in items)
    run.records_upserted = run.records_inserted + run.records_updated
    run.status, run.finished_at, run.error, run.failure_kind = status, utcnow(), error, failure_kind
    run.api_calls, run.api_used, run.api_max = api_calls, api_used, api_max
    for item in items:
        if item.status == "running":
            item.status, item.finished_at = status if status != "succeeded" else "done", run.finished_at
    session.flush()
    return run


def add_errors(session: Session, errors: list[SyncError]) -> None:
    """Record sync errors (record-level or job-level)."""
    session.add_all(errors)


def last_finished(session: Session, team_id: str) -> SyncRun | None:
    """The newest run that succeeded or failed (interrupted ones are passed over)."""
    return session.scalars(
        select(SyncRun)
        .where(SyncRun.team_id == team_id, SyncRun.status.in_(("succeeded", "failed")))
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).first()


def failing_since(session: Session, team_id: str) -> datetime | None:
    """When the current run of failures began (None when the last finished run succeeded)."""
    last_ok = last_succeeded(session, team_id)
    query = select(SyncRun.started_at).where(SyncRun.team_id == team_id, SyncRun.status == "failed")
    if last_ok is not None:
        query = query.where(SyncRun.id > last_ok.id)
    return session.scalars(query.order_by(SyncRun.id).limit(1)).first()
