"""The periodic alert checks: a sync that silently stopped (lag), and the daily digest.

Both run on every replica's scheduler; a conditional write under the workspace's
alert-state lock makes sure each alert is written once, whoever checks first.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from bot.alerts.kinds import AlertKind, iso
from bot.alerts.rules import FAILED
from bot.config import Settings
from bot.runtime import Services
from storage import alert_reports, alerts, workspaces
from storage.alert_models import AlertState
from storage.types import utcnow

log = logging.getLogger(__name__)

DIGEST_WINDOW = timedelta(hours=24)


def check_lag(services: Services, *, now: datetime | None = None) -> int:
    """Write a lag alert for each workspace where no cycle has succeeded for
    ``SYNCBOT_LAG_ALERT`` intervals though none failed; returns how many were written.

    The catch-up is told by :func:`bot.alerts.rules.after_run`, with the cycle that ends it.
    """
    now = now or utcnow()
    settings = services.settings
    with services.db.session() as session:
        team_ids = workspaces.started_team_ids(session, include_paused=False)
    written = 0
    for team_id in team_ids:
        with services.db.session() as session:
            # Read first: most checks find nothing to do, and then take no lock.
            if _lag(session, settings, team_id, now) is not None:
                written += _raise_lag(session, settings, team_id, now)
    return written


def _lag(session: Session, settings: Settings, team_id: str, now: datetime) -> timedelta | None:
    """How long the workspace has gone without a successful cycle, when that is too long to be quiet about."""
    workspace = workspaces.get(session, team_id)
    state = session.get(AlertState, team_id, populate_existing=True)
    if workspace is None or workspace.started_at is None or workspace.paused:
        return None
    if state is not None and (state.state == FAILED or state.lag_alerted_at is not None):
        return None  # the failure alert already says it; or the lag was told
    last_ok = alert_reports.last_success(session, team_id)
    moments = [workspace.started_at, last_ok.finished_at if last_ok else None, state.resumed_at if state else None]
    quiet = now - max(moment for moment in moments if moment is not None)
    return quiet if quiet >= timedelta(seconds=settings.sync_interval * settings.lag_alert) else None


def _raise_lag(session: Session, settings: Settings, team_id: str, now: datetime) -> int:
    state = alerts.lock_state(session, team_id)
    quiet = _lag(session, settings, team_id, now)  # again, under the lock: another replica may have told it
    if quiet is None:
        return 0
    last_ok = alert_reports.last_success(session, team_id)
    facts = {
        "seconds": quiet.total_seconds(),
        "intervals": settings.lag_alert,
        "last_ok": iso(last_ok.finished_at if last_ok else None),
        "first_load": last_ok is None,
    }
    alerts.enqueue(session, team_id, AlertKind.LAGGING, facts)
    state.lag_alerted_at = now
    return 1


def send_digests(services: Services, *, now: datetime | None = None) -> int:
    """Write today's digest for each started workspace once ``SYNCBOT_DIGEST_HOUR`` has come;
    returns how many were written (at most one per workspace and day, across replicas).

    A workspace started after today's digest hour gets its first digest at tomorrow's:
    today's would cover a day before the sync, and arrive a minute after ``/sync start``.
    """
    hour = services.settings.digest_hour
    now = now or utcnow()
    if hour is None or now.hour < hour:
        return 0
    today = now.date()
    due = datetime.combine(today, time(hour), tzinfo=timezone.utc)
    with services.db.session() as session:
        team_ids = workspaces.started_team_ids(session, include_paused=True, before=due)
    written = 0
    for team_id in team_ids:
        with services.db.session() as session:
            state = session.get(AlertState, team_id)
            if state is not None and state.digest_on is not None and state.digest_on >= today:
                continue
            state = alerts.lock_state(session, team_id)
            if state.digest_on is not None and state.digest_on >= today:
                continue  # another replica was first
            window = alert_reports.window(session, team_id, now - DIGEST_WINDOW, now)
            facts = {
                "until": iso(now), "runs": window.runs, "failed": window.failed,
                "objects": [list(item) for item in window.objects], "errors": [list(item) for item in window.errors],
                "api_calls": window.api_calls, "api_used": window.api_used, "api_max": window.api_max,
                "repairs": [list(item) for item in window.repairs],
            }
            alerts.enqueue(session, team_id, AlertKind.DIGEST, facts)
            state.digest_on = today
            written += 1
    return written
