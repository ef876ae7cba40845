"""Reads and writes of ``object_cursors``: how far each object has been read.

Each write here belongs in the transaction of the rows it speaks for, so the cursor
never runs ahead of (or behind) the data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ObjectCursor
from storage.types import utcnow


def get(session: Session, team_id: str, object_name: str) -> ObjectCursor | None:
    """The cursor of one object, if it was ever read."""
    return session.get(ObjectCursor, (team_id, object_name))


def all_of(session: Session, team_id: str) -> dict[str, ObjectCursor]:
    """Every cursor of a workspace, by object name."""
    rows = session.scalars(select(ObjectCursor).where(ObjectCursor.team_id == team_id))
    return {row.object_name: row for row in rows}


def _row(session: Session, team_id: str, object_name: str) -> ObjectCursor:
    row = get(session, team_id, object_name)
    if row is None:
        row = ObjectCursor(team_id=team_id, object_name=object_name, bulk_rows_done=0, updated_at=utcnow())
        session.add(row)
    return row


def advance(session: Session, team_id: str, object_name: str, *, modstamp: datetime, last_id: str) -> None:
    """After a page read in stamp order: everything up to ``modstamp`` is written."""
    row = _row(session, team_id, object_name)
    if row.last_modstamp is None or modstamp >= row.last_modstamp:
        row.last_modstamp, row.last_id = modstamp, last_id
    row.updated_at = utcnow()


def bulk_started(session: Session, team_id: str, object_name: str, *, job_id: str, since: datetime | None,
                 created: datetime | None) -> None:
    """A Bulk job was created for this object at ``created`` (Salesforce's clock): remember
    it, so a restart continues it and its end still knows where the next read starts."""
    row = _row(session, team_id, object_name)
    row.bulk_job_id, row.bulk_locator, row.bulk_since, row.bulk_created = job_id, None, since, created
    row.bulk_rows_done, row.bulk_rows_total = 0, None
    row.updated_at = utcnow()


def bulk_created(session: Session, team_id: str, object_name: str, *, created: datetime) -> None:
    """Salesforce says when the job under way was created (for a job recorded without it)."""
    row = _row(session, team_id, object_name)
    if row.bulk_job_id and row.bulk_created is None:
        row.bulk_created = created


def bulk_page_written(session: Session, team_id: str, object_name: str, *, next_locator: str | None,
                      rows: int, total: int | None) -> None:
    """A page of the Bulk job is written; the next one starts at ``next_locator``, and
    after the last (``next_locator`` None) the job is finished in the same transaction.

    A stored locator of None means "the first page": were "no next page" stored alike,
    a crash between the last page and the job's end would read the whole job again.
    """
    row = _row(session, team_id, object_name)
    row.bulk_locator = next_locator
    row.bulk_rows_done = (row.bulk_rows_done or 0) + rows
    row.bulk_rows_total = total if total is not None else row.bulk_rows_total
    row.updated_at = utcnow()
    if next_locator is None:
        _bulk_finished(row)


def _bulk_finished(row: ObjectCursor) -> None:
    """Every page is written: the next read starts from the job's creation.

    Salesforce reads a large job in chunks at different times, so a record changed after
    its chunk was read comes back with its old values, whatever the stamps of the rows
    read later: only a read of everything changed since the job began is sure to bring
    it. That may move the cursor back (rows read again count as unchanged), never past
    a change. Without the job's creation the cursor stays where it was, and the next
    read repeats the job's window.
    """
    if row.bulk_created is not None:
        row.last_modstamp, row.last_id = row.bulk_created, None
    _forget_bulk(row)


def bulk_dropped(session: Session, team_id: str, object_name: str) -> None:
    """Forget the Bulk job (failed, or gone from Salesforce)."""
    _forget_bulk(_row(session, team_id, object_name))


def _forget_bulk(row: ObjectCursor) -> None:
    row.bulk_job_id = row.bulk_locator = None
    row.bulk_since = row.bulk_created = row.bulk_rows_total = None
    row.bulk_rows_done = 0
    row.updated_at = utcnow()
