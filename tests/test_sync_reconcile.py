"""The reconciliation of Ids under real-world conditions, through real cycles against the
simulator, on SQLite and on PostgreSQL (whose databases here sort text as people read
it, ``a`` before ``B``, as many hosted servers do): archived activities are not deleted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest

from bot.simulator import SalesforceSimulator, archive_activities
from bot.slack_standin import SlackWebApiStandIn
from storage.models import SyncedObject
from tests.support import postgres
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import cycle, differences as copy_differences, latest_run, local_rows, start_sync

# SYNCBOT_BULK_THRESHOLD per way of reading Salesforce's Ids: REST pages, or a Bulk job.
THRESHOLDS = {"rest": "100000", "bulk": "10"}


@pytest.fixture
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database; on PostgreSQL one whose default collation is ICU's en-US."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'syncbot.db'}"
        return
    url = postgres.create_database(icu_locale="en-US")
    try:
        yield url
    finally:
        postgres.drop_database(url)


def _bot(slack: SlackWebApiStandIn, salesforce_url: str, database_url: str, secret_key: str, *, objects: str,
         path: str, salesforce: SalesforceSimulator | None = None,
         **settings: str) -> AbstractContextManager[RunningBot]:
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce_url, secret_key=secret_key,
                       extra={"SYNCBOT_OBJECTS": objects, "SYNCBOT_BULK_THRESHOLD": THRESHOLDS[path], **settings})
    return running_bot(env, slack=slack, salesforce=salesforce)


def _reconcile_due(bot: RunningBot) -> None:
    """Move the last reconciliation back a day, so the next cycle runs it."""
    with bot.services.db.session() as session:
        for obj in session.query(SyncedObject).all():
            obj.reconciled_at = (obj.reconciled_at or obj.described_at) - timedelta(hours=25)


@pytest.mark.parametrize("path", THRESHOLDS)
def test_archived_activities_are_not_marked_deleted(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator,
                                                    database_url: str, secret_key: str, path: str) -> None:
    org = salesforce.org
    org.generate("Task", 60, seed=5)
    org.generate("Event", 30, seed=5)
    with _bot(slack, salesforce.url, database_url, secret_key, objects="Task,Event", path=path,
              salesforce=salesforce) as bot:
        start_sync(bot)
        assert cycle(bot).status == "succeeded"
        archived = archive_activities(org)  # a year after they were done, as Salesforce does
        assert len(archived) > 10
        assert cycle(bot).status == "succeeded"  # the archival moved SystemModstamp: read as a change
        _reconcile_due(bot)
        assert cycle(bot).status == "succeeded"
        run, _ = latest_run(bot)
        assert (run.reconciled, run.rows_purged, run.rows_repaired) == ("schedule", 0, 0)
        for name in ("Task", "Event"):
            assert copy_differences(bot, org, name) == [], name
        rows = {**local_rows(bot, "Task"), **local_rows(bot, "Event")}
        assert {(rows[record_id]["isdeleted"], rows[record_id]["isarchived"]) for record_id in archived} == \
            {(False, True)}
        # `/sync verify` counts archived activities as the live rows they are.
        assert "Every object agrees." in bot.reply("verify", user_id=MEMBER)
