"""Alert rules: run results and notable events -> outbox rows, in the caller's transaction.

Each function is called inside the transaction that makes the change it speaks of
(the run's close, the pause, the start), so the alert is committed with the change
or not at all. The rules post on changes of state only: the state the channel was
last told is kept in ``alert_states`` and compared with each new run.

A failing rule must never cost the change it rides on: every entry point runs in a
savepoint and, should anything in it fail, logs the error and lets the caller's
transaction go on without the alert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.alerts.kinds import AlertKind, iso
from bot.messages import MSG
from bot.sync.failures import FailureKind
from storage import alert_progress, alert_reports, alerts, catalog, workspaces
from storage.alert_models import AlertState
from storage.models import SyncRun
from storage.types import utcnow

log = logging.getLogger(__name__)

OK, FAILED = "ok", "failed"
# A failure that lasts is recalled this often, in the thread of its alert.
REMINDER_EVERY = timedelta(days=1)
# The words of a changed field in /sync errors (each starts "{field} changed in Salesforce from {old}").
_CHANGED = (MSG.drift_field_changed, MSG.drift_field_widened, MSG.drift_field_stopped)


@contextmanager
def guarded(session: Session, what: str) -> Iterator[None]:
    """Run alert rules in a savepoint; a failure is logged and undone, never raised."""
    session.flush()  # the caller's own changes: should they fail, that is the caller's error
    try:
        with session.begin_nested():
            yield
    except Exception:
        log.exception("alert rules failed (%s); the change goes on without its alert", what)


def after_run(session: Session, run: SyncRun) -> None:
    """Alerts for a run that has just finished (status, counts, per-object rows and errors
    set); call it inside the transaction that closes the run."""
    if run.status not in ("succeeded", "failed"):
        return  # "interrupted": its process stopped; the next run says how things are
    with guarded(session, f"run {run.id}"):
        state = alerts.lock_state(session, run.team_id)
        now = run.finished_at or utcnow()
        if run.status == "failed":
            _failed(session, state, run, now)
        else:
            _succeeded(session, state, run, now)
        if run.record_errors:
            _record_errors(session, run)
        _drift(session, run)


def _failed(session: Session, state: AlertState, run: SyncRun, now: datetime) -> None:
    kind = run.failure_kind or FailureKind.INTERNAL
    if state.state == FAILED and state.failure_kind == kind:
        # The same incident goes on: no new alert, a reminder in its thread once a day.
        state.failure = run.error
        last_told = state.reminded_at or state.alerted_at
        if state.failing_since and (last_told is None or now - last_told >= REMINDER_EVERY):
            cycles = alert_reports.failed_runs_since(session, run.team_id, state.failing_since)
            facts = {"error": run.error, "since": iso(state.failing_since), "cycles": cycles}
            alerts.enqueue(session, run.team_id, AlertKind.STILL_FAILING, facts, thread_of=state.failure_alert_id)
            state.reminded_at = now
        return
    other_kind = state.state == FAILED
    since = state.failing_since if other_kind and state.failing_since else run.started_at
    last_ok = alert_reports.last_success(session, run.team_id)
    facts = {
        "failure_kind": str(kind),
        "error": run.error,
        "since": iso(since),
        "last_ok": iso(last_ok.finished_at if last_ok else None),
        "field": alert_reports.refused_field(session, run.id) if kind == FailureKind.REFUSED else None,
        "api_used": run.api_used,
        "api_max": run.api_max,
        "other_kind": other_kind,
    }
    alert_id = alerts.enqueue(session, run.team_id, AlertKind.FAILED, facts)
    state.state, state.failure_kind, state.failure = FAILED, str(kind), run.error
    state.failing_since, state.alerted_at, state.failure_alert_id, state.reminded_at = since, now, alert_id, None


def _succeeded(session: Session, state: AlertState, run: SyncRun, now: datetime) -> None:
    told = False
    if state.state == FAILED:
        facts: dict[str, Any] = {"since": iso(state.failing_since), "until": iso(now),
                                 "objects": [list(item) for item in alert_reports.changed_rows(session, run.id)]}
        alerts.enqueue(session, run.team_id, AlertKind.RECOVERED, facts)
        state.state, state.failure_kind, state.failure = OK, None, None
        state.failing_since, state.alerted_at, state.failure_alert_id, state.reminded_at = None, None, None, None
        told = True
    previous = alert_reports.last_success(session, run.team_id, before_run=run.id)
    if previous is None:
        workspace = workspaces.get(session, run.team_id)
        began = (workspace.started_at if workspace else None) or run.started_at
        facts = {"seconds": (now - min(began, run.started_at)).total_seconds(),
                 "objects": [list(item) for item in alert_reports.loaded_rows(session, run.team_id)],
                 "live": _live_progress(session, run.team_id)}
        alerts.enqueue(session, run.team_id, AlertKind.INITIAL_LOAD, facts)
        told = True
    if state.lag_alerted_at is not None:
        if not told:
            quiet_since = (previous.finished_at if previous else None) or state.lag_alerted_at
            alerts.enqueue(session, run.team_id, AlertKind.CAUGHT_UP, {"seconds": (now - quiet_since).total_seconds()})
        state.lag_alerted_at = None


def _live_progress(session: Session, team_id: str) -> bool:
    """The load's live message is in the channel (or on its way) and will show it done."""
    row = alert_progress.get(session, team_id)
    if row is None or row.finished_at is not None:
        return False
    posted = alert_progress.posted_message(session, row)
    if posted is None or posted.status == alerts.UNDELIVERABLE:
        return False
    # A channel chosen since then does not have the message: it gets the whole summary.
    workspace = workspaces.get(session, team_id)
    chosen = workspace.alert_channel if workspace else None
    return posted.channel is None or chosen is None or chosen == posted.channel


def _record_errors(session: Session, run: SyncRun) -> None:
    facts = {"count": run.record_errors, "when": iso(run.started_at),
             "top": [list(item) for item in alert_reports.top_record_errors(session, run.id)]}
    alerts.enqueue(session, run.team_id, AlertKind.RECORD_ERRORS, facts)


def _drift(session: Session, run: SyncRun) -> None:
    """One message per run for what the drift checks found or repaired; nothing when the
    run found nothing worth a person's attention (an unchanged describe, a clean reconciliation)."""
    added: list[list[str]] = []
    removed: list[list[str]] = []
    other: list[str] = []
    columns: dict[tuple[str, str], str] = {}
    for object_name, field_name, message in alert_reports.field_reports(session, run.id):
        key = (object_name, field_name)
        if object_name not in {obj for obj, _name in columns}:
            columns.update({(object_name, row.field_name): row.column_name
                            for row in catalog.fields(session, run.team_id, object_name)})
        column = columns.get(key, "")
        where = f"{object_name}.{field_name}"
        # The errors keep the words of /sync errors; the alert words them for the channel,
        # so each report is recognised by the sentence it was written from.
        if message == MSG.drift_field_added.format(field=where, column=column):
            added.append([where, column])
        elif message == MSG.drift_field_removed.format(field=where, column=column):
            removed.append([where, column])
        elif message == MSG.drift_field_back.format(field=where, column=column) or any(
                message.startswith(template.split("{old}")[0].format(field=where)) for template in _CHANGED):
            other.append(message)  # back again, or a changed type or length: said as in /sync errors
    repaired = (run.rows_purged or 0) + (run.rows_repaired or 0)
    pause = run.reconciled == "pause"
    if not (added or removed or other or repaired or pause):
        return
    facts: dict[str, Any] = {
        "added": added, "removed": removed, "other": other, "backfilled": run.rows_backfilled or 0,
        "reconciled": run.reconciled, "pause_days": run.pause_days if pause else None,
        "purged": run.rows_purged or 0, "repaired": run.rows_repaired or 0,
        "formulas": run.formulas_changed or 0,
    }
    alerts.enqueue(session, run.team_id, AlertKind.DRIFT, facts)


# -- notable events ----------------------------------------------------------------


def sync_started(session: Session, team_id: str, user_id: str | None) -> None:
    """``/sync start`` went through; call in the transaction that records it."""
    _notable(session, team_id, AlertKind.STARTED, {"user": user_id})


def paused(
    session: Session, team_id: str, user_id: str | None, paused: bool, *, at: datetime | None = None
) -> None:
    """Scheduled cycles were paused (or resumed, at ``at``); call in the transaction that records it."""
    with guarded(session, "pause"):
        state = alerts.lock_state(session, team_id)
        if not paused:
            # Cycles were not expected while paused: the lag is measured from the resume.
            state.resumed_at = at or utcnow()
        alerts.enqueue(session, team_id, AlertKind.PAUSED if paused else AlertKind.RESUMED, {"user": user_id})


def credentials_changed(session: Session, team_id: str, user_id: str | None, org_name: str) -> None:
    """New Salesforce credentials were stored; told once the sync runs (during the setup
    nobody follows the channel yet)."""
    workspace = workspaces.get(session, team_id)
    if workspace is None or workspace.started_at is None:
        return
    _notable(session, team_id, AlertKind.CREDENTIALS_CHANGED, {"user": user_id, "org_name": org_name})


def _notable(session: Session, team_id: str, kind: AlertKind, facts: dict[str, Any]) -> None:
    with guarded(session, str(kind)):
        alerts.enqueue(session, team_id, kind, facts)
