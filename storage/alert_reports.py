"""Read-only questions the alert rules ask of the sync history (runs, per-object counts, errors)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import SyncError, SyncRun, SyncRunObject

# Error messages are cut to this in summaries: a whole stack of SOQL is no help in a channel.
MESSAGE_CHARS = 200


def last_success(session: Session, team_id: str, *, before_run: int | None = None) -> SyncRun | None:
    """The newest succeeded run (older than ``before_run``, when given)."""
    query = select(SyncRun).where(SyncRun.team_id == team_id, SyncRun.status == "succeeded")
    if before_run is not None:
        query = query.where(SyncRun.id < before_run)
    return session.scalars(query.order_by(SyncRun.id.desc()).limit(1)).first()


def failed_runs_since(session: Session, team_id: str, since: datetime) -> int:
    """How many runs failed since ``since``."""
    return int(session.scalar(
        select(func.count()).select_from(SyncRun)
        .where(SyncRun.team_id == team_id, SyncRun.status == "failed", SyncRun.started_at >= since)
    ) or 0)


def refused_field(session: Session, run_id: int) -> str | None:
    """``Object.Field`` of the field a run's failure named, if it named one."""
    row = session.execute(
        select(SyncError.object_name, SyncError.field_name)
        .where(SyncError.run_id == run_id, SyncError.kind == "job", SyncError.field_name.is_not(None))
        .order_by(SyncError.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return f"{row.object_name}.{row.field_name}" if row.object_name else str(row.field_name)


def field_reports(session: Session, run_id: int) -> list[tuple[str, str, str]]:
    """(object, field, message) of the job errors a run left about one field, oldest first:
    what its re-describes found (fields added, gone, back, changed)."""
    rows = session.execute(
        select(SyncError.object_name, SyncError.field_name, SyncError.message)
        .where(SyncError.run_id == run_id, SyncError.kind == "job", SyncError.field_name.is_not(None),
               SyncError.object_name.is_not(None))
        .order_by(SyncError.id)
    )
    return [(str(obj), str(name), str(message)) for obj, name, message in rows]


def changed_rows(session: Session, run_id: int) -> list[tuple[str, int]]:
    """Per object, the rows a run inserted, updated or marked deleted (objects with none left out)."""
    rows = session.execute(
        select(SyncRunObject.object_name, SyncRunObject.inserted + SyncRunObject.updated + SyncRunObject.deleted)
        .where(SyncRunObject.run_id == run_id)
        .order_by(SyncRunObject.object_name)
    )
    return [(name, int(count)) for name, count in rows if count]


def loaded_rows(session: Session, team_id: str) -> list[tuple[str, int]]:
    """Per object, the rows every run so far inserted: what a first load brought in, resumes included."""
    rows = session.execute(
        select(SyncRunObject.object_name, func.sum(SyncRunObject.inserted))
        .join(SyncRun, SyncRun.id == SyncRunObject.run_id)
        .where(SyncRun.team_id == team_id)
        .group_by(SyncRunObject.object_name)
        .order_by(SyncRunObject.object_name)
    )
    return [(name, int(count or 0)) for name, count in rows]


def top_record_errors(session: Session, run_id: int, limit: int = 3) -> list[tuple[int, str, str]]:
    """The most frequent record-level errors of a run: (count, ``Object.Field``, message)."""
    rows = session.execute(
        select(func.count(), SyncError.object_name, SyncError.field_name, SyncError.message)
        .where(SyncError.run_id == run_id, SyncError.kind == "record")
        .group_by(SyncError.object_name, SyncError.field_name, SyncError.message)
        .order_by(func.count().desc(), SyncError.object_name, SyncError.field_name)
        .limit(limit)
    )
    return [
        (int(count), ".".join(part for part in (obj, field) if part) or "?", message[:MESSAGE_CHARS])
        for count, obj, field, message in rows
    ]


@dataclass(frozen=True)
class Window:
    """What the sync did in a span of time, for the daily digest."""

    runs: int
    failed: int
    objects: list[tuple[str, int]]
    errors: list[tuple[str, int]]
    api_calls: int
    api_used: int | None
    api_max: int | None
    # The drift checks' counts summed over the runs (column name, total), zeros left out.
    repairs: list[tuple[str, int]] = dataclass_field(default_factory=list)


REPAIR_COLUMNS = ("fields_added", "fields_removed", "rows_backfilled", "rows_purged", "rows_repaired",
                  "formulas_changed")


def window(session: Session, team_id: str, start: datetime, end: datetime) -> Window:
    """Runs started, rows synced per object, errors by kind and API use between ``start`` and ``end``."""
    in_window = (SyncRun.team_id == team_id, SyncRun.started_at >= start, SyncRun.started_at < end)
    counts = session.execute(
        select(
            func.count(),
            func.sum(case((SyncRun.status == "failed", 1), else_=0)),
            func.sum(SyncRun.api_calls),
        ).where(*in_window)
    ).one()
    objects = session.execute(
        select(SyncRunObject.object_name,
               func.sum(SyncRunObject.inserted + SyncRunObject.updated + SyncRunObject.deleted))
        .join(SyncRun, SyncRun.id == SyncRunObject.run_id)
        .where(*in_window)
        .group_by(SyncRunObject.object_name)
        .order_by(SyncRunObject.object_name)
    )
    errors = session.execute(
        select(SyncError.kind, func.count())
        .where(SyncError.team_id == team_id, SyncError.occurred_at >= start, SyncError.occurred_at < end)
        .group_by(SyncError.kind)
        .order_by(SyncError.kind)
    )
    repairs = session.execute(
        select(*(func.sum(getattr(SyncRun, name)) for name in REPAIR_COLUMNS)).where(*in_window)
    ).one()
    usage = session.execute(
        select(SyncRun.api_used, SyncRun.api_max)
        .where(*in_window, SyncRun.api_max.is_not(None))
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).first()
    return Window(
        runs=int(counts[0] or 0),
        failed=int(counts[1] or 0),
        objects=[(name, int(total or 0)) for name, total in objects if total],
        errors=[(kind, int(count)) for kind, count in errors],
        api_calls=int(counts[2] or 0),
        api_used=usage.api_used if usage else None,
        api_max=usage.api_max if usage else None,
        repairs=[(name, int(total)) for name, total in zip(REPAIR_COLUMNS, repairs) if total],
    )
