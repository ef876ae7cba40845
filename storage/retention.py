"""Deletes of history past its keeping time: sync errors, sent alerts, and sync runs.

Each function deletes at most ``batch`` rows, oldest first, in the caller's (short)
transaction, and returns how many it deleted; the caller repeats until fewer come back.
What other rows or answers still need is never deleted (see each function).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete, func, select
from sqlalchemy.orm import Session, aliased

from storage.alert_models import AlertOutbox, AlertState, LoadProgressMessage
from storage.alerts import PENDING, SENT, UNDELIVERABLE
from storage.models import SyncError, SyncRun


def prune_errors(session: Session, before: datetime, batch: int) -> int:
    """Delete sync errors that occurred before ``before``."""
    oldest = (select(SyncError.id).where(SyncError.occurred_at < before)
              .order_by(SyncError.id).limit(batch).scalar_subquery())
    return _deleted(session, delete(SyncError).where(SyncError.id.in_(oldest)))


def prune_sent_alerts(session: Session, before: datetime, batch: int) -> int:
    """Delete alerts posted (or given up on) that were written before ``before``.

    Kept whatever their age: pending ones, the failure alert that reminders reply under, the
    first load's progress message (it is edited in place), and any parent of a pending reply.
    """
    failure_alerts = select(AlertState.failure_alert_id).where(AlertState.failure_alert_id.is_not(None))
    progress_messages = select(LoadProgressMessage.alert_id)
    reply = aliased(AlertOutbox)
    parents = select(reply.thread_of).where(reply.status == PENDING, reply.thread_of.is_not(None))
    oldest = (
        select(AlertOutbox.id)
        .where(AlertOutbox.status.in_((SENT, UNDELIVERABLE)), AlertOutbox.created_at < before,
               AlertOutbox.id.not_in(failure_alerts), AlertOutbox.id.not_in(progress_messages),
               AlertOutbox.id.not_in(parents))
        .order_by(AlertOutbox.id)
        .limit(batch)
        .scalar_subquery()
    )
    return _deleted(session, delete(AlertOutbox).where(AlertOutbox.id.in_(oldest)))


def prune_runs(session: Session, before: datetime, batch: int) -> int:
    """Delete finished sync runs (and their per-object records) started before ``before``.

    Only runs older than their workspace's newest succeeded run go: that run (what
    ``/sync status`` reports as Last Synced) and every run after it (a failure under way,
    counted from its first failed run) stay, however old. A workspace that never succeeded
    keeps its runs (its first load's counts are summed over them).
    """
    newer = aliased(SyncRun)
    last_success = (select(func.max(newer.id))
                    .where(newer.team_id == SyncRun.team_id, newer.status == "succeeded")
                    .scalar_subquery())
    oldest = (
        select(SyncRun.id)
        .where(SyncRun.started_at < before, SyncRun.status != "running", SyncRun.id < last_success)
        .order_by(SyncRun.id)
        .limit(batch)
        .scalar_subquery()
    )
    # sync_run_objects go with their run (ON DELETE CASCADE); errors keep their words, without the run.
    return _deleted(session, delete(SyncRun).where(SyncRun.id.in_(oldest)))


def _deleted(session: Session, statement: Delete) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(cast(CursorResult[Any], result).rowcount or 0)
