"""Reads and writes for the first load's live message: the load's run records as the
message shows them, and the ``load_progress_messages`` row that remembers the message.

The first load is every run of a workspace up to its first successful one: a load that
was interrupted or failed goes on in the next run, and the message follows it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import catalog, cursors, runs
from storage.alert_models import AlertOutbox, LoadProgressMessage
from storage.models import SyncRun, SyncRunObject
from storage.types import utcnow


@dataclass(frozen=True)
class LoadRecords:
    """What the run records say of a workspace's first load."""

    # The run shown: the first that succeeded (the load is over), else the newest.
    run: SyncRun
    # When the load's first run started.
    began: datetime
    # The shown run's per-object records, by object.
    items: dict[str, SyncRunObject]
    # Rows each object read in the load's earlier runs (interrupted or failed ones).
    earlier_rows: dict[str, int]
    # The objects the load reads, in the order it reads them.
    objects: list[str]
    # Objects with a Bulk job under way, per their cursor.
    bulk_jobs: frozenset[str]

    @property
    def over(self) -> bool:
        """The load succeeded."""
        return self.run.status == "succeeded"


def first_success_id(session: Session, team_id: str) -> int | None:
    """The id of a workspace's first successful run (None while the first load goes on)."""
    return session.scalar(
        select(func.min(SyncRun.id)).where(SyncRun.team_id == team_id, SyncRun.status == "succeeded")
    )


def load_records(session: Session, team_id: str) -> LoadRecords | None:
    """The first load as its run records stand now (None before the first run)."""
    first_ok = first_success_id(session, team_id)
    run = session.get(SyncRun, first_ok) if first_ok is not None else runs.latest(session, team_id)
    if run is None:
        return None
    began = session.scalar(
        select(func.min(SyncRun.started_at)).where(SyncRun.team_id == team_id, SyncRun.id <= run.id)
    )
    earlier = session.execute(
        select(SyncRunObject.object_name, func.sum(SyncRunObject.rows_read))
        .join(SyncRun, SyncRun.id == SyncRunObject.run_id)
        .where(SyncRun.team_id == team_id, SyncRun.id < run.id)
        .group_by(SyncRunObject.object_name)
    )
    return LoadRecords(
        run=run,
        began=began or run.started_at,
        items={item.object_name: item for item in runs.objects_of(session, run.id)},
        earlier_rows={name: int(rows or 0) for name, rows in earlier},
        objects=[obj.object_name for obj in catalog.objects(session, team_id) if obj.available],
        bulk_jobs=frozenset(name for name, cursor in cursors.all_of(session, team_id).items() if cursor.bulk_job_id),
    )


def get(session: Session, team_id: str) -> LoadProgressMessage | None:
    """The workspace's progress message, fresh from the database."""
    return session.get(LoadProgressMessage, team_id, populate_existing=True)


def create(session: Session, team_id: str, *, alert_id: int, digest: str, now: datetime) -> None:
    """Remember the progress message about to be posted by the outbox row ``alert_id``."""
    session.add(LoadProgressMessage(team_id=team_id, alert_id=alert_id, digest=digest, updated_at=now, reposts=0,
                                    failures=0, created_at=utcnow()))
    session.flush()


def posted_message(session: Session, row: LoadProgressMessage) -> AlertOutbox | None:
    """The outbox row that posts (or posted) the message: its status, channel and ts."""
    return session.get(AlertOutbox, row.alert_id, populate_existing=True)
