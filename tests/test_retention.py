"""A bounded history: sync errors, sent alerts and old sync runs are pruned after
`SYNCBOT_KEEP_DAYS`, keeping whatever answers and alerts still need, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from bot.retention import PRUNE_EVERY, Pruned, prune_history
from bot.scheduler import SyncScheduler
from bot.slack_standin import SlackWebApiStandIn
from storage import runs
from storage.alert_models import AlertOutbox, AlertState, LoadProgressMessage
from storage.models import SyncError, SyncRun, SyncRunObject
from tests.support.harness import RunningBot, running_bot, settings_env

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
TEAM, OTHER = "T0001", "T0002"


@pytest.fixture
def keeping_bot(slack: SlackWebApiStandIn, database_url: str, secret_key: str) -> Iterator[RunningBot]:
    """A running bot that keeps 30 days of history, once per database backend."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=None, secret_key=secret_key,
                       extra={"SYNCBOT_KEEP_DAYS": "30"})
    with running_bot(env, slack=slack) as running:
        yield running


def _days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _run(bot: RunningBot, team_id: str, status: str, days: float) -> int:
    with bot.services.db.session() as session:
        run = SyncRun(team_id=team_id, trigger="schedule", status=status, started_at=_days_ago(days),
                      finished_at=_days_ago(days))
        session.add(run)
        session.flush()
        session.add(SyncRunObject(run_id=run.id, object_name="Lead", method="rest", status="done",
                                  started_at=_days_ago(days)))
        return run.id


def _alert(bot: RunningBot, status: str, days: float, thread_of: int | None = None) -> int:
    with bot.services.db.session() as session:
        row = AlertOutbox(team_id=TEAM, key=secrets.token_hex(16), kind="failed", facts={}, status=status,
                          attempts=1, created_at=_days_ago(days), thread_of=thread_of)
        session.add(row)
        session.flush()
        return row.id


def test_history_older_than_the_setting_is_pruned_and_what_is_still_needed_stays(keeping_bot: RunningBot) -> None:
    bot = keeping_bot
    assert bot.services.settings.keep_days == 30
    # Runs: two before the last success go; the last success (old as it is) and the failures after it stay.
    first, failed_before = _run(bot, TEAM, "succeeded", 60), _run(bot, TEAM, "failed", 50)
    last_success, failing = _run(bot, TEAM, "succeeded", 40), _run(bot, TEAM, "failed", 35)
    recent = _run(bot, TEAM, "failed", 1)
    never_succeeded = _run(bot, OTHER, "failed", 60)
    # Errors: more old ones than one batch deletes, and two within the 30 days (one of a pruned run).
    with bot.services.db.session() as session:
        session.execute(insert(SyncError), [
            {"team_id": TEAM, "kind": "record", "object_name": "Lead", "message": f"old {n}",
             "occurred_at": _days_ago(31)} for n in range(1_200)
        ])
        session.add_all([
            SyncError(team_id=TEAM, run_id=failed_before, kind="job", message="kept", occurred_at=_days_ago(29)),
            SyncError(team_id=TEAM, run_id=recent, kind="job", message="today", occurred_at=_days_ago(0.1)),
        ])
    # Alerts: sent and undeliverable old ones go; pending ones, the failure alert reminders reply
    # under, the first load's progress message and a pending reply's parent stay.
    sent, undeliverable = _alert(bot, "sent", 40), _alert(bot, "undeliverable", 40)
    failure_alert, progress_alert = _alert(bot, "sent", 40), _alert(bot, "sent", 40)
    parent = _alert(bot, "sent", 40)
    pending_reply = _alert(bot, "pending", 40, thread_of=parent)
    fresh = _alert(bot, "sent", 10)
    with bot.services.db.session() as session:
        session.add(AlertState(team_id=TEAM, state="failed", failure_alert_id=failure_alert))
        session.add(LoadProgressMessage(team_id=TEAM, alert_id=progress_alert, failures=0, reposts=0,
                                        created_at=_days_ago(40)))

    assert prune_history(bot.services, now=NOW) == Pruned(errors=1_200, alerts=2, runs=2)

    with bot.services.db.session(write=False) as session:
        assert set(session.scalars(select(SyncRun.id))) == {last_success, failing, recent, never_succeeded}
        assert set(session.scalars(select(SyncRunObject.run_id))) == {last_success, failing, recent, never_succeeded}
        assert sorted(session.execute(select(SyncError.message, SyncError.run_id))) == [
            ("kept", None), ("today", recent)]
        assert set(session.scalars(select(AlertOutbox.id))) == {
            failure_alert, progress_alert, parent, pending_reply, fresh}
        assert {sent, undeliverable} & set(session.scalars(select(AlertOutbox.id))) == set()
        # What /sync status says is unchanged: the last success, and the failure since the run after it.
        last = runs.last_succeeded(session, TEAM)
        assert last is not None and last.id == last_success
        assert runs.failing_since(session, TEAM) == _days_ago(35)
    # A second pruning finds nothing more.
    assert prune_history(bot.services, now=NOW) == Pruned()
    with bot.services.db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(SyncError)) == 2


def test_the_setting_decides_how_much_is_kept(keeping_bot: RunningBot) -> None:
    bot = keeping_bot
    with bot.services.db.session() as session:
        session.add_all([SyncError(team_id=TEAM, kind="job", message=f"{days} days", occurred_at=_days_ago(days))
                         for days in (29.9, 30.1, 45)])
    assert prune_history(bot.services, now=NOW).errors == 2
    with bot.services.db.session(write=False) as session:
        assert list(session.scalars(select(SyncError.message))) == ["29.9 days"]


def test_every_scheduler_prunes_hourly(keeping_bot: RunningBot) -> None:
    owner = SyncScheduler(keeping_bot.services)
    job = owner.scheduler.get_job("prune-history")
    assert job is not None and job.trigger.interval == PRUNE_EVERY
