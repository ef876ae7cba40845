"""Recording finished runs as the sync engine does, and reading what the alert channel shows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from bot.alerts import rules
from bot.config import Settings
from bot.runtime import Services, build_services
from bot.slack_standin import SlackWebApiStandIn
from storage import workspaces
from storage.models import SyncError, SyncRun, SyncRunObject
from tests.support.harness import settings_env

TEAM = "T0001"
ALERTS = "C0ALERTS"
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


@contextmanager
def alerting_services(
    slack: SlackWebApiStandIn, database_url: str, extra: Mapping[str, str] | None = None
) -> Iterator[Services]:
    """Services on ``database_url`` whose alerts go to #sync-alerts on the stand-in."""
    slack.add_channel(ALERTS, name="sync-alerts")
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=None, secret_key=None,
                       extra={"SYNCBOT_ALERT_CHANNEL": ALERTS, **(extra or {})})
    services = build_services(Settings.from_env(env))
    try:
        yield services
    finally:
        services.db.dispose()


def start_workspace(services: Services, *, at: datetime = T0, team_id: str = TEAM) -> None:
    """A workspace through every setup step, started at ``at``."""
    with services.db.session() as session:
        workspace = workspaces.ensure(session, team_id)
        for step in workspaces.STEP_COLUMNS:
            workspaces.claim_step(session, team_id, step)
        workspace = workspaces.get(session, team_id)
        assert workspace is not None
        workspace.started_at = at


def finish_run(
    services: Services,
    *,
    status: str,
    started: datetime,
    seconds: float = 60,
    error: str | None = None,
    failure_kind: str | None = None,
    objects: Mapping[str, tuple[int, int, int]] | None = None,
    record_errors: Sequence[tuple[str, str | None, str]] = (),
    job_field: tuple[str, str] | None = None,
    api_calls: int = 0,
    api_used: int | None = None,
    api_max: int | None = None,
    team_id: str = TEAM,
) -> int:
    """Record a finished run and run the alert rules in the same transaction, as the engine
    does; ``objects`` maps an object to (inserted, updated, deleted)."""
    objects = objects or {}
    with services.db.session() as session:
        run = SyncRun(
            team_id=team_id, trigger="schedule", status=status, started_at=started,
            finished_at=started + timedelta(seconds=seconds), error=error, failure_kind=failure_kind,
            records_inserted=sum(v[0] for v in objects.values()), records_updated=sum(v[1] for v in objects.values()),
            records_upserted=sum(v[0] + v[1] for v in objects.values()),
            records_deleted=sum(v[2] for v in objects.values()), record_errors=len(record_errors),
            api_calls=api_calls, api_used=api_used, api_max=api_max,
        )
        session.add(run)
        session.flush()
        for name, (inserted, updated, deleted) in objects.items():
            session.add(SyncRunObject(run_id=run.id, object_name=name, status="done", inserted=inserted,
                                      updated=updated, deleted=deleted, started_at=started))
        for index, (obj, field, message) in enumerate(record_errors):
            session.add(SyncError(team_id=team_id, run_id=run.id, object_name=obj, field_name=field,
                                  record_id=f"00Q{index:015d}", kind="record", message=message, occurred_at=started))
        if job_field:
            session.add(SyncError(team_id=team_id, run_id=run.id, object_name=job_field[0], field_name=job_field[1],
                                  kind="job", message=error or "", occurred_at=started))
        session.flush()
        rules.after_run(session, run)
        return run.id


def texts(slack: SlackWebApiStandIn, channel: str = ALERTS) -> list[str]:
    """The texts of the messages a channel shows, oldest first."""
    return [message["text"] for message in slack.messages(channel)]


def posted(services: Services, slack: SlackWebApiStandIn, channel: str = ALERTS) -> list[str]:
    """Run the sender once, then what the channel shows."""
    from bot.alerts.sender import send_pending

    send_pending(services)
    return texts(slack, channel)


@pytest.fixture
def services(slack: SlackWebApiStandIn, database_url: str) -> Iterator[Services]:
    """Alerting services on each database, with a started workspace (import it to use it)."""
    with alerting_services(slack, database_url) as running:
        start_workspace(running)
        yield running


@pytest.fixture
def sqlite_services(slack: SlackWebApiStandIn, sqlite_url: str) -> Iterator[Services]:
    """The same on SQLite only."""
    with alerting_services(slack, sqlite_url) as running:
        start_workspace(running)
        yield running
