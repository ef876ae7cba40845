"""Reads and writes of ``salesforce_reads``: claiming a fresh read of Salesforce at most once
per interval per workspace, recording how it went, and the newest known API usage."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import SalesforceRead, SyncRun


def get(session: Session, team_id: str, kind: str) -> SalesforceRead | None:
    """The workspace's record of this kind of read, as committed now."""
    return session.get(SalesforceRead, (team_id, kind), populate_existing=True)


def claim(session: Session, team_id: str, kind: str, *, now: datetime, every: timedelta | None) -> bool:
    """Start a fresh read unless one started less than ``every`` ago (None: start it anyway).

    One conditional UPDATE decides, so of any number of requests on any replicas at most
    one per interval gets True; the claim counts whether the read then succeeds or not.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(SalesforceRead).values(team_id=team_id, kind=kind)
                    .on_conflict_do_nothing(index_elements=["team_id", "kind"]))
    statement = update(SalesforceRead).where(SalesforceRead.team_id == team_id, SalesforceRead.kind == kind)
    if every is not None:
        statement = statement.where(or_(SalesforceRead.started_at.is_(None), SalesforceRead.started_at <= now - every))
    result = session.execute(statement.values(started_at=now).execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount == 1


def finish(session: Session, team_id: str, kind: str, *, now: datetime, result: dict[str, Any] | None,
           error: str | None, usage: tuple[int, int] | None) -> None:
    """Record how a claimed read ended: what it found (on success) or why it failed, and the
    API usage it saw (if any answer carried it)."""
    values: dict[str, Any] = {"finished_at": now, "error": error}
    if error is None:
        values.update(checked_at=now, result=result)
    if usage is not None:
        values.update(api_used=usage[0], api_max=usage[1], usage_seen_at=now)
    session.execute(update(SalesforceRead)
                    .where(SalesforceRead.team_id == team_id, SalesforceRead.kind == kind)
                    .values(values).execution_options(synchronize_session=False))


def last_usage(session: Session, team_id: str, *, since: datetime) -> tuple[int, int, datetime] | None:
    """The org's daily API usage as last seen since ``since``, by a sync run or a read:
    (used, max, when), or None when nothing saw it."""
    run = session.execute(
        select(SyncRun.api_used, SyncRun.api_max, SyncRun.finished_at)
        .where(SyncRun.team_id == team_id, SyncRun.finished_at >= since, SyncRun.api_used.is_not(None),
               SyncRun.api_max.is_not(None))
        .order_by(SyncRun.finished_at.desc())
        .limit(1)
    ).first()
    read = session.execute(
        select(SalesforceRead.api_used, SalesforceRead.api_max, SalesforceRead.usage_seen_at)
        .where(SalesforceRead.team_id == team_id, SalesforceRead.usage_seen_at >= since,
               SalesforceRead.api_used.is_not(None), SalesforceRead.api_max.is_not(None))
        .order_by(SalesforceRead.usage_seen_at.desc())
        .limit(1)
    ).first()
    seen: list[tuple[int, int, datetime]] = []
    for row in (run, read):
        if row is not None and row[0] is not None and row[1] is not None and row[2] is not None:
            seen.append((row[0], row[1], row[2]))
    return max(seen, key=lambda item: item[2]) if seen else None
